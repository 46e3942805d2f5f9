#!/bin/sh
# zkts container entrypoint: writes $ZOO_CONF_DIR/zoo.cfg from ZooKeeper's official image variables (ZOO_MY_ID,
# ZOO_SERVERS, ZOO_TICK_TIME, ZOO_4LW_COMMANDS_WHITELIST, ZOO_CFG_EXTRA, ...) unless a zoo.cfg is mounted there,
# writes $ZOO_DATA_DIR/myid unless present, then execs the command (by default zkts-server on that zoo.cfg).
set -e
here=$(dirname "$0")
cfg=$(node "$here/zoo-cfg.mjs")
# `zkts-server` alone (the default command) runs on the rendered or mounted zoo.cfg, as zkServer.sh
# start-foreground does in the official image.
if [ "$1" = "zkts-server" ] && [ "$#" -eq 1 ]; then
  set -- zkts-server "$cfg"
fi
exec "$@"
