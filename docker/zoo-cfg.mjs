#!/usr/bin/env node
// Renders $ZOO_CONF_DIR/zoo.cfg and $ZOO_DATA_DIR/myid from the environment variables of ZooKeeper's official
// Docker image, with that image's semantics (its docker-entrypoint.sh): the config is written only when no zoo.cfg
// exists (a mounted one is used as it is), myid only when the data dir has none; ZOO_SERVERS and ZOO_CFG_EXTRA are
// split on whitespace into one line each; without ZOO_SERVERS the one server is server.1=localhost:2888:3888;2181;
// 4lw.commands.whitelist is written only when ZOO_4LW_COMMANDS_WHITELIST is set.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The official image's ENV defaults (its Dockerfile); docker/Dockerfile sets the same. */
export const DEFAULTS = Object.freeze({
  ZOO_CONF_DIR: "/conf",
  ZOO_DATA_DIR: "/data",
  ZOO_DATA_LOG_DIR: "/datalog",
  ZOO_TICK_TIME: "2000",
  ZOO_INIT_LIMIT: "5",
  ZOO_SYNC_LIMIT: "2",
  ZOO_AUTOPURGE_PURGEINTERVAL: "0",
  ZOO_AUTOPURGE_SNAPRETAINCOUNT: "3",
  ZOO_MAX_CLIENT_CNXNS: "60",
  ZOO_STANDALONE_ENABLED: "true",
  ZOO_ADMINSERVER_ENABLED: "true",
});

export const DEFAULT_SERVERS = "server.1=localhost:2888:3888;2181";

/** Unset variables take the image defaults; set ones (even empty) are used as they are, as in the image. */
function settings(env) {
  const v = { ...DEFAULTS };
  for (const [k, value] of Object.entries(env)) if (value !== undefined) v[k] = value;
  return v;
}

const words = (s) => (s ?? "").split(/\s+/).filter((w) => w.length > 0);

/** The zoo.cfg text the official image would write for these variables. */
export function renderZooCfg(env) {
  const v = settings(env);
  const lines = [
    `dataDir=${v.ZOO_DATA_DIR}`,
    `dataLogDir=${v.ZOO_DATA_LOG_DIR}`,
    `tickTime=${v.ZOO_TICK_TIME}`,
    `initLimit=${v.ZOO_INIT_LIMIT}`,
    `syncLimit=${v.ZOO_SYNC_LIMIT}`,
    `autopurge.snapRetainCount=${v.ZOO_AUTOPURGE_SNAPRETAINCOUNT}`,
    `autopurge.purgeInterval=${v.ZOO_AUTOPURGE_PURGEINTERVAL}`,
    `maxClientCnxns=${v.ZOO_MAX_CLIENT_CNXNS}`,
    `standaloneEnabled=${v.ZOO_STANDALONE_ENABLED}`,
    `admin.enableServer=${v.ZOO_ADMINSERVER_ENABLED}`,
  ];
  lines.push(...words(v.ZOO_SERVERS ? v.ZOO_SERVERS : DEFAULT_SERVERS));
  if (v.ZOO_4LW_COMMANDS_WHITELIST) lines.push(`4lw.commands.whitelist=${v.ZOO_4LW_COMMANDS_WHITELIST}`);
  lines.push(...words(v.ZOO_CFG_EXTRA));
  return lines.join("\n") + "\n";
}

/** The myid file's content: ZOO_MY_ID, 1 when unset or empty. */
export function renderMyid(env) {
  return `${env.ZOO_MY_ID ? env.ZOO_MY_ID : "1"}\n`;
}

/**
 * Writes what is missing: zoo.cfg (unless one exists, e.g. mounted) and myid (unless the data dir has one).
 * Returns the zoo.cfg path and what was written.
 */
export function prepare(env) {
  const v = settings(env);
  const cfgPath = join(v.ZOO_CONF_DIR, "zoo.cfg");
  const myidPath = join(v.ZOO_DATA_DIR, "myid");
  const written = [];
  if (!existsSync(cfgPath)) {
    mkdirSync(v.ZOO_CONF_DIR, { recursive: true });
    writeFileSync(cfgPath, renderZooCfg(env));
    written.push(cfgPath);
  }
  if (!existsSync(myidPath)) {
    mkdirSync(v.ZOO_DATA_DIR, { recursive: true });
    writeFileSync(myidPath, renderMyid(env));
    written.push(myidPath);
  }
  return { cfgPath, written };
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const { cfgPath } = prepare(process.env);
    // The entrypoint reads the path to hand to zkts-server.
    process.stdout.write(`${cfgPath}\n`);
  } catch (e) {
    process.stderr.write(`zkts docker entrypoint: ${e.message}\n`);
    process.exit(3);
  }
}
