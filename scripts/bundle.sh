#!/usr/bin/env bash
# Builds one self-contained archive that runs Octet's test suite and benchmarks on a Linux
# x86-64 host with a CUDA driver but no JDK and no Maven:
#   dist/octet-bundle-linux-x86_64.tar.xz  ->  octet/
#     runtime/   a jlinked JDK 25 runtime
#     lib/       octet.jar, octet-tests.jar, JUnit (console launcher), liboctet.so,
#                octet-jmh.jar and JMH (lib/jmh/)
#     bin/       octet-test (the whole suite, GPU tests included), octet-demo (the main job),
#                octet-bench (builds and runs the native benchmark: needs CMake and a CUDA
#                toolkit with cuBLAS on the GPU host), octet-jmh (the Java benchmark)
#     native/    the native benchmark's sources (native/bench) and octet.h (native/include)
#     scripts/   bench.sh and plot_bench.py (used by bin/octet-bench)
# Needs: JDK 25 (jlink), Maven, CMake and a CUDA toolkit (the CUDA backend is required here).
# CUTLASS kernels are included when CUTLASS is found (CUTLASS_DIR, or -DCUTLASS_DIR=...).
# Extra arguments go to CMake's configure step; OCTET_BUILD_DIR picks the build tree
# (default build/native).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$OCTET_ROOT"
out=dist/octet
rm -rf "$out" && mkdir -p "$out"/{bin,lib}

echo "== liboctet (CUDA backend required)"
build=${OCTET_BUILD_DIR:-build/native}
OCTET_BUILD_DIR=$build scripts/build-native.sh "$@" >/dev/null
grep -q "quantize_weight_kernel" "$build/liboctet.so" ||
  { echo "error: liboctet was built without the CUDA backend (no CUDA toolkit?)" >&2; exit 2; }
cp "$build/liboctet.so" "$out/lib/"
mkdir -p "$out/tests/native"
# The ctest list as "<test> <binary> [VAR=value ...]" lines (a binary may run several times, with
# a kernel forced by the environment): the bundle's runner replays exactly what ctest runs.
(cd "$build" && ctest --show-only=json-v1) | python3 -c '
import json, os, sys
for t in json.load(sys.stdin)["tests"]:
    env = [v for p in t.get("properties", []) if p["name"] == "ENVIRONMENT" for v in p["value"]]
    print(t["name"], os.path.basename(t["command"][0]), *env)' >"$out/tests/native/tests.txt"
while read -r _ bin _; do cp "$build/$bin" "$out/tests/native/"; done <"$out/tests/native/tests.txt"

echo "== jars"
mvn -B -q -ntp -Dstyle.color=never -Pjmh package -DskipTests
cp target/octet-*-SNAPSHOT.jar "$out/lib/octet.jar"
cp target/octet-*-tests.jar "$out/lib/octet-tests.jar"
cp target/octet-*-jmh.jar "$out/lib/octet-jmh.jar"
# JMH and its dependencies, for bin/octet-jmh
mvn -B -q -ntp -Dstyle.color=never -Pjmh dependency:copy-dependencies -DincludeScope=test \
  -DincludeGroupIds=org.openjdk.jmh,net.sf.jopt-simple,org.apache.commons \
  -DoutputDirectory="$PWD/$out/lib/jmh" >/dev/null
# the library's own dependencies, and JUnit (the console launcher with its engines)
mvn -B -q -ntp -Dstyle.color=never dependency:copy-dependencies -DincludeScope=runtime \
  -DoutputDirectory="$PWD/$out/lib/deps" >/dev/null
mvn -B -q -ntp -Dstyle.color=never dependency:copy -DoutputDirectory="$PWD/$out/lib/deps" \
  -Dartifact=org.junit.platform:junit-platform-console-standalone:1.12.2 >/dev/null

echo "== runtime (jlink)"
jlink --add-modules java.base,java.desktop,java.logging,java.management,java.xml,java.naming,jdk.unsupported,jdk.management,jdk.crypto.ec,jdk.zipfs \
  --strip-debug --no-header-files --no-man-pages --compress=zip-0 --output "$out/runtime"

cat >"$out/bin/octet-java" <<'SH'
#!/usr/bin/env bash
# java with Octet on the class path and liboctet configured.
here=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
cp="$here/lib/octet.jar:$here/lib/octet-tests.jar:$(ls "$here"/lib/deps/*.jar | tr '\n' ':')"
exec "$here/runtime/bin/java" --enable-native-access=ALL-UNNAMED -Xss4m \
  -Doctet.library.path="$here/lib/liboctet.so" -Doctet.shared.dir="${OCTET_SHARED_DIR:-$here/shared}" \
  ${OCTET_JAVA_OPTS:-} -cp "$cp" "$@"
SH
cat >"$out/bin/octet-test" <<'SH'
#!/usr/bin/env bash
# Runs Octet's whole test suite (GPU tests included when a GPU is usable). Extra arguments go to
# the JUnit console launcher (e.g. --include-tag gpu, --select-class dev.octet.OctetTest).
here=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
args=("$@")
[[ ${#args[@]} -gt 0 ]] || args=(--scan-class-path "$here/lib/octet-tests.jar")
exec "$here/bin/octet-java" org.junit.platform.console.ConsoleLauncher execute \
  --disable-banner --disable-ansi-colors --details=tree --details-theme=ascii --reports-dir="${OCTET_REPORTS:-$here/reports}" "${args[@]}"
SH
cat >"$out/bin/octet-native-test" <<'SH'
#!/usr/bin/env bash
# Runs the native tests (as ctest does): exit 77 counts as skipped. -j N: N entries at a time (on
# one GPU too: the CUDA tests check results, not times), each entry's output printed whole, in
# the list's order.
here=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
export LD_LIBRARY_PATH="$here/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
jobs=1
if [[ ${1:-} == -j ]]; then jobs=${2:?-j needs a number}; shift 2; fi
if [[ ! $jobs =~ ^[1-9][0-9]*$ || $# -gt 0 ]]; then echo "usage: octet-native-test [-j N]" >&2; exit 2; fi
pass=0 fail=0 skip=0
count() {  # name rc
  case $2 in 0) pass=$((pass + 1));; 77) skip=$((skip + 1));; *) fail=$((fail + 1)); echo "FAILED: $1 (exit $2)";; esac
}
if (( jobs == 1 )); then
  while read -r name bin vars; do
    echo "== $name${vars:+ ($vars)}"
    # shellcheck disable=SC2086  # vars: NAME=VALUE words
    env $vars "$here/tests/native/$bin" </dev/null; count "$name" $?
  done <"$here/tests/native/tests.txt"
  echo "native: $pass passed, $fail failed, $skip skipped"
  [[ $fail -eq 0 ]]; exit
fi
logs=$(mktemp -d); trap 'rm -rf "$logs"' EXIT
names=()
run_one() {  # index name bin vars...
  local i=$1 name=$2 bin=$3; shift 3
  { echo "== $name${*:+ ($*)}"; env "$@" "$here/tests/native/$bin" </dev/null; echo "rc=$?" >"$logs/$i.rc"; } >"$logs/$i.out" 2>&1
}
i=0
while read -r name bin vars; do
  names+=("$name")
  while (( $(jobs -rp | wc -l) >= jobs )); do wait -n; done
  # shellcheck disable=SC2086  # vars: NAME=VALUE words
  run_one "$i" "$name" "$bin" $vars &
  i=$((i + 1))
done <"$here/tests/native/tests.txt"
wait
for ((k = 0; k < i; k++)); do
  cat "$logs/$k.out"
  rc=$(sed 's/rc=//' "$logs/$k.rc" 2>/dev/null || echo 1)
  count "${names[$k]}" "$rc"
done
echo "native: $pass passed, $fail failed, $skip skipped"
[[ $fail -eq 0 ]]
SH
cat >"$out/bin/octet-demo" <<'SH'
#!/usr/bin/env bash
# Octet's main job on the default backend; arguments as scripts/demo.sh.
here=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
exec "$here/bin/octet-java" -Xmx8g dev.octet.tools.Main "$@"
SH
cat >"$out/bin/octet-bench" <<'SH'
#!/usr/bin/env bash
# The native benchmark against this bundle's liboctet: builds it with CMake and the host's CUDA
# toolkit (cuBLAS, cuBLASLt), runs it and draws the plots (python3 with matplotlib). Arguments go
# to octet_bench (--quick, --ops, --shapes, --m; --help lists them). Results in
# $OCTET_BENCH_OUT (default ./octet-bench-results): <card>.csv (rows merged) and <card>-*.png.
here=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
export OCTET_LIBRARY="$here/lib/liboctet.so"
export OCTET_BENCH_BUILD="${OCTET_BENCH_BUILD:-$here/build/bench}"
export OCTET_BENCH_OUT="${OCTET_BENCH_OUT:-$PWD/octet-bench-results}"
exec "$here/scripts/bench.sh" "$@"
SH
cat >"$out/bin/octet-jmh" <<'SH'
#!/usr/bin/env bash
# The Java benchmark (JMH) through the Java API: the per-call overhead at M = 1 and the end-to-end
# time at M >= 128, to compare with octet-bench's percall rows. Arguments go to JMH (a regex
# selects benchmarks; -f 1 -wi 2 -i 3 for a short run; -h lists its options). Results in
# $OCTET_BENCH_OUT (default ./octet-bench-results)/<card>-jmh.csv.
here=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
out=${OCTET_BENCH_OUT:-$PWD/octet-bench-results}
mkdir -p "$out"
card=$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1 | tr 'A-Z' 'a-z' |
  grep -o '[a-z]*[0-9][a-z0-9]*' | head -1)
cp="$here/lib/octet.jar:$here/lib/octet-jmh.jar:$(ls "$here"/lib/jmh/*.jar | tr '\n' ':')"
exec "$here/runtime/bin/java" --enable-native-access=ALL-UNNAMED \
  -Doctet.library.path="$here/lib/liboctet.so" ${OCTET_JAVA_OPTS:-} -cp "$cp" \
  org.openjdk.jmh.Main -rf csv -rff "$out/${card:-gpu}-jmh.csv" "$@"
SH
chmod +x "$out"/bin/*

echo "== benchmark sources"
mkdir -p "$out/native/bench" "$out/native/include/octet" "$out/scripts"
cp native/bench/CMakeLists.txt native/bench/*.cu native/bench/*.cuh native/bench/*.hpp "$out/native/bench/"
cp native/include/octet/octet.h "$out/native/include/octet/"
cp scripts/bench.sh scripts/plot_bench.py "$out/scripts/"
git rev-parse --short HEAD >"$out/VERSION" 2>/dev/null || true

echo "== archive"
# the runtime is stored uncompressed by jlink: xz over everything compresses far better
XZ_OPT=${XZ_OPT:--9 -T0} tar -C dist -cJf dist/octet-bundle-linux-x86_64.tar.xz octet
ls -la dist/octet-bundle-linux-x86_64.tar.xz
size=$(stat -c %s dist/octet-bundle-linux-x86_64.tar.xz)
(( size <= 40 * 1024 * 1024 )) || { echo "error: bundle is over 40 MiB" >&2; exit 1; }
