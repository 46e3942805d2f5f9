#!/usr/bin/env bash
# Prints reference bytes of quorum packets from Apache ZooKeeper's own classes (QuorumPacket, LearnerInfo, Leader
# constants). Needs a JDK and zookeeper.jar (Debian: apt-get install zookeeper). Usage: scripts/java-vectors/run.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
jars=/usr/share/java
CP="$jars/zookeeper.jar:$jars/zookeeper-jute.jar:$(ls $jars/slf4j-api*.jar | head -1)"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
javac -d "$out" -cp "$CP" "$here/org/apache/zookeeper/server/quorum/ZabVectors.java"
java -cp "$out:$CP" org.apache.zookeeper.server.quorum.ZabVectors 2>&1 | grep -v '^SLF4J'
