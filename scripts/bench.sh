#!/usr/bin/env bash
# On a GPU host with a CUDA toolkit (cuBLAS) and CMake: builds the native benchmark
# (native/bench, into build/bench) against liboctet, runs it, then draws the plots.
#   scripts/bench.sh [octet_bench options]      e.g. --quick, or --ops s8_fp16,cublas_fp16 --m 1,16
# The results are merged into $OCTET_BENCH_OUT/<card>.csv (default docs/bench/), the plots drawn
# beside it (<card>-*.png). Environment:
#   OCTET_LIBRARY          the liboctet.so to benchmark (default build/native/liboctet.so, built
#                          with scripts/build-native.sh $OCTET_CMAKE_ARGS when absent)
#   OCTET_BENCH_BUILD      the benchmark's build directory (default build/bench)
#   OCTET_BENCH_CMAKE_ARGS extra CMake arguments, e.g. -DCMAKE_CUDA_ARCHITECTURES=90a
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
lib=${OCTET_LIBRARY:-$root/build/native/liboctet.so}
if [[ ! -f $lib ]]; then
  echo "== liboctet ($lib is absent: building it)"
  "$root/scripts/build-native.sh" ${OCTET_CMAKE_ARGS:-} >/dev/null
fi
build=${OCTET_BENCH_BUILD:-$root/build/bench}
out=${OCTET_BENCH_OUT:-$root/docs/bench}
echo "== octet_bench (build: $build)"
cmake -S "$root/native/bench" -B "$build" -DCMAKE_BUILD_TYPE=Release -DOCTET_LIBRARY="$lib" \
  ${OCTET_BENCH_CMAKE_ARGS:-} >/dev/null
cmake --build "$build" -j "$(nproc)"
mkdir -p "$out"
echo "== run"
set +e
"$build/octet_bench" --out-dir "$out" "$@"
rc=$?
set -e
echo "== plots"
python3 "$root/scripts/plot_bench.py" "$out" ||
  echo "plots not drawn (scripts/plot_bench.py needs python3 with matplotlib); the CSV is in $out"
exit $rc
