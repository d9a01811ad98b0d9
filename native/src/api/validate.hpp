// Argument checks shared by the entry points: each failure names the argument and its value.
#pragma once

#include <cstring>
#include <initializer_list>
#include <string>
#include <type_traits>

#include "common/error.hpp"
#include "common/objects.hpp"

namespace octet::api {

// An enum argument, checked against the values the call accepts. C and Java (FFM) callers can
// pass any int, and in C++ reading an enum object whose value lies outside the enumeration's
// range is undefined (a sanitizer flags it), so the value is taken from the argument's bytes and
// compared as an int before it is used as the enum.
template <typename E>
E enum_arg(const E& e, const char* name, std::initializer_list<E> valid) {
  static_assert(std::is_enum_v<E> && sizeof(E) == sizeof(int), "a C enum argument");
  int v;
  std::memcpy(&v, &e, sizeof v);
  for (E ok : valid)
    if (v == static_cast<int>(ok)) return ok;
  fail(OCT_STATUS_INVALID_ARGUMENT, "argument '%s' has unknown value %d", name, v);
}

// Drops one reference to a context; frees it (and its CUDA stream) with the last (api/core.cpp).
void release_context(oct_context* c);

inline std::string shape_string(const oct_tensor& t) {
  std::string s = "[";
  for (int i = 0; i < t.rank; ++i) {
    if (i) s += ", ";
    s += std::to_string(t.shape[i]);
  }
  return s + "]";
}

inline oct_tensor& tensor_arg(oct_tensor_t t, const char* name) {
  require(t != nullptr, "argument '%s' is NULL", name);
  return *t;
}

inline void require_rank(const oct_tensor& t, const char* name, int rank) {
  require(t.rank == rank, "argument '%s' must have rank %d, got shape %s", name, rank,
          shape_string(t).c_str());
}

inline void require_dtype(const oct_tensor& t, const char* name,
                          std::initializer_list<oct_dtype_t> allowed) {
  for (oct_dtype_t d : allowed)
    if (t.dtype == d) return;
  std::string list;
  for (oct_dtype_t d : allowed) list += std::string(list.empty() ? "" : "/") + dtype_name(d);
  fail(OCT_STATUS_INVALID_ARGUMENT, "argument '%s' has dtype %s; expected %s", name,
       dtype_name(t.dtype), list.c_str());
}

inline void require_dim(const oct_tensor& t, const char* name, int dim, int64_t expected,
                        const char* why) {
  require(t.shape[dim] == expected, "argument '%s' has shape %s; dimension %d must be %lld (%s)",
          name, shape_string(t).c_str(), dim, static_cast<long long>(expected), why);
}

inline void require_same_context(const oct_tensor& a, const char* a_name, const oct_tensor& b,
                                 const char* b_name) {
  require(a.context == b.context,
          "arguments '%s' and '%s' belong to different contexts (backend %d device %d vs "
          "backend %d device %d)",
          a_name, b_name, a.context->backend, a.context->device, b.context->backend,
          b.context->device);
}

// The stream to launch on: the given one (which must belong to `context`), or the default.
inline void* launch_stream(oct_context* context, oct_stream_t stream) {
  if (stream == nullptr) return context->default_stream;
  require(stream->context == context,
          "argument 'stream' belongs to another context than the tensors (backend %d device %d)",
          stream->context->backend, stream->context->device);
  return stream->handle;
}

}  // namespace octet::api
