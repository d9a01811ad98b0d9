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
echo "== bindings"
scripts/generate-bindings.sh --check
echo "== Java tests (JDK: $JAVA_HOME)"
mvn -B -ntp -Dstyle.color=never verify "$@"
