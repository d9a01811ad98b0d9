#!/usr/bin/env bash
# Regenerates the jextract bindings of native/include/octet/octet.h into bindings/src.
#   scripts/generate-bindings.sh          regenerate (commit the result; never hand-edit it)
#   scripts/generate-bindings.sh --check  report drift between the header and the committed
#                                         bindings (exit 1); exits 0 with a note when jextract
#                                         is not installed
# jextract comes from $JEXTRACT or PATH. Its arguments: bindings/jextract.args (options) and
# bindings/includes.args (the header's own symbols, listed by jextract --dump-includes).
set -euo pipefail
cd "$(dirname "$0")/.."
JEXTRACT=${JEXTRACT:-$(command -v jextract || true)}
mode=${1:-generate}
if [[ -z "$JEXTRACT" ]]; then
  if [[ "$mode" == --check ]]; then
    echo "bindings check skipped: jextract not found (set JEXTRACT or put it on PATH)"
    exit 0
  fi
  echo "error: jextract not found (set JEXTRACT or put it on PATH)" >&2
  exit 2
fi
header=native/include/octet/octet.h
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Only the symbols declared in octet.h itself, not those of stdint.h / stddef.h.
"$JEXTRACT" --dump-includes "$tmp/all.args" "$header" >/dev/null 2>&1
grep -E '^--include-[a-z]+ ' "$tmp/all.args" | grep "octet/octet.h" |
  sed -E 's/[[:space:]]+#.*$//' | sort >"$tmp/includes.args"
"$JEXTRACT" @bindings/jextract.args @"$tmp/includes.args" --output "$tmp/src" "$header" 2>&1 |
  grep -v "warning: Skipping" || true
if [[ "$mode" == --check ]]; then
  if diff -r -q bindings/src "$tmp/src" >/dev/null && diff -q bindings/includes.args "$tmp/includes.args" >/dev/null; then
    echo "bindings check: up to date with $header"
  else
    echo "bindings check: DRIFT between $header and bindings/ - run scripts/generate-bindings.sh" >&2
    diff -r bindings/src "$tmp/src" | head -40 >&2 || true
    exit 1
  fi
else
  rm -rf bindings/src
  cp -r "$tmp/src" bindings/src
  cp "$tmp/includes.args" bindings/includes.args
  echo "bindings regenerated in bindings/src ($(find bindings/src -name '*.java' | wc -l) files)"
fi
