#!/usr/bin/env bash
# Prints reference bytes from Apache ZooKeeper's own classes. Needs a JDK and zookeeper.jar (Debian: apt-get install zookeeper).
# Usage: scripts/java-vectors/run.sh [hex-handshake ...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
jars=/usr/share/java
CP="$jars/zookeeper.jar:$jars/zookeeper-jute.jar:$(ls $jars/slf4j-api*.jar | head -1)"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
javac -d "$out" -cp "$CP" "$here/org/apache/zookeeper/server/quorum/ElectionVectors.java"
java -cp "$out:$CP" org.apache.zookeeper.server.quorum.ElectionVectors "$@" 2>&1 | grep -v '^SLF4J'
