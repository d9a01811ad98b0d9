// A minimal test harness for the native tests: CHECK macros, an OCT() wrapper that fails with
// the library's message, random inputs and RAII tensors. Tests exit 0 (pass), 1 (fail) or 77
// (skipped: ctest reports it so).
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "octet/octet.h"

namespace harness {

inline int failures = 0;

#define CHECK(cond)                                                          \
  do {                                                                       \
    if (!(cond)) {                                                           \
      std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      ++harness::failures;                                                   \
    }                                                                        \
  } while (0)

#define OCT(call)                                                            \
  do {                                                                       \
    oct_status_t s_ = (call);                                                \
    if (s_ != OCT_STATUS_SUCCESS) {                                          \
      std::fprintf(stderr, "%s:%d: %s -> %s: %s\n", __FILE__, __LINE__, #call, \
                   oct_status_string(s_), oct_last_error_message());         \
      std::exit(1);                                                          \
    }                                                                        \
  } while (0)

// The exit code of a test part that cannot run here; ctest reports it as skipped.
inline constexpr int kSkipped = 77;

// Whether a CUDA device is usable; if not, prints "<name>: skipped: no CUDA device".
inline bool cuda_device_present(const char* name) {
  int32_t devices = 0;
  OCT(oct_cuda_device_count(&devices));
  if (devices == 0) std::printf("%s: skipped: no CUDA device\n", name);
  return devices > 0;
}

inline int finish(const char* name) {
  if (harness::failures) {
    std::fprintf(stderr, "%s: %d check(s) failed\n", name, harness::failures);
    return 1;
  }
  std::printf("%s: passed\n", name);
  return 0;
}

struct Tensor {
  oct_tensor_t t = nullptr;
  Tensor(oct_context_t ctx, oct_dtype_t dtype, std::vector<int64_t> shape) {
    OCT(oct_tensor_create(ctx, dtype, static_cast<int32_t>(shape.size()), shape.data(), &t));
  }
  ~Tensor() { oct_tensor_destroy(t); }
  Tensor(const Tensor&) = delete;
  Tensor& operator=(const Tensor&) = delete;
  int64_t nbytes() const {
    oct_tensor_desc_t d;
    OCT(oct_tensor_describe(t, &d));
    return d.nbytes;
  }
  template <typename T> void upload(const std::vector<T>& v) {
    OCT(oct_tensor_copy_from_host(t, v.data(), static_cast<int64_t>(v.size() * sizeof(T)), nullptr));
  }
  template <typename T> std::vector<T> download() {
    std::vector<T> v(static_cast<size_t>(nbytes()) / sizeof(T));
    OCT(oct_tensor_copy_to_host(t, v.data(), nbytes(), nullptr));
    return v;
  }
  // Fills the tensor with a byte pattern that no kernel writes by accident.
  void poison() { upload(std::vector<uint8_t>(static_cast<size_t>(nbytes()), 0xA5)); }
};

inline std::vector<float> gaussian(size_t n, uint64_t seed, float sigma = 1.0f) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> dist(0.0f, sigma);
  std::vector<float> v(n);
  for (auto& x : v) x = dist(rng);
  return v;
}

}  // namespace harness
