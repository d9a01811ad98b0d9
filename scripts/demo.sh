#!/usr/bin/env bash
# Octet's main job on the default backend (the GPU when one is usable, else the CPU): builds what
# is missing, then quantizes Llama-2-7B-shaped weights and prints the error and the time.
# Arguments go to the job: --backend cpu|cuda, --shapes NxK,..., --repeats R.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$OCTET_ROOT"
[[ -f build/native/liboctet.so ]] || scripts/build-native.sh >/dev/null
if [[ ! -f target/classes/dev/octet/tools/Main.class || -n "$(find java bindings -newer target/classes/dev/octet/tools/Main.class -name '*.java' | head -1)" ]]; then
  mvn -B -q -ntp -Dstyle.color=never compile
fi
exec java --enable-native-access=ALL-UNNAMED -Xmx8g -cp target/classes \
  -Doctet.library.path=build/native/liboctet.so dev.octet.tools.Main "$@"
