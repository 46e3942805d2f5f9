#!/usr/bin/env bash
# Installs the reference implementation and real clients the differential tests use:
# Apache ZooKeeper (Java server, zkCli.sh, cli_mt) and kazoo from Debian. Idempotent; needs root or sudo.
set -euo pipefail
need=()
[ -f /usr/share/java/zookeeper.jar ] || need+=(zookeeper)
[ -x /usr/lib/zookeeper/bin/cli_mt ] || need+=(zookeeper-bin)
/usr/bin/python3 -c 'import kazoo' 2>/dev/null || need+=(python3-kazoo)
command -v java >/dev/null 2>&1 || need+=(default-jre-headless)
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
echo "installing reference packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq "${need[@]}" >/dev/null
