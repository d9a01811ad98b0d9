// The C ABI fuzz test (api_fuzz.hpp) on the CPU backend: 2000 rounds, 24000 calls. scripts/test.sh
// runs it a second time under AddressSanitizer and UBSan.
#include "api_fuzz.hpp"

int main() { return api_fuzz::run_api_fuzz("test_api_fuzz_cpu", OCT_BACKEND_CPU, 2000); }
