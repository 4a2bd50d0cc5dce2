# Sourced by the scripts in this folder: finds a JDK 21 or newer and exports JAVA_HOME.
# Order: $JAVA_HOME, then `java` on PATH, then the JVMs installed under /usr/lib/jvm.

dago_java_major() {
  # Prints the feature release of the java binary given, or nothing when it does not run.
  "$1" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; exit}' | cut -d. -f1
}

dago_find_jdk() {
  local candidates=() java major
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  if command -v java >/dev/null 2>&1; then
    candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
  fi
  for dir in $(ls -d /usr/lib/jvm/*/ 2>/dev/null | sort -V -r); do candidates+=("${dir%/}"); done
  for home in "${candidates[@]}"; do
    java="$home/bin/java"
    [ -x "$java" ] && [ -x "$home/bin/javac" ] || continue
    major=$(dago_java_major "$java")
    if [ -n "$major" ] && [ "$major" -ge 21 ]; then
      export JAVA_HOME="$home"
      export PATH="$JAVA_HOME/bin:$PATH"
      # Maven's own Guice touches sun.misc.Unsafe, which JDK 24+ warns about on every build; the flag exists only there.
      if [ "$major" -ge 24 ]; then
        export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
      fi
      return 0
    fi
  done
  echo "dago needs a JDK 21 or newer (virtual threads); none found in JAVA_HOME, on PATH or under /usr/lib/jvm." >&2
  echo "Install one (for example: apt-get install openjdk-21-jdk) or set JAVA_HOME to it." >&2
  return 1
}
