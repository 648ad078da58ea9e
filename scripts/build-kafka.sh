#!/usr/bin/env bash
# Fetches the Apache Kafka broker of the end-to-end tests (scripts/kafka/pom.xml: the broker, its tools and a log4j2
# backend) from Maven Central into .cache/kafka/lib/, one folder of jars run with `java -cp '.cache/kafka/lib/*'`
# (test/helpers/kafka-broker.ts). A folder whose POM has not changed is kept (.cache/kafka/pom.sha256).
# `npm run build:kafka`.
set -euo pipefail
cd "$(dirname "$0")/.."
pom=scripts/kafka/pom.xml
cache=.cache/kafka
lib="$cache/lib"
version="$(sed -n 's/^ *<kafka.version>\(.*\)<\/kafka.version>.*/\1/p' "$pom")"
stamp="$(sha256sum "$pom" | cut -d' ' -f1)"

# Complete: the stamp matches and the broker and tools jars of the POM's version are there.
if [ "$(cat "$cache/pom.sha256" 2>/dev/null)" = "$stamp" ] && [ -f "$lib/kafka_2.13-${version}.jar" ] && [ -f "$lib/kafka-tools-${version}.jar" ]; then
  echo "kafka ${version}: up to date ($lib, $(find "$lib" -name '*.jar' | wc -l) jars)"
  exit 0
fi
started=$(date +%s)
rm -rf "$lib" "$cache"/admin-* "$cache/pom.sha256" # admin-*: test/helpers/kafka-broker.ts's compiled admin program
mkdir -p "$lib"
# Quiet Maven still prints ANSI resets: its output is shown only when it fails.
if ! out="$(mvn -q -B -f "$pom" dependency:copy-dependencies -DoutputDirectory="$PWD/$lib" -DincludeScope=runtime 2>&1)"; then
  echo "$out" >&2
  exit 1
fi
echo "$stamp" > "$cache/pom.sha256"
echo "kafka ${version}: $(find "$lib" -name '*.jar' | wc -l) jars ($(du -sh "$lib" | cut -f1)) in $(( $(date +%s) - started )) s ($lib)"
