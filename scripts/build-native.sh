#!/usr/bin/env bash
# Configures and builds liboctet and the native tests into build/native (or $OCTET_BUILD_DIR,
# e.g. a second tree with CUTLASS). Extra arguments go to CMake's configure step, e.g.
# -DCUTLASS_DIR=/opt/cutlass or -DOCTET_CUDA=OFF.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${OCTET_BUILD_DIR:-$root/build/native}
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release "$@"
cmake --build "$build" -j "$(nproc)"
