#!/usr/bin/env bash
# Builds a user's project set up exactly as the README says (its "Write your own loss" Maven snippet, taken from
# README.md itself, around the README's example loss) on each JDK given, and runs it. Needs the LossForge
# artifacts in the local Maven repository: `mvn -q install -DskipTests -DskipSpark` at the root first.
#
#   bash tools/user-project/check.sh /usr/lib/jvm/java-17-openjdk-amd64 /usr/lib/jvm/temurin-25-jdk-amd64
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$here/src" "$work/"
# the first ```xml block after "## Write your own loss": <dependencyManagement>, <dependencies>, <build>
snippet=$(awk '/^## Write your own loss/ {on = 1} on && /^```xml/ {grab = 1; next} grab && /^```/ {exit} grab {print}' "$root/README.md")
[[ -n "$snippet" ]] || { echo "check.sh: no Maven snippet found under '## Write your own loss' in README.md" >&2; exit 1; }
cat > "$work/pom.xml" <<POM
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>com.example</groupId>
  <artifactId>user-project</artifactId>
  <version>1</version>
  <properties>
    <maven.compiler.release>17</maven.compiler.release>
    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
  </properties>
$snippet
</project>
POM
for jdk in "$@"; do
  echo "=== a user's project on $("$jdk/bin/java" -version 2>&1 | head -1)"
  (cd "$work" && rm -rf target && JAVA_HOME=$jdk mvn -q -B compile \
    && JAVA_HOME=$jdk mvn -q -B org.apache.maven.plugins:maven-dependency-plugin:3.6.1:build-classpath -Dmdep.outputFile=cp.txt \
    && "$jdk/bin/java" -cp "target/classes:$(cat cp.txt)" com.example.Main)
done
