#!/usr/bin/env bash
# On a GPU host (no JDK needed): unpacks a bundle made by scripts/bundle.sh and runs the native
# tests, the whole Java suite and the main job, logging to $LOGS (default: ./gpu-logs).
#   scripts/gpu-check.sh [dist/octet-bundle-linux-x86_64.tar.xz] [extra octet-test args...]
set -uo pipefail
bundle=${1:-dist/octet-bundle-linux-x86_64.tar.xz}
shift || true
logs=${LOGS:-$PWD/gpu-logs}
mkdir -p "$logs"
work=$(mktemp -d)
tar -C "$work" -xJf "$bundle" || exit 2
octet=$work/octet
[[ -d shared ]] && export OCTET_SHARED_DIR=$PWD/shared
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv 2>&1 | tee "$logs/gpu.txt"
status=0
echo "== native tests"
"$octet/bin/octet-native-test" -j 4 2>&1 | tee "$logs/native-tests.log"; (( PIPESTATUS[0] == 0 )) || status=1
echo "== Java suite"
OCTET_REPORTS="$logs/junit" "$octet/bin/octet-test" "$@" >"$logs/java-tests.log" 2>&1 || status=1
grep -E "^\[octet\]|tests (found|skipped|aborted|successful|failed)|\[X\]" "$logs/java-tests.log" | head -60
echo "== main job"
"$octet/bin/octet-demo" 2>&1 | tee "$logs/demo.log" || status=1
exit $status
