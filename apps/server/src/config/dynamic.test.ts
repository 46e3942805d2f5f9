import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../config.js";
import { javaPropertiesOrder } from "../properties.js";
import { DynamicConfigFiles, dynamicConfigText, editedStaticConfigText, versionFromFilename } from "./dynamic.js";

describe("java.util.Properties' entry order (JDK 17, what editStaticConfig writes zoo.cfg in)", () => {
  // Printed by OpenJDK 17.0.15 (Properties.load of these keys in this order, then entrySet()).
  it("a 9-key zoo.cfg (no resize)", () => {
    const keys = ["tickTime", "initLimit", "syncLimit", "dataDir", "clientPort", "reconfigEnabled", "server.1", "server.2", "server.3"];
    expect(javaPropertiesOrder(keys)).toEqual(["server.2", "server.1", "dataDir", "tickTime", "initLimit", "clientPort", "syncLimit", "server.3", "reconfigEnabled"]);
  });

  it("a 28-key zoo.cfg (the table doubled twice)", () => {
    const keys = [
      "tickTime", "initLimit", "syncLimit", "dataDir", "dataLogDir", "clientPort", "clientPortAddress", "reconfigEnabled",
      "standaloneEnabled", "4lw.commands.whitelist", "admin.enableServer", "autopurge.snapRetainCount", "autopurge.purgeInterval",
      "maxClientCnxns", "skipACL", "metricsProvider.className", "metricsProvider.httpPort", "minSessionTimeout",
      "maxSessionTimeout", "snapCount", "preAllocSize", "jute.maxbuffer", "quorumListenOnAllIPs", "peerType", "electionAlg",
      "syncEnabled", "localSessionsEnabled", "server.1",
    ];
    expect(javaPropertiesOrder(keys)).toEqual([
      "dataDir", "4lw.commands.whitelist", "syncLimit", "clientPortAddress", "metricsProvider.httpPort", "syncEnabled",
      "standaloneEnabled", "admin.enableServer", "metricsProvider.className", "initLimit", "clientPort", "minSessionTimeout",
      "electionAlg", "snapCount", "peerType", "autopurge.purgeInterval", "maxSessionTimeout", "dataLogDir", "jute.maxbuffer",
      "reconfigEnabled", "skipACL", "server.1", "autopurge.snapRetainCount", "tickTime", "localSessionsEnabled",
      "quorumListenOnAllIPs", "preAllocSize", "maxClientCnxns",
    ]);
  });

  it("a key given twice keeps its first place", () => {
    expect(javaPropertiesOrder(["tickTime", "dataDir", "tickTime"])).toEqual(["dataDir", "tickTime"]);
  });
});

describe("dynamic config text", () => {
  it("versionFromFilename: the hex suffix after the last dot, normalised; none when it is not hex", () => {
    expect(versionFromFilename("/etc/zk/zoo.cfg.dynamic.100000000")).toBe("100000000");
    expect(versionFromFilename("zoo.cfg.dynamic.00Ff")).toBe("ff");
    expect(versionFromFilename("zoo.cfg.dynamic")).toBeUndefined();
    expect(versionFromFilename("zoo.cfg.dynamic.next")).toBeUndefined();
    expect(versionFromFilename("nodot")).toBeUndefined();
  });

  it("writeDynamicConfig: key=value lines sorted as strings ('0' < '='), the version only in the .next file, no final newline", () => {
    const qv = "server.2=h:1:2:participant\nserver.10=h:3:4:observer;0.0.0.0:2181\nserver.1=h:5:6:participant\nversion=100000000";
    expect(dynamicConfigText(qv, false)).toBe("server.10=h:3:4:observer;0.0.0.0:2181\nserver.1=h:5:6:participant\nserver.2=h:1:2:participant");
    expect(dynamicConfigText(qv, true)).toBe("server.10=h:3:4:observer;0.0.0.0:2181\nserver.1=h:5:6:participant\nserver.2=h:1:2:participant\nversion=100000000");
  });

  // zoo.cfg before and after ZooKeeper 3.8 (QuorumPeerMain, reconfigEnabled=true) formed its first epoch.
  const javaBefore =
    "tickTime=500\ninitLimit=10\nsyncLimit=5\ndataDir=/tmp/rcx/j/s1/data\nclientPort=56463\nreconfigEnabled=true\n" +
    "server.1=127.0.0.1:56985:40153\nserver.2=127.0.0.1:56313:45899\nserver.3=127.0.0.1:51911:55403\n";
  const javaAfter =
    "dataDir=/tmp/rcx/j/s1/data\ntickTime=500\ninitLimit=10\nclientPort=56463\nsyncLimit=5\nreconfigEnabled=true\n" +
    "dynamicConfigFile=/tmp/rcx/j/s1/zoo.cfg.dynamic.100000000\n";

  it("editStaticConfig: the file ZooKeeper 3.8 wrote, byte for byte", () => {
    expect(editedStaticConfigText(javaBefore, "/tmp/rcx/j/s1/zoo.cfg.dynamic.100000000", false)).toBe(javaAfter);
  });

  it("editStaticConfig: comments, server/group/weight/peerType and the old pointer go; clientPort* only when erased", () => {
    const text = "# c\ntickTime=1\nclientPort=2181\nclientPortAddress=127.0.0.1\npeerType=observer\ndynamicConfigFile=/old\n";
    expect(editedStaticConfigText(text, "/new", true)).toBe("tickTime=1\ndynamicConfigFile=/new\n");
    expect(editedStaticConfigText(text, "/new", false)).toContain("clientPort=2181\n");
  });
});

describe("zoo.cfg with dynamicConfigFile", () => {
  const dyn = "server.1=127.0.0.1:2888:3888:participant\nserver.2=127.0.0.1:2889:3889:participant\nserver.3=127.0.0.1:2890:3890:observer;127.0.0.1:2183";
  const read = (files: Record<string, string>) => (p: string) => {
    const t = files[p];
    if (t === undefined) throw new Error(`ENOENT: ${p}`);
    return t;
  };
  const base = "dataDir=/var/lib/zk\nclientPort=2181\ninitLimit=5\nsyncLimit=2\nreconfigEnabled=true\n";

  it("the server lines come from the dynamic file, the version from its name", () => {
    const c = parseConfig(`${base}dynamicConfigFile=/etc/zk/zoo.cfg.dynamic.100000000\n`, { readFile: read({ "/etc/zk/zoo.cfg.dynamic.100000000": dyn }) });
    expect(c.servers.map((s) => [s.id, s.role, s.clientPort])).toEqual([[1n, "participant", undefined], [2n, "participant", undefined], [3n, "observer", 2183]]);
    expect(c.configVersion).toBe(0x100000000n);
    expect(c.dynamicConfigFile).toBe("/etc/zk/zoo.cfg.dynamic.100000000");
    expect(c.distributed).toBe(true);
    expect(c.reconfigEnabled).toBe(true);
  });

  it("a dynamic file without a hex suffix has version 0; server lines in zoo.cfg have version 0", () => {
    expect(parseConfig(`${base}dynamicConfigFile=/d/zoo.cfg.dynamic\n`, { readFile: read({ "/d/zoo.cfg.dynamic": dyn }) }).configVersion).toBe(0n);
    expect(parseConfig(`${base}server.1=a:1:2\nserver.2=a:3:4\n`).configVersion).toBe(0n);
  });

  const problems = (text: string, files: Record<string, string>) => {
    try {
      parseConfig(text, { readFile: read(files) });
    } catch (e) {
      if (e instanceof ConfigError) return e.problems;
      throw e;
    }
    return [];
  };

  it("refuses what QuorumPeerConfig refuses, naming the file and line", () => {
    expect(problems(`${base}dynamicConfigFile=/d/x.1\nserver.4=a:1:2\n`, { "/d/x.1": dyn })).toEqual([
      "zoo.cfg:7: parameter: server.4 must be in a separate dynamic config file",
    ]);
    expect(problems(`${base}dynamicConfigFile=/d/x.1\n`, { "/d/x.1": `${dyn}\nversion=1\ntickTime=3\n` })).toEqual([
      "/d/x.1:4: dynamic file shouldn't have version inside",
      "/d/x.1:5: Unrecognised parameter: tickTime",
    ]);
    expect(problems(`${base}dynamicConfigFile=/d/missing\n`, {})[0]).toMatch(/^zoo\.cfg:6: Error processing \/d\/missing: ENOENT/);
    expect(problems(`${base}dynamicConfigFile=/d/x.1\n`, { "/d/x.1": "server.1=nonsense" })[0]).toMatch(/^\/d\/x\.1:1: server\.1 must be host:quorumPort/);
  });
});

describe("DynamicConfigFiles (node:fs)", () => {
  const dir = mkdtempSync(join(tmpdir(), "zkts-dyn-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("backs zoo.cfg up, then writes zoo.cfg.dynamic.<hex> and rewrites zoo.cfg as ZooKeeper 3.8 does", () => {
    const cfg = join(dir, "zoo.cfg");
    const before = "tickTime=500\ninitLimit=10\nsyncLimit=5\ndataDir=/x\nclientPort=56463\nreconfigEnabled=true\nserver.1=127.0.0.1:1:2\nserver.2=127.0.0.1:3:4\n";
    writeFileSync(cfg, before);
    writeFileSync(`${cfg}.dynamic.next`, "stale");
    const files = new DynamicConfigFiles(cfg);
    files.backupOldConfig();
    files.commit("server.1=127.0.0.1:1:2:participant\nserver.2=127.0.0.1:3:4:participant\nversion=100000000", 0x100000000n, false);
    expect(readdirSync(dir).sort()).toEqual(["zoo.cfg", "zoo.cfg.bak", "zoo.cfg.dynamic.100000000"]);
    expect(readFileSync(`${cfg}.bak`, "utf8")).toBe(before);
    expect(readFileSync(`${cfg}.dynamic.100000000`, "utf8")).toBe("server.1=127.0.0.1:1:2:participant\nserver.2=127.0.0.1:3:4:participant");
    expect(readFileSync(cfg, "utf8")).toBe(
      `dataDir=/x\ntickTime=500\ninitLimit=10\nclientPort=56463\nsyncLimit=5\nreconfigEnabled=true\ndynamicConfigFile=${join(dir, "zoo.cfg.dynamic.100000000")}\n`,
    );
    // the rewritten zoo.cfg reads back to the same members and the new version
    const again = parseConfig(readFileSync(cfg, "utf8"));
    expect(again.servers.map((s) => s.id)).toEqual([1n, 2n]);
    expect(again.configVersion).toBe(0x100000000n);
  });

  it("zoo.cfg.dynamic.next: written with its version line, read back at start-up with a dynamicConfigFile, removed at the commit of that config", () => {
    const sub = mkdtempSync(join(dir, "next-"));
    const cfg = join(sub, "zoo.cfg");
    const dyn = join(sub, "zoo.cfg.dynamic.100000000");
    writeFileSync(dyn, "server.1=127.0.0.1:1:2:participant\nserver.2=127.0.0.1:3:4:participant");
    const text = `tickTime=500\ninitLimit=10\nsyncLimit=5\ndataDir=/x\nclientPort=56463\nreconfigEnabled=true\ndynamicConfigFile=${dyn}\n`;
    writeFileSync(cfg, text);
    const files = new DynamicConfigFiles(cfg);
    const seen = "server.1=127.0.0.1:1:2:participant\nserver.2=127.0.0.1:3:4:participant\nserver.3=127.0.0.1:5:6:participant\nversion=100000003";
    files.writeNext(seen);
    expect(readFileSync(`${cfg}.dynamic.next`, "utf8")).toBe(seen);
    const c = parseConfig(text, { configFile: cfg });
    expect(c.configVersion).toBe(0x100000000n);
    expect(c.nextDynamicConfig?.version).toBe(0x100000003n);
    expect([...c.nextDynamicConfig!.votingMembers.keys()]).toEqual([1n, 2n, 3n]);
    // no dynamicConfigFile: .next is not read (QuorumPeerConfig.parse reads it after the dynamic file only)
    expect(parseConfig(`${text.replace(/dynamicConfigFile=.*\n/, "")}server.1=127.0.0.1:1:2\nserver.2=127.0.0.1:3:4\n`, { configFile: cfg }).nextDynamicConfig).toBeUndefined();
    // an invalid config in it is refused, naming the file
    writeFileSync(`${cfg}.dynamic.next`, "server.1=127.0.0.1:1:2\nversion=zz");
    expect(() => parseConfig(text, { configFile: cfg })).toThrow(`${cfg}.dynamic.next: bad version zz`);
    // a commit of an older config than the last seen one keeps .next; of the last seen one removes it
    files.writeNext(seen);
    files.commit("server.1=127.0.0.1:1:2:participant\nversion=100000002", 0x100000002n, false, false);
    expect(readdirSync(sub)).toContain("zoo.cfg.dynamic.next");
    files.commit(seen, 0x100000003n, false, true);
    expect(readdirSync(sub).sort()).toEqual(["zoo.cfg", "zoo.cfg.dynamic.100000000", "zoo.cfg.dynamic.100000002", "zoo.cfg.dynamic.100000003"]);
    expect(parseConfig(readFileSync(cfg, "utf8"), { configFile: cfg }).nextDynamicConfig).toBeUndefined();
  });
});
