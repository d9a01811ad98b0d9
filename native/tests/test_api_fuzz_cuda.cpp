// The C ABI fuzz test (api_fuzz.hpp) on CUDA device 0: 500 rounds, 6000 calls, the stream waited
// for after each (a kernel fault fails the call that caused it). Run it under compute-sanitizer
// (memcheck) on a GPU host to check the kernels' bounds too. Skipped (77) without a GPU.
#include "api_fuzz.hpp"

int main() {
  if (!harness::cuda_device_present("test_api_fuzz_cuda")) return harness::kSkipped;
  return api_fuzz::run_api_fuzz("test_api_fuzz_cuda", OCT_BACKEND_CUDA, 500);
}
