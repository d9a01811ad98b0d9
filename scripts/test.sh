#!/usr/bin/env bash
# Builds everything that can be built here and runs every test: the native tests (ctest) and
# the Java suite (Maven, JUnit 5). GPU tests are skipped, with the reason, where no GPU is usable.
# Extra arguments go to Maven (e.g. -Dtest=PerChannelQuantizationTest).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$OCTET_ROOT"
echo "== native build"
scripts/build-native.sh ${OCTET_CMAKE_ARGS:-}
echo "== native tests (ctest)"
(cd build/native && ctest --output-on-failure)
# The CPU backend and the native tests once more under AddressSanitizer and UndefinedBehavior-
# Sanitizer (any report fails the test): out-of-bounds accesses, leaks and undefined behaviour
# that a plain build would let pass (test_api_fuzz_cpu's ill-formed calls among them).
# OCTET_SANITIZE=0 skips this stage.
if [[ ${OCTET_SANITIZE:-1} != 0 ]]; then
  echo "== native tests under ASan + UBSan (CPU backend, build/sanitize)"
  san="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
  OCTET_BUILD_DIR="$OCTET_ROOT/build/sanitize" scripts/build-native.sh -DOCTET_CUDA=OFF \
    -DCMAKE_CXX_FLAGS="$san" -DCMAKE_EXE_LINKER_FLAGS="$san" -DCMAKE_SHARED_LINKER_FLAGS="$san"
  (cd build/sanitize && ctest --output-on-failure)
fi
echo "== bindings"
scripts/generate-bindings.sh --check
echo "== Java tests (JDK: $JAVA_HOME)"
mvn -B -ntp -Dstyle.color=never verify "$@"
