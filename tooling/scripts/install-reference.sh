#!/usr/bin/env bash
# Installs the reference implementation and real clients the differential tests use:
# Apache ZooKeeper (Java server, zkCli.sh, cli_mt), kazoo (with pure-sasl, for its SASL logins), Apache Curator (the
# recipes' cross-tests) and a JDK (javac for the Curator driver) from Debian. Idempotent; needs root or sudo.
set -euo pipefail
need=()
[ -f /usr/share/java/zookeeper.jar ] || need+=(zookeeper)
[ -x /usr/lib/zookeeper/bin/cli_mt ] || need+=(zookeeper-bin)
/usr/bin/python3 -c 'import kazoo' 2>/dev/null || need+=(python3-kazoo)
/usr/bin/python3 -c 'import puresasl' 2>/dev/null || need+=(python3-pure-sasl)
command -v java >/dev/null 2>&1 || need+=(default-jre-headless)
command -v javac >/dev/null 2>&1 || need+=(default-jdk-headless)
[ -f /usr/share/java/curator-client.jar ] || need+=(libcurator-client-java)
[ -f /usr/share/java/curator-framework.jar ] || need+=(libcurator-framework-java)
[ -f /usr/share/java/curator-recipes.jar ] || need+=(libcurator-recipes-java)
[ -f /usr/share/java/curator-x-discovery.jar ] || need+=(libcurator-discovery-java)
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
echo "installing reference packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq "${need[@]}" >/dev/null
