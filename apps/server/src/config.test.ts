import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError, DEFAULT_CONFIG_TEXT, jvmSystemProperty, parseConfig } from "./config.js";
import { parseProperties } from "./properties.js";

const base = "dataDir=/var/lib/zk\n";

function problems(text: string, env?: Record<string, string>): string[] {
  try {
    parseConfig(text, { env });
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error("expected a ConfigError");
}

describe("Java properties syntax", () => {
  it("handles comments, separators, blanks, continuations and escapes", () => {
    const text = [
      "# a comment",
      "! another comment",
      "   ",
      "a=1",
      "b: 2",
      "c 3",
      "  d   =   4  ",
      "e\t:\tfive",
      "f = multi \\",
      "    line \\",
      "  value",
      "g=tab\\there\\nnl \\u0041\\\\",
      "h\\=key\\:x = v",
      "i",
      "j=",
      "k = a=b:c",
      "# comment ending in backslash \\",
      "l=after",
      "m=\\",
    ].join("\r\n");
    const got = parseProperties(text).map((e) => [e.key, e.value, e.line]);
    expect(got).toEqual([
      ["a", "1", 4],
      ["b", "2", 5],
      ["c", "3", 6],
      ["d", "4  ", 7],
      ["e", "five", 8],
      ["f", "multi line value", 9],
      ["g", "tab\there\nnl A\\", 12],
      ["h=key:x", "v", 13],
      ["i", "", 14],
      ["j", "", 15],
      ["k", "a=b:c", 16],
      ["l", "after", 18],
      ["m", "", 19],
    ]);
  });

  it("rejects a malformed \\u escape with its line", () => {
    expect(problems("dataDir=/x\nfoo=\\u12G4\n")).toEqual(['zoo.cfg:2: malformed \\uxxxx escape "\\u12G4"']);
  });

  it("later keys override earlier ones and values are trimmed", () => {
    const c = parseConfig("tickTime=1000\ndataDir=/a\ntickTime = 3000   \n");
    expect(c.tickTime).toBe(3000);
  });
});

describe("zoo.cfg keys", () => {
  it("applies ZooKeeper's defaults", () => {
    const c = parseConfig(base);
    expect(c).toMatchObject({
      tickTime: 2000,
      dataDir: "/var/lib/zk",
      dataLogDir: "/var/lib/zk",
      maxClientCnxns: 60,
      minSessionTimeout: 4000,
      maxSessionTimeout: 40000,
      autopurgeSnapRetainCount: 3,
      autopurgePurgeInterval: 0,
      snapCount: 100000,
      snapshotFormat: "zkts",
      preAllocSize: 65536,
      globalOutstandingLimit: 1000,
      electionAlg: 3,
      servers: [],
      syncEnabled: true,
      reconfigEnabled: false,
      standaloneEnabled: true,
      localSessionsEnabled: false,
      adminEnableServer: true,
      adminServerPort: 8080,
      juteMaxBuffer: 0xfffff,
      extendedTypesEnabled: false,
      skipACL: false,
      digestEnabled: true,
      containerCheckIntervalMs: 60000,
    });
    expect(c.clientPort).toBeUndefined();
    expect(c.fourLetterWhitelist).toBeUndefined();
    expect(c.warnings).toEqual([]);
  });

  it("types every known key", () => {
    const c = parseConfig(
      [
        "tickTime=500",
        "initLimit=10",
        "syncLimit=5",
        "dataDir=/d",
        "dataLogDir=/l",
        "clientPort=2182",
        "clientPortAddress=127.0.0.1",
        "maxClientCnxns=0",
        "minSessionTimeout=1000",
        "maxSessionTimeout=60000",
        "autopurge.snapRetainCount=5",
        "autopurge.purgeInterval=24",
        "snapCount=1000",
        "preAllocSize=1024",
        "globalOutstandingLimit=50",
        "electionAlg=3",
        "peerType=observer",
        "syncEnabled=TRUE",
        "reconfigEnabled=false",
        "standaloneEnabled=true",
        "localSessionsEnabled=False",
        "4lw.commands.whitelist=ruok, stat",
        "admin.enableServer=false",
        "admin.serverPort=9090",
        "jute.maxbuffer=4194304",
        "extendedTypesEnabled=true",
        "skipACL=yes",
        "digest.enabled=false",
        "znode.container.checkIntervalMs=1000",
        "zkts.logFile=/var/log/zkts.log",
        "zkts.logLevel=debug",
        "zkts.logFormat=text",
      ].join("\n"),
    );
    expect(c).toMatchObject({
      tickTime: 500,
      initLimit: 10,
      syncLimit: 5,
      dataDir: "/d",
      dataLogDir: "/l",
      clientPort: 2182,
      clientPortAddress: "127.0.0.1",
      maxClientCnxns: 0,
      minSessionTimeout: 1000,
      maxSessionTimeout: 60000,
      autopurgeSnapRetainCount: 5,
      autopurgePurgeInterval: 24,
      snapCount: 1000,
      preAllocSize: 1024,
      globalOutstandingLimit: 50,
      peerType: "observer",
      syncEnabled: true,
      reconfigEnabled: false,
      standaloneEnabled: true,
      localSessionsEnabled: false,
      fourLetterWhitelist: "ruok, stat",
      adminEnableServer: false,
      adminServerPort: 9090,
      juteMaxBuffer: 4194304,
      extendedTypesEnabled: true,
      skipACL: true,
      digestEnabled: false,
      containerCheckIntervalMs: 1000,
      logFile: "/var/log/zkts.log",
      logLevel: "debug",
      logFormat: "text",
    });
    expect(c.systemProperties["zookeeper.4lw.commands.whitelist"]).toBe("ruok, stat");
    expect(c.unknownKeys).toEqual([]);
  });

  it("derives the session timeouts from tickTime", () => {
    const c = parseConfig("tickTime=3000\n" + base);
    expect([c.minSessionTimeout, c.maxSessionTimeout]).toEqual([6000, 60000]);
  });

  it("names the file, line and key in each validation message", () => {
    expect(problems("# c\n\ndataDir=/x\n\n\n\ntickTime=abc\n")).toEqual([
      'zoo.cfg:7: tickTime must be a positive integer, got "abc"',
    ]);
    expect(problems(base + "tickTime=0")).toEqual(['zoo.cfg:2: tickTime must be a positive integer, got "0"']);
    expect(problems(base + "clientPort=70000")).toEqual([
      'zoo.cfg:2: clientPort must be a port number (0-65535), got "70000"',
    ]);
    expect(problems(base + "maxClientCnxns=-1")).toEqual([
      'zoo.cfg:2: maxClientCnxns must be a non-negative integer, got "-1"',
    ]);
    expect(problems(base + "snapCount=1e5")).toEqual(['zoo.cfg:2: snapCount must be a positive integer, got "1e5"']);
    expect(parseConfig(base + "snapshot.format=zookeeper").snapshotFormat).toBe("zookeeper");
    expect(parseConfig(base + "snapshot.format=zkts").snapshotFormat).toBe("zkts");
    expect(parseConfig(base).txnLogWorker).toBe(false);
    expect(parseConfig(base + "zkts.txnLogWorker=true").txnLogWorker).toBe(true);
    expect(problems(base + "zkts.txnLogWorker=maybe")).toHaveLength(1);
    expect(parseConfig(base, { env: { ZKTS_TXNLOG_WORKER: "true" } }).txnLogWorker).toBe(true);
    expect(parseConfig(base + "zkts.txnLogWorker=false", { env: { ZKTS_TXNLOG_WORKER: "true" } }).txnLogWorker).toBe(false);
    expect(problems(base + "snapshot.format=java")).toHaveLength(1);
    expect(problems(base + "snapshot.format=java")[0]).toMatch(/^zoo\.cfg:2: snapshot\.format .*zkts.*zookeeper/);
    expect(problems(base + "jute.maxbuffer=99999999999")).toEqual([
      'zoo.cfg:2: jute.maxbuffer must be a positive integer, got "99999999999"',
    ]);
    expect(problems(base + "syncEnabled=yes")).toEqual(['zoo.cfg:2: syncEnabled must be true or false, got "yes"']);
    expect(problems(base + "skipACL=maybe")).toEqual(['zoo.cfg:2: skipACL must be yes or no, got "maybe"']);
    expect(problems(base + "electionAlg=0")).toEqual([
      'zoo.cfg:2: electionAlg must be 3 (the only algorithm ZooKeeper 3.8 supports), got "0"',
    ]);
    expect(problems(base + "peerType=leader")).toEqual(['zoo.cfg:2: peerType must be participant or observer, got "leader"']);
    expect(problems(base + "minSessionTimeout=50000")).toEqual([
      "zoo.cfg:2: minSessionTimeout (50000) must not be larger than maxSessionTimeout (40000)",
    ]);
    expect(problems(base + "zkts.logLevel=loud")).toEqual([
      'zoo.cfg:2: zkts.logLevel must be one of debug, info, warn, error, got "loud"',
    ]);
    expect(problems(base + "zkts.logFormat=xml")).toEqual(['zoo.cfg:2: zkts.logFormat must be one of json, text, got "xml"']);
    expect(problems("dataDir=\n")).toEqual(["zoo.cfg:1: dataDir must not be empty"]);
  });

  it("requires dataDir and reports every problem at once", () => {
    expect(problems("tickTime=x\nclientPort=y\n")).toEqual([
      'zoo.cfg:1: tickTime must be a positive integer, got "x"',
      "zoo.cfg: dataDir is not set",
      'zoo.cfg:2: clientPort must be a port number (0-65535), got "y"',
    ]);
    try {
      parseConfig("tickTime=x", { fileName: "/etc/zk/zoo.cfg" });
    } catch (e) {
      expect((e as Error).message).toContain('/etc/zk/zoo.cfg:1: tickTime must be a positive integer, got "x"');
    }
  });

  it("raises snapRetainCount to 3 with a warning", () => {
    const c = parseConfig(base + "autopurge.snapRetainCount=1\n");
    expect(c.autopurgeSnapRetainCount).toBe(3);
    expect(c.warnings).toEqual(["zoo.cfg:2: autopurge.snapRetainCount 1 is below the minimum 3; using 3"]);
  });

  it("accepts unknown keys, keeps them as zookeeper.<key> and reports them", () => {
    const c = parseConfig(base + "fancy.option=42\nzookeeper.other=x\n");
    expect(c.systemProperties).toEqual({ "zookeeper.fancy.option": "42", "zookeeper.other": "x" });
    expect(c.unknownKeys).toEqual([
      { key: "fancy.option", line: 2 },
      { key: "zookeeper.other", line: 3 },
    ]);
    expect(c.warnings).toEqual([
      "zoo.cfg:2: unknown key fancy.option; kept as the system property zookeeper.fancy.option",
      "zoo.cfg:3: unknown key zookeeper.other; kept as the system property zookeeper.other",
    ]);
  });

  it("reads jvm.pause.* as QuorumPeerConfig does (off by default; ZooKeeper's defaults), never as system properties", () => {
    expect(parseConfig(base).jvmPauseMonitor).toBeUndefined();
    // settings without the switch: still off
    expect(parseConfig(base + "jvm.pause.sleep.time.ms=20\n").jvmPauseMonitor).toBeUndefined();
    expect(parseConfig(base + "jvm.pause.monitor=true\n").jvmPauseMonitor).toEqual({ sleepTimeMs: 500, infoThresholdMs: 1000, warnThresholdMs: 10_000 });
    const c = parseConfig(base + "jvm.pause.monitor=TRUE\njvm.pause.sleep.time.ms=10\njvm.pause.info-threshold.ms=50\njvm.pause.warn-threshold.ms=70\n");
    expect(c.jvmPauseMonitor).toEqual({ sleepTimeMs: 10, infoThresholdMs: 50, warnThresholdMs: 70 });
    expect(c.unknownKeys).toEqual([]);
    expect(c.systemProperties).toEqual({});
    expect(() => parseConfig(base + "jvm.pause.monitor=true\njvm.pause.sleep.time.ms=0\n")).toThrow(/jvm\.pause\.sleep\.time\.ms must be a positive integer/);
    expect(() => parseConfig(base + "jvm.pause.monitor=yes\n")).toThrow(/jvm\.pause\.monitor must be true or false/);
  });

  it("parses server.N lines", () => {
    const c = parseConfig(
      base +
        [
          "server.3=zk3:2888:3888:observer;2183",
          "server.1=zk1.example.com:2888:3888",
          "server.2=[::1]:2889:3889:participant;0.0.0.0:2182",
        ].join("\n"),
    );
    expect(c.servers).toEqual([
      { id: 1n, host: "zk1.example.com", quorumPort: 2888, electionPort: 3888, role: "participant", line: 3 },
      { id: 2n, host: "::1", quorumPort: 2889, electionPort: 3889, role: "participant", clientHost: "0.0.0.0", clientPort: 2182, line: 4 },
      { id: 3n, host: "zk3", quorumPort: 2888, electionPort: 3888, role: "observer", clientPort: 2183, line: 2 },
    ]);
  });

  it("rejects malformed server.N lines", () => {
    const fmt = "host:quorumPort:electionPort[:participant|observer][;[clientHost:]clientPort]";
    expect(problems(base + "server.1=zk1:2888")).toEqual([`zoo.cfg:2: server.1 must be ${fmt}, got "zk1:2888"`]);
    expect(problems(base + "server.1=zk1:2888:3888:leader")).toEqual([
      `zoo.cfg:2: server.1 must be ${fmt}, got "zk1:2888:3888:leader"`,
    ]);
    expect(problems(base + "server.1=zk1:2888:99999")).toEqual([`zoo.cfg:2: server.1 must be ${fmt}, got "zk1:2888:99999"`]);
    expect(problems(base + "server.x=zk1:2888:3888")).toEqual([
      'zoo.cfg:2: server id in "server.x" must be a non-negative integer',
    ]);
  });
});

describe("super digest", () => {
  const digest = "super:D/InIHSb7yEEbrWz8b9l71RjZJU=";
  it("comes from either zoo.cfg spelling", () => {
    expect(parseConfig(base + `DigestAuthenticationProvider.superDigest=${digest}`).superDigest).toBe(digest);
    const c = parseConfig(base + `zookeeper.DigestAuthenticationProvider.superDigest=${digest}`);
    expect(c.superDigest).toBe(digest);
    expect(c.unknownKeys).toEqual([]);
  });
  it("comes from the environment: ZKTS_SUPER_DIGEST, SERVER_JVMFLAGS, JVMFLAGS", () => {
    expect(parseConfig(base, { env: { ZKTS_SUPER_DIGEST: digest } }).superDigest).toBe(digest);
    const flags = `-Xmx1g -Dzookeeper.DigestAuthenticationProvider.superDigest=${digest} -Dfoo=bar`;
    expect(parseConfig(base, { env: { SERVER_JVMFLAGS: flags } }).superDigest).toBe(digest);
    expect(parseConfig(base, { env: { JVMFLAGS: `"-Dzookeeper.DigestAuthenticationProvider.superDigest=${digest}"` } }).superDigest).toBe(digest);
    expect(parseConfig(base, { env: {} }).superDigest).toBeUndefined();
    // zoo.cfg wins
    expect(parseConfig(base + "DigestAuthenticationProvider.superDigest=super:x", { env: { ZKTS_SUPER_DIGEST: digest } }).superDigest).toBe("super:x");
  });
  it("is validated", () => {
    expect(problems(base, { ZKTS_SUPER_DIGEST: "nocolon" })).toEqual([
      'environment ZKTS_SUPER_DIGEST: superDigest must look like "super:<base64 sha1 digest>"',
    ]);
  });
  it("jvmSystemProperty finds the last -D flag, quoted or not", () => {
    expect(jvmSystemProperty("-Da=1 -Da=2", "a")).toBe("2");
    expect(jvmSystemProperty("-Da='x y'", "a")).toBe("x y");
    expect(jvmSystemProperty("-Dab=1", "a")).toBeUndefined();
  });
});

it("the built-in default config is valid", () => {
  const c = parseConfig(DEFAULT_CONFIG_TEXT);
  expect(c).toMatchObject({ clientPort: 2181, dataDir: "./.zkts-data", tickTime: 2000, fourLetterWhitelist: "*" });

  describe("standalone or ensemble (QuorumPeerConfig.isDistributed)", () => {
    const cfgOf = (extra: string) => parseConfig(`dataDir=/tmp/x\nclientPort=2181\n${extra}`);
    it("no server lines: standalone", () => expect(cfgOf("").distributed).toBe(false));
    it("one server line with standaloneEnabled (default): standalone, as ZooKeeper's Docker image runs", () =>
      expect(cfgOf("server.1=localhost:2888:3888;2181\n").distributed).toBe(false));
    it("one server line with standaloneEnabled=false: a one-member ensemble", () =>
      expect(cfgOf("standaloneEnabled=false\nserver.1=localhost:2888:3888;2181\n").distributed).toBe(true));
    it("two participants: an ensemble", () =>
      expect(cfgOf("server.1=h1:2888:3888\nserver.2=h2:2888:3888\n").distributed).toBe(true));
    it("one participant and one observer: standalone unless standaloneEnabled=false", () =>
      expect(cfgOf("server.1=h1:2888:3888\nserver.2=h2:2888:3888:observer\n").distributed).toBe(false));
  });
});

describe("keys zkts knows but cannot honour are refused, naming the key", () => {
  // Each entry: a zoo.cfg line zkts cannot honour, and the start of the reason it gives.
  const refused: [string, RegExp][] = [
    ["ssl.quorum.crl=true", /ssl\.quorum\.crl checks; only false is accepted/],
    ["zookeeper.ssl.quorum.context.supplier.class=com.example.Ctx", /does not support ssl\.quorum\.context\.supplier\.class/],
    ["ssl.crl=true", /only false is accepted/],
    ["ssl.ocsp=true", /only false is accepted/],
    ["ssl.context.supplier.class=com.example.Ctx", /does not support ssl\.context\.supplier\.class/],
    ["ssl.authProvider=myx509", /built-in x509 scheme/],
    ["clientPortListenBacklog=100", /listen backlog/],
    ["localSessionsEnabled=true", /local sessions/],
    ["localSessionsUpgradingEnabled=true", /local sessions/],
    ["syncEnabled=false", /observers always log/],
    ["quorumListenOnAllIPs=true", /binds the quorum and election ports/],
    ["connectToLearnerMasterLimit=10", /observer masters/],
    ["multiAddress.enabled=true", /one address per server/],
    ["requireClientAuthScheme=sasl", /Kerberos/],
    ["authProvider.1=com.example.MyAuthenticationProvider", /digest, ip, x509 and sasl/],
    ["quorum.auth.kerberosServicePrincipal=zkquorum/localhost", /Kerberos/],
    ["quorum.auth.kerberos.servicePrincipal=zkquorum/localhost", /Kerberos/],
  ];
  for (const [line, why] of refused) {
    it(line, () => {
      const got = problems(base + line);
      const key = line.slice(0, line.indexOf("="));
      expect(got).toHaveLength(1);
      expect(got[0]).toMatch(new RegExp(`^zoo\\.cfg:2: ${key.replace(/\./g, "\\.")}=.* is not supported: `));
      expect(got[0]).toMatch(why);
    });
  }

  it("accepts the values zkts behaves as, and the built-in auth providers", () => {
    const ok = [
      "sslQuorum=false",
      "portUnification=false",
      "reconfigEnabled=false",
      "reconfigEnabled=true",
      "standaloneEnabled=true",
      "localSessionsEnabled=false",
      "syncEnabled=true",
      "quorumListenOnAllIPs=false",
      "multiAddress.enabled=false",
      "enforce.auth.enabled=false",
      "quorum.auth.enableSasl=false",
      "authProvider.1=org.apache.zookeeper.server.auth.DigestAuthenticationProvider",
      "authProvider.2=org.apache.zookeeper.server.auth.IPAuthenticationProvider",
      "authProvider.x509=org.apache.zookeeper.server.auth.X509AuthenticationProvider",
      "authProvider.3=org.apache.zookeeper.server.auth.SASLAuthenticationProvider",
      "ssl.crl=false",
      "ssl.authProvider=x509",
      "ssl.hostnameVerification=false",
      // other helpers' keys are not judged here
      "admin.enableServer=true",
      "admin.serverPort=8080",
      "metricsProvider.className=org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider",
      "metricsProvider.httpPort=7000",
    ];
    expect(() => parseConfig(base + ok.join("\n"))).not.toThrow();
  });

  it("reports every refused key at once and never prints a password", () => {
    const got = problems(base + "quorum.auth.kerberos.servicePrincipal=zk/x\nssl.quorum.keyStore.passwd=hunter2\nlocalSessionsEnabled=true\n");
    expect(got).toHaveLength(3);
    expect(got[1]).toMatch(/^zoo\.cfg:3: ssl\.quorum\.keyStore\.passwd is not supported/);
    expect(got.join("\n")).not.toContain("hunter2");
  });
});

describe("hierarchical quorums (group / weight lines, as ZooKeeper 3.8's QuorumPeerConfig)", () => {
  const servers = [1, 2, 3, 4, 5].map((i) => `server.${i}=127.0.0.1:${2000 + i}:${3000 + i}`).join("\n");
  const text = (groups: string) => `${base}clientPort=2181\n${servers}\n${groups}`;

  it("group and weight lines are kept, in file order, and not taken for system properties", () => {
    const c = parseConfig(text("group.1=1:2:3\ngroup.2=4:5\nweight.1=3\nweight.4=2\n"));
    expect(c.quorumGroups.map((e) => [e.key, e.value, e.line])).toEqual([
      ["group.1", "1:2:3", 8],
      ["group.2", "4:5", 9],
      ["weight.1", "3", 10],
      ["weight.4", "2", 11],
    ]);
    expect(c.distributed).toBe(true);
    expect(Object.keys(c.systemProperties).filter((k) => /group|weight/.test(k))).toEqual([]);
    expect(c.warnings).toEqual([]);
  });

  it("no group or weight line: none kept", () => expect(parseConfig(text("")).quorumGroups).toEqual([]));

  it("a server in two groups, naming the line, with ZooKeeper's text", () => {
    expect(problems(text("group.1=1:2:3\ngroup.2=3:4:5\n"))).toEqual(["zoo.cfg:9: group.2=3:4:5: Server 3is in multiple groups"]);
  });

  it("a participant in no group names its server line; weights alone make the quorum hierarchical", () => {
    expect(problems(text("group.1=1:2:3\ngroup.2=4\n"))).toEqual([
      "zoo.cfg:7: server.5=127.0.0.1:2005:3005: Server 5is not in a group",
    ]);
    expect(problems(text("weight.1=2\n"))).toEqual(["zoo.cfg:3: server.1=127.0.0.1:2001:3001: Server 1is not in a group"]);
  });

  it("an observer or an unknown server in a group without a weight; bad ids and weights", () => {
    const obs = "server.6=127.0.0.1:2006:3006:observer\n";
    expect(problems(text(`${obs}group.1=1:2:3\ngroup.2=4:5:6\n`))[0]).toMatch(
      /^zoo\.cfg:10: group\.2=4:5:6: Server 6 is in group 2 but has no weight: server\.6 is an observer/,
    );
    expect(parseConfig(text(`${obs}group.1=1:2:3\ngroup.2=4:5:6\nweight.6=0\n`)).quorumGroups).toHaveLength(3);
    expect(problems(text("group.1=1:2:3\ngroup.2=4:5:9\n"))[0]).toMatch(/^zoo\.cfg:9: group\.2=4:5:9: .*no server\.9 line/);
    expect(problems(text("group.1=1:2:3\ngroup.2=4:5\nweight.4=heavy\n"))).toEqual([
      'zoo.cfg:10: weight.4=heavy: bad weight in weight.4=heavy: For input string: "heavy"',
    ]);
    expect(problems(text("group.1=1:2:3\ngroups=4:5\n"))[0]).toMatch(/^zoo\.cfg:9: groups=4:5: .*For input string: "groups"/);
  });

  it("checked also when the server runs standalone, as ZooKeeper does", () => {
    expect(problems(`${base}clientPort=2181\nserver.1=127.0.0.1:1:2\ngroup.1=1\ngroup.2=1\n`)).toEqual([
      "zoo.cfg:5: group.2=1: Server 1is in multiple groups",
    ]);
  });
});

describe("TLS on the client port (secureClientPort, client.portUnification, ssl.*)", () => {
  const NETTY = "serverCnxnFactory=org.apache.zookeeper.server.NettyServerCnxnFactory\n";
  const dir = mkdtempSync(join(tmpdir(), "zkts-cfgtls-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const store = join(dir, "keystore.pem");
  writeFileSync(store, "not read at parse time");
  const secret = join(dir, "pw.txt");
  writeFileSync(secret, "from-file\n");

  it("reads the client port's TLS settings with ZooKeeper's defaults; ssl keys with or without the zookeeper. prefix", () => {
    const cfg = parseConfig(
      `${base}clientPort=2181\nsecureClientPort=2281\nsecureClientPortAddress=127.0.0.1\n${NETTY}` +
        `ssl.keyStore.location=${store}\nzookeeper.ssl.keyStore.passwordPath=${secret}\nssl.trustStore.location=${store}\n` +
        "authProvider.x509=org.apache.zookeeper.server.auth.X509AuthenticationProvider\n" +
        "X509AuthenticationProvider.superUser=CN=admin\nclient.certReload=true\n",
    );
    expect(cfg.secureClientPort).toBe(2281);
    expect(cfg.secureClientPortAddress).toBe("127.0.0.1");
    expect(cfg.clientPortUnification).toBe(false);
    expect(cfg.tls?.keyStore).toEqual({ location: store, password: "from-file", type: undefined });
    expect(cfg.tls?.clientAuth).toBe("need");
    expect(cfg.tls?.enabledProtocols).toEqual(["TLSv1.2"]);
    expect(cfg.x509AuthProvider).toBe(true);
    expect(cfg.x509SuperUser).toBe("CN=admin");
    expect(cfg.clientCertReload).toBe(true);
    const off = parseConfig(`${base}clientPort=2181\n`);
    expect(off.tls).toBeUndefined();
    expect(off.x509AuthProvider).toBe(false);
  });

  it("client.portUnification turns TLS on for the client port", () => {
    const cfg = parseConfig(`${base}clientPort=2181\nclient.portUnification=true\n${NETTY}ssl.keyStore.location=${store}\nssl.clientAuth=want\n`);
    expect(cfg.clientPortUnification).toBe(true);
    expect(cfg.tls?.clientAuth).toBe("want");
    // QuorumPeerConfig.configureSSLAuth: TLS on the client port registers the x509 provider
    expect(cfg.x509AuthProvider).toBe(true);
  });

  it("refuses TLS without the Netty factory or a key store, and bad ssl values, naming key and line", () => {
    expect(problems(`${base}secureClientPort=2281\nssl.keyStore.location=${store}\n`).join("\n")).toMatch(/secureClientPort needs serverCnxnFactory=org\.apache\.zookeeper\.server\.NettyServerCnxnFactory/);
    expect(problems(`${base}secureClientPort=2281\n${NETTY}`).join("\n")).toMatch(/needs ssl\.keyStore\.location/);
    const bad = problems(`${base}secureClientPort=2281\n${NETTY}ssl.keyStore.location=${store}\nssl.ciphersuites=TLS_NOPE_WITH_NOTHING\nssl.clientAuth=sometimes\nssl.keyStore.type=PKCS11\n`);
    expect(bad).toContainEqual(expect.stringMatching(/^zoo\.cfg:5: ssl\.ciphersuites: .*TLS_NOPE_WITH_NOTHING/));
    expect(bad).toContainEqual(expect.stringMatching(/^zoo\.cfg:6: ssl\.clientAuth: "sometimes"/));
    expect(bad).toContainEqual(expect.stringMatching(/^zoo\.cfg:7: ssl\.keyStore\.type: unknown key store type PKCS11/));
    expect(problems(`${base}serverCnxnFactory=com.example.Factory\n`).join("\n")).toMatch(/serverCnxnFactory must be/);
    expect(problems(`${base}secureClientPortAddress=127.0.0.1\n`)).toEqual(["zoo.cfg:2: secureClientPortAddress is set but secureClientPort is not set"]);
    // QuorumPeerConfig: "clientPortAddress is set but clientPort is not set" (Invalid config, exit 2)
    expect(problems("dataDir=/tmp/x\nclientPortAddress=127.0.0.1\nserver.1=127.0.0.1:2888:3888;2181\n")).toEqual([
      "zoo.cfg:2: clientPortAddress is set but clientPort is not set",
    ]);
  });
});

describe("TLS between members (sslQuorum, portUnification, sslQuorumReloadCertFiles, ssl.quorum.*)", () => {
  const dir = mkdtempSync(join(tmpdir(), "zkts-cfgqtls-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const store = join(dir, "member.jks");
  writeFileSync(store, "not read at parse time");

  it("reads the ssl.quorum.* settings (the client port's key set and defaults) when sslQuorum or portUnification is on", () => {
    const cfg = parseConfig(`${base}clientPort=2181\nsslQuorum=true\nsslQuorumReloadCertFiles=true\nssl.quorum.keyStore.location=${store}\nzookeeper.ssl.quorum.keyStore.password=pw\nssl.quorum.hostnameVerification=false\n`);
    expect(cfg.quorumTls).toMatchObject({ sslQuorum: true, portUnification: false, reloadCertFiles: true });
    expect(cfg.quorumTls?.settings).toMatchObject({ keyStore: { location: store, password: "pw" }, clientAuth: "need", hostnameVerification: false, enabledProtocols: ["TLSv1.2"] });
    // the client port's settings are apart
    expect(cfg.tls).toBeUndefined();
    expect(parseConfig(`${base}clientPort=2181\nportUnification=true\nssl.quorum.keyStore.location=${store}\n`).quorumTls).toMatchObject({ sslQuorum: false, portUnification: true });
    expect(parseConfig(`${base}clientPort=2181\nsslQuorum=false\n`).quorumTls).toBeUndefined();
  });

  it("refuses sslQuorum without a key store, and bad ssl.quorum values, naming key and line", () => {
    expect(problems(`${base}sslQuorum=true\n`).join("\n")).toMatch(/sslQuorum=true needs ssl\.quorum\.keyStore\.location/);
    const bad = problems(`${base}sslQuorum=true\nssl.quorum.keyStore.location=${store}\nssl.quorum.clientAuth=sometimes\nssl.quorum.protocol=SSLv3\n`);
    expect(bad).toContainEqual(expect.stringMatching(/^zoo\.cfg:4: ssl\.quorum\.clientAuth: "sometimes"/));
    expect(bad).toContainEqual(expect.stringMatching(/^zoo\.cfg:5: ssl\.quorum\.protocol: unsupported protocol "SSLv3"/));
    expect(problems(`${base}sslQuorum=maybe\nssl.quorum.keyStore.location=${store}\n`).join("\n")).toMatch(/sslQuorum must be true or false/);
  });
});

describe("SASL between members (quorum.auth.*)", () => {
  const dir = mkdtempSync(join(tmpdir(), "zkts-cfgqsasl-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const DIGEST = "org.apache.zookeeper.server.auth.DigestLoginModule";
  const jaas = join(dir, "q.jaas");
  writeFileSync(jaas, `QuorumServer { ${DIGEST} required user_zk="s" user_other="t"; };\nQuorumLearner { ${DIGEST} required username="zk" password="s"; };\nMine { ${DIGEST} required username="me" password="m"; };\n`);
  const env = { SERVER_JVMFLAGS: `-Djava.security.auth.login.config=${jaas}` };
  const on = "quorum.auth.enableSasl=true\nquorum.auth.learnerRequireSasl=true\nquorum.auth.serverRequireSasl=true\n";

  it("reads the switches and the JAAS QuorumServer users and QuorumLearner credentials", () => {
    const c = parseConfig(`${base}clientPort=2181\n${on}`, { env });
    expect(c.quorumSasl).toMatchObject({ learnerRequire: true, serverRequire: true, username: "zk", password: "s" });
    expect([...(c.quorumSasl?.users ?? [])]).toEqual([["zk", "s"], ["other", "t"]]);
    expect(parseConfig(`${base}clientPort=2181\nquorum.auth.enableSasl=true\nquorum.auth.learner.saslLoginContext=Mine\n`, { env }).quorumSasl).toMatchObject({
      learnerRequire: false,
      serverRequire: false,
      username: "me",
    });
    expect(parseConfig(`${base}clientPort=2181\n`, { env }).quorumSasl).toBeUndefined();
  });

  it("ZooKeeper's consistency checks, a missing JAAS file or section, and Kerberos stop start-up", () => {
    expect(problems(`${base}quorum.auth.serverRequireSasl=true\nquorum.auth.learnerRequireSasl=true\n`, env).join("\n")).toMatch(/quorum\.auth\.enableSasl is disabled, so cannot enable quorum\.auth\.serverRequireSasl/);
    expect(problems(`${base}quorum.auth.enableSasl=true\nquorum.auth.serverRequireSasl=true\n`, env).join("\n")).toMatch(/quorum\.auth\.learnerRequireSasl is disabled, so cannot enable quorum\.auth\.serverRequireSasl/);
    expect(problems(`${base}${on}`).join("\n")).toMatch(/needs a JAAS file/);
    expect(problems(`${base}${on}quorum.auth.server.saslLoginContext=Nope\n`, env).join("\n")).toMatch(/section 'Nope' could not be found/);
    const krb = join(dir, "k.jaas");
    writeFileSync(krb, `QuorumServer { com.sun.security.auth.module.Krb5LoginModule required; };\nQuorumLearner { ${DIGEST} required username="zk" password="s"; };\n`);
    expect(problems(`${base}${on}`, { SERVER_JVMFLAGS: `-Djava.security.auth.login.config=${krb}` }).join("\n")).toMatch(/Krb5LoginModule.*no Kerberos/);
  });
});

