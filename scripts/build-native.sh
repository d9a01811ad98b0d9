#!/usr/bin/env bash
# Configures and builds liboctet and the native tests into build/native.
# Extra arguments go to CMake's configure step, e.g. -DCUTLASS_DIR=/opt/cutlass or -DOCTET_CUDA=OFF.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cmake -S "$root" -B "$root/build/native" -DCMAKE_BUILD_TYPE=Release "$@"
cmake --build "$root/build/native" -j "$(nproc)"
