/**
 * Differential: the config files and /zookeeper/config of a 3-member ensemble of Apache ZooKeeper 3.8
 * (QuorumPeerMain) and of zkts-server, on the same zoo.cfg, with reconfigEnabled=true and false. With it, each
 * member keeps zoo.cfg.bak, writes zoo.cfg.dynamic.<first epoch's zxid> and rewrites zoo.cfg to point at it; and
 * /zookeeper/config (read with zkCli.sh `get -s` and `config`) holds the server lines with `version=<hex>`,
 * mZxid = that version, dataVersion -1. Ports and paths are replaced by names before the comparison.
 */
import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { referenceAvailable, ZKCLI } from "@zkts/testkit";
import { makeEnsemble, waitFor } from "./ensemble-helpers.js";
import { ensembleNormaliser } from "./reconfig-helpers.js";
import { fourLetter } from "./test-helpers.js";

const run = promisify(execFile);

/** zkCli.sh one-shot: the lines after the connection is made (no log lines, no watcher events, no mtime). */
async function zkCli(port: number, ...cmd: string[]): Promise<string[]> {
  const { stdout, stderr } = await run(ZKCLI, ["-server", `127.0.0.1:${port}`, ...cmd], { timeout: 60_000 });
  return `${stdout}\n${stderr}`
    .split("\n")
    .filter((l) => /^(server\.|version=|[a-zA-Z]+ = )/.test(l) && !/^mtime = /.test(l));
}


interface Observed {
  files: Record<string, Record<string, string>>;
  zkConfig: string[][];
  config: string[];
}

type Impl = "zkts" | "zookeeper";

async function observe(impl: Impl | Impl[], reconfigEnabled: boolean, restart = false): Promise<Observed> {
  const ens = await makeEnsemble(3, { ...(Array.isArray(impl) ? { impls: impl } : { impl }), extra: { reconfigEnabled: String(reconfigEnabled) } });
  try {
    await Promise.all(ens.members.map((m) => ens.start(m)));
    await ens.waitStable(60_000);
    const norm = ensembleNormaliser(ens, { versions: false });
    const cfgFiles = (dir: string) => readdirSync(dir).filter((f) => f.startsWith("zoo.cfg")).sort();
    if (reconfigEnabled) {
      await waitFor(() => ens.members.every((m) => cfgFiles(m.dir).some((f) => /^zoo\.cfg\.dynamic\.[0-9a-f]+$/.test(f))), 30_000, "every member wrote its dynamic file");
    }
    if (restart) {
      // every member again, now from the rewritten zoo.cfg (dynamicConfigFile): a new epoch, the same config
      for (const m of ens.members) await ens.kill(m);
      await Promise.all(ens.members.map((m) => ens.start(m)));
      await ens.waitStable(60_000);
    }
    const files: Observed["files"] = {};
    for (const m of ens.members) {
      files[`s${m.id}`] = Object.fromEntries(cfgFiles(m.dir).map((f) => [f, norm(readFileSync(`${m.dir}/${f}`, "utf8"))]));
    }
    const zkConfig: string[][] = [];
    for (const m of ens.members) zkConfig.push((await zkCli(m.clientPort, "get", "-s", "/zookeeper/config")).map(norm));
    const config = (await zkCli(ens.members[0]!.clientPort, "config")).map(norm);
    return { files, zkConfig, config };
  } finally {
    if (process.env.ZKTS_ENSEMBLE_DEBUG) for (const m of ens.members) console.log(`--- server ${m.id}\n${m.proc?.output()}`);
    await ens.stopAll();
  }
}

describe.runIf(referenceAvailable())("config files and /zookeeper/config: zkts-server vs Apache ZooKeeper 3.8", () => {
  it("reconfigEnabled=true: zoo.cfg.bak, zoo.cfg.dynamic.100000000, the rewritten zoo.cfg and /zookeeper/config agree", async () => {
    const java = await observe("zookeeper", true);
    const zkts = await observe("zkts", true);
    // what ZooKeeper wrote, as a sanity check of the comparison itself
    expect(Object.keys(java.files.s1!)).toEqual(["zoo.cfg", "zoo.cfg.bak", "zoo.cfg.dynamic.100000000"]);
    expect(java.files.s1!["zoo.cfg"]).toContain("dynamicConfigFile=<root>/s1/zoo.cfg.dynamic.100000000\n");
    expect(java.zkConfig[0]).toContain("version=100000000");
    expect(java.zkConfig[0]).toContain("mZxid = 0x100000000");
    expect(zkts.files).toEqual(java.files);
    expect(zkts.zkConfig).toEqual(java.zkConfig);
    expect(zkts.config).toEqual(java.config);
  }, 300_000);

  it("reconfigEnabled=true, every member restarted from the rewritten zoo.cfg: the same files and version", async () => {
    const java = await observe("zookeeper", true, true);
    const zkts = await observe("zkts", true, true);
    expect(Object.keys(java.files.s2!)).toEqual(["zoo.cfg", "zoo.cfg.bak", "zoo.cfg.dynamic.100000000"]);
    expect(java.config).toContain("version=100000000");
    expect(zkts.files).toEqual(java.files);
    expect(zkts.zkConfig).toEqual(java.zkConfig);
    expect(zkts.config).toEqual(java.config);
  }, 300_000);

  // Mixed ensembles: the version travels in NEWLEADER from either kind of leader to either kind of learner.
  for (const impls of [
    ["zkts", "zkts", "zookeeper"],
    ["zookeeper", "zookeeper", "zkts"],
  ] as Impl[][]) {
    it(`reconfigEnabled=true, mixed ${impls.join(" + ")}: the same files and /zookeeper/config on every member as ZooKeeper alone`, async () => {
      const java = await observe("zookeeper", true);
      const mixed = await observe(impls, true);
      expect(mixed.files).toEqual(java.files);
      expect(mixed.zkConfig).toEqual(java.zkConfig);
    }, 300_000);
  }

  it("standalone (one server line) with reconfigEnabled=true: zoo.cfg untouched, /zookeeper/config empty", async () => {
    const seen: Record<string, { files: string[]; zkConfig: string[] }> = {};
    for (const impl of ["zookeeper", "zkts"] as const) {
      const ens = await makeEnsemble(1, { impl, extra: { reconfigEnabled: "true" } });
      try {
        const m = ens.members[0]!;
        await ens.start(m);
        // start() returns once the client port answers srvr, serving or not: a client connecting before the
        // server serves is closed (ConnectionLoss in zkCli.sh's one-shot command), so wait until it serves.
        await waitFor(async () => (await fourLetter(m.clientPort, "srvr").catch(() => "")).includes("Mode: standalone"), 60_000, `${impl} serving`);
        seen[impl] = { files: readdirSync(m.dir).filter((f) => f.startsWith("zoo.cfg")).sort(), zkConfig: await zkCli(m.clientPort, "get", "-s", "/zookeeper/config") };
      } finally {
        await ens.stopAll();
      }
    }
    expect(seen.zookeeper!.files).toEqual(["zoo.cfg"]);
    expect(seen.zookeeper!.zkConfig).toContain("dataLength = 0");
    expect(seen.zkts).toEqual(seen.zookeeper);
  }, 300_000);

  it("reconfigEnabled=false: zoo.cfg untouched, /zookeeper/config with version=0 and mZxid 0", async () => {
    const java = await observe("zookeeper", false);
    const zkts = await observe("zkts", false);
    expect(Object.keys(java.files.s1!)).toEqual(["zoo.cfg"]);
    expect(java.zkConfig[0]).toContain("version=0");
    expect(java.zkConfig[0]).toContain("mZxid = 0x0");
    expect(zkts.files).toEqual(java.files);
    expect(zkts.zkConfig).toEqual(java.zkConfig);
    expect(zkts.config).toEqual(java.config);
  }, 300_000);
});
