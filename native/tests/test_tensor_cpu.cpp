// Tensors on the CPU backend: views share memory, keep it alive, and reject bad ranges.
#include <cstring>

#include "harness.hpp"

int main() {
  oct_context_t ctx = nullptr;
  OCT(oct_context_create(OCT_BACKEND_CPU, 0, &ctx));
  oct_tensor_t base = nullptr, view = nullptr, view2 = nullptr;
  int64_t shape[2] = {4, 3};
  OCT(oct_tensor_create(ctx, OCT_DTYPE_FP32, 2, shape, &base));
  std::vector<float> v(12);
  for (int i = 0; i < 12; ++i) v[i] = float(i);
  OCT(oct_tensor_copy_from_host(base, v.data(), 48, nullptr));
  int64_t vshape[2] = {2, 3};
  OCT(oct_tensor_view(base, 2, vshape, 3, &view));  // rows 1..2
  oct_tensor_desc_t d;
  OCT(oct_tensor_describe(view, &d));
  CHECK(d.rank == 2 && d.shape[0] == 2 && d.numel == 6 && d.nbytes == 24 && d.dtype == OCT_DTYPE_FP32);
  std::vector<float> got(6);
  OCT(oct_tensor_copy_to_host(view, got.data(), 24, nullptr));
  for (int i = 0; i < 6; ++i) CHECK(got[i] == float(i + 3));
  int64_t one[1] = {2};
  OCT(oct_tensor_view(view, 1, one, 4, &view2));  // a view of a view: elements 7, 8 of base
  OCT(oct_tensor_destroy(base));                   // the views keep the memory alive
  OCT(oct_tensor_destroy(view));
  std::vector<float> two(2);
  OCT(oct_tensor_copy_to_host(view2, two.data(), 8, nullptr));
  CHECK(two[0] == 7.0f && two[1] == 8.0f);
  // bad ranges: named errors
  oct_tensor_t bad = nullptr;
  int64_t big[1] = {3};
  CHECK(oct_tensor_view(view2, 1, big, 0, &bad) == OCT_STATUS_INVALID_ARGUMENT && bad == nullptr);
  CHECK(std::strstr(oct_last_error_message(), "'shape'") != nullptr);
  int64_t ok[1] = {1};
  CHECK(oct_tensor_view(view2, 1, ok, 2, &bad) == OCT_STATUS_INVALID_ARGUMENT);
  CHECK(std::strstr(oct_last_error_message(), "'offset'") != nullptr);
  CHECK(oct_tensor_view(view2, 1, ok, -1, &bad) == OCT_STATUS_INVALID_ARGUMENT);
  CHECK(oct_tensor_view(nullptr, 1, ok, 0, &bad) == OCT_STATUS_INVALID_ARGUMENT);
  CHECK(std::strstr(oct_last_error_message(), "'base'") != nullptr);
  OCT(oct_tensor_destroy(view2));
  OCT(oct_context_destroy(ctx));
  return harness::finish("test_tensor_cpu");
}
