# Sourced by the other scripts: finds JDK 25+ (JAVA_HOME, then /usr/lib/jvm, then PATH) and
# exports JAVA_HOME and PATH for it. The default `java` on a machine may be older.
java_major() { "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'; }
octet_find_jdk() {
  local c
  for c in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*25* /usr/lib/jvm/* \
           "$(dirname "$(dirname "$(readlink -f "$(command -v java 2>/dev/null || echo /nonexistent)")")")"; do
    [[ -n "$c" && -x "$c/bin/java" && -x "$c/bin/javac" ]] || continue
    local v; v=$(java_major "$c/bin/java")
    if [[ "${v%%.*}" =~ ^[0-9]+$ && "${v%%.*}" -ge 25 ]]; then echo "$c"; return 0; fi
  done
  return 1
}
if ! JAVA_HOME=$(octet_find_jdk); then
  echo "error: Octet needs JDK 25 or newer (set JAVA_HOME); none found" >&2
  exit 2
fi
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"
OCTET_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export OCTET_ROOT
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
