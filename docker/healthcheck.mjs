#!/usr/bin/env node
// Container health check: `ruok` over the client port must be answered `imok` (the image has no nc). The port is
// the zoo.cfg's clientPort or, without one, the client port of this server's server.<myid> line. When ruok is not
// in 4lw.commands.whitelist (ZooKeeper's default whitelist is srvr alone), `srvr` must answer with server stats.
// Exit 0 healthy, 1 not.
import { readFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";

const confDir = process.env.ZOO_CONF_DIR || "/conf";
const dataDir = process.env.ZOO_DATA_DIR || "/data";

function clientPort() {
  const cfg = readFileSync(join(confDir, "zoo.cfg"), "utf8");
  const props = new Map();
  for (const raw of cfg.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith("!")) continue;
    const m = /^([^=:\s]+)\s*[=:\s]\s*(.*)$/.exec(line);
    if (m) props.set(m[1], m[2].trim());
  }
  if (props.has("clientPort")) return Number(props.get("clientPort"));
  let myid = "1";
  try {
    myid = readFileSync(join(props.get("dataDir") || dataDir, "myid"), "utf8").trim();
  } catch {
    // no myid: server.1, as the entrypoint would have written
  }
  const server = props.get(`server.${myid}`);
  const port = server?.split(";")[1]?.split(":").pop();
  if (port === undefined) throw new Error(`no clientPort and no client port on server.${myid} in ${confDir}/zoo.cfg`);
  return Number(port);
}

function fourLetter(port, word) {
  return new Promise((resolve, reject) => {
    let out = "";
    const s = connect({ host: "127.0.0.1", port }, () => s.write(word));
    s.setTimeout(5000, () => s.destroy(new Error(`${word}: no answer in 5 s`)));
    s.on("data", (c) => (out += c.toString("utf8")));
    s.on("error", reject);
    s.on("close", () => resolve(out));
  });
}

try {
  const port = clientPort();
  const ruok = await fourLetter(port, "ruok");
  if (ruok === "imok") process.exit(0);
  if (ruok.includes("not in the whitelist")) {
    const srvr = await fourLetter(port, "srvr");
    if (srvr.includes("Zookeeper version:")) process.exit(0);
    process.stderr.write(`srvr answered: ${srvr}\n`);
  } else process.stderr.write(`ruok answered: ${JSON.stringify(ruok)}\n`);
} catch (e) {
  process.stderr.write(`health check: ${e.message}\n`);
}
process.exit(1);
