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
mvn -B -q -ntp verify "$@"
echo "== Java test summary"
python3 - <<'PY' 2>/dev/null || grep -h "testsuite " target/surefire-reports/*.xml | head -0
import glob, xml.etree.ElementTree as ET
t=f=e=s=0
for p in glob.glob("target/surefire-reports/TEST-*.xml"):
    r=ET.parse(p).getroot()
    t+=int(r.get("tests"));f+=int(r.get("failures"));e+=int(r.get("errors"));s+=int(r.get("skipped"))
print(f"{t-f-e-s} passed, {f+e} failed, {s} skipped")
PY
