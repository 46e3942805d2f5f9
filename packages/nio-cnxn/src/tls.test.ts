import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tls from "node:tls";
import { FrameDecoder } from "@zkts/jute";
import { MetricsRegistry } from "@zkts/metrics";
import { parseClientTlsSettings } from "@zkts/tls";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer, type StartServerOptions } from "./server.js";
import { FakeCore, fourLetter, sleep, waitFor } from "./testing/harness.js";

const haveOpenssl = existsSync("/usr/bin/openssl");
let dir: string;
const p = (f: string) => join(dir, f);
const ossl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"], timeout: 20_000 });

/** A CA, and a certificate signed by it (`days` < 0: already expired). */
function issue(name: string, subj: string, ca: string, days = 2): void {
  ossl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", subj);
  ossl("x509", "-req", "-in", `${name}.csr`, "-CA", `${ca}.pem`, "-CAkey", `${ca}.key`, "-CAcreateserial", "-out", `${name}.pem`, "-days", String(days));
}

beforeAll(() => {
  if (!haveOpenssl) return;
  dir = mkdtempSync(join(tmpdir(), "zkts-niotls-"));
  for (const ca of ["ca", "otherca"]) ossl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", `${ca}.key`, "-out", `${ca}.pem`, "-days", "2", "-subj", `/CN=${ca}`);
  issue("server", "/CN=server one", "ca");
  issue("server2", "/CN=server two", "ca");
  issue("client", "/CN=client one/O=zkts", "ca");
  issue("stranger", "/CN=stranger", "otherca");
  issue("expired", "/CN=expired", "ca", -1);
  for (const s of ["server", "server2"]) writeFileSync(p(`${s}-store.pem`), readFileSync(p(`${s}.key`), "utf8") + readFileSync(p(`${s}.pem`), "utf8"));
  copyFileSync(p("server-store.pem"), p("keystore.pem"));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const running: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

function settings(clientAuth = "need") {
  return parseClientTlsSettings(
    (k) => ({ "keyStore.location": p("keystore.pem"), "trustStore.location": p("ca.pem"), clientAuth })[k],
  );
}

async function start(core: FakeCore, opts: Partial<StartServerOptions> & { clientAuth?: string } = {}): Promise<RunningServer> {
  const s = await startServer({
    host: "127.0.0.1",
    port: 0,
    core,
    secure: { port: 0, host: "127.0.0.1" },
    tls: { settings: settings(opts.clientAuth), handshakeTimeoutMs: 2000, ...opts.tls },
    ...opts,
  });
  running.push(s);
  return s;
}

interface TlsClient {
  socket: tls.TLSSocket;
  frames: Buffer[];
  closed: Promise<void>;
}

/** A TLS client; resolves once the handshake is done, rejects if it fails. */
function tlsClient(port: number, cert?: string, session?: Buffer): Promise<TlsClient> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host: "127.0.0.1",
      port,
      ...(session !== undefined ? { session } : {}),
      ca: readFileSync(p("ca.pem")),
      checkServerIdentity: () => undefined,
      ...(cert !== undefined ? { key: readFileSync(p(`${cert}.key`)), cert: readFileSync(p(`${cert}.pem`)) } : {}),
    });
    const frames: Buffer[] = [];
    const dec = new FrameDecoder();
    socket.on("data", (c: Buffer) => {
      try {
        dec.push(c, (f) => frames.push(Buffer.from(f)));
      } catch {
        // not frames (a four-letter word answer)
      }
    });
    const closed = new Promise<void>((r) => socket.once("close", () => r()));
    socket.once("secureConnect", () => {
      // TLS 1.2: the server's verdict on our certificate is known once the first bytes come back (or the close).
      resolve({ socket, frames, closed });
    });
    socket.once("error", reject);
  });
}

function framed(s: string): Buffer {
  const b = Buffer.from(s);
  const h = Buffer.alloc(4);
  h.writeInt32BE(b.length);
  return Buffer.concat([h, b]);
}

/** Sends a connect-like frame; true when the server echoes it (the connection is served). */
async function served(c: TlsClient): Promise<boolean> {
  c.socket.on("error", () => {});
  c.socket.write(framed("hello"));
  const ok = await Promise.race([waitFor(() => c.frames.length > 0, 3000).then(() => true), c.closed.then(() => false)]).catch(() => false);
  return ok && c.frames[0]!.toString() === "hello";
}

/** Handshake and a first frame; false when the handshake or the connection is refused. */
async function tryClient(port: number, cert?: string): Promise<boolean> {
  try {
    const c = await tlsClient(port, cert);
    const ok = await served(c);
    c.socket.destroy();
    return ok;
  } catch {
    return false;
  }
}

describe.runIf(haveOpenssl)("secure client port", () => {
  it("serves a client with a trusted certificate; the connection is secure with its x509 subject (Java's form)", async () => {
    const core = new FakeCore();
    const s = await start(core);
    expect(s.securePort).toBeGreaterThan(0);
    const c = await tlsClient(s.securePort!, "client");
    expect(await served(c)).toBe(true);
    expect(c.socket.getProtocol()).toBe("TLSv1.2");
    const conn = core.connects[0]!.conn;
    expect(conn.secure).toBe(true);
    expect(conn.x509Subject).toBe("O=zkts,CN=client one");
    expect(conn.peerCertificates?.length).toBeGreaterThanOrEqual(1);
    c.socket.destroy();
    // the plain port still serves plain clients, without identity
    const plain = net.connect(s.port, "127.0.0.1");
    plain.write(framed("plain"));
    await waitFor(() => core.connects.length === 2);
    expect(core.connects[1]!.conn.secure).toBe(false);
    expect(core.connects[1]!.conn.x509Subject).toBeUndefined();
    plain.destroy();
  });

  it("serves a client that resumes its TLS session on reconnect, as JSSE does (a session id context is set)", async () => {
    const core = new FakeCore();
    const s = await start(core);
    const first = await tlsClient(s.securePort!, "client");
    expect(await served(first)).toBe(true);
    const session = first.socket.getSession();
    first.socket.destroy();
    expect(session).toBeDefined();
    const again = await tlsClient(s.securePort!, "client", session);
    expect(await served(again)).toBe(true);
    expect(again.socket.isSessionReused()).toBe(true);
    again.socket.destroy();
  });

  it("need: refuses no certificate, a certificate of another CA and an expired one; counts them; keeps serving", async () => {
    const core = new FakeCore();
    const metrics = new MetricsRegistry();
    const s = await start(core, { metrics });
    expect(await tryClient(s.securePort!)).toBe(false);
    expect(await tryClient(s.securePort!, "stranger")).toBe(false);
    expect(await tryClient(s.securePort!, "expired")).toBe(false);
    await waitFor(() => s.tls!.failedHandshakes === 3);
    expect(metrics.counter("unsuccessful_handshake").value).toBe(3);
    expect(core.connects).toHaveLength(0);
    expect(await tryClient(s.securePort!, "client")).toBe(true);
  });

  it("want: serves a client without a certificate (no x509 subject) but refuses an untrusted one", async () => {
    const core = new FakeCore();
    const s = await start(core, { clientAuth: "want" });
    expect(await tryClient(s.securePort!)).toBe(true);
    expect(core.connects[0]!.conn.secure).toBe(true);
    expect(core.connects[0]!.conn.x509Subject).toBeUndefined();
    expect(await tryClient(s.securePort!, "stranger")).toBe(false);
    expect(await tryClient(s.securePort!, "client")).toBe(true);
    expect(core.connects[1]!.conn.x509Subject).toBe("O=zkts,CN=client one");
  });

  it("none: asks for no certificate, so even a client that has one gets no x509 subject", async () => {
    const core = new FakeCore();
    const s = await start(core, { clientAuth: "none" });
    expect(await tryClient(s.securePort!, "client")).toBe(true);
    expect(core.connects[0]!.conn.x509Subject).toBeUndefined();
  });

  it("answers four-letter words inside TLS, and closes plain bytes and garbage on the TLS port (bounded)", async () => {
    const core = new FakeCore();
    const s = await start(core, { clientAuth: "none" });
    const c = await tlsClient(s.securePort!);
    let text = "";
    c.socket.on("data", (d: Buffer) => (text += d.toString()));
    c.socket.write("srvr");
    await c.closed;
    expect(text).toMatch(/^Zookeeper version: /);
    expect(text).toMatch(/Mode: standalone/);
    // plain four-letter word and random bytes on the TLS port: refused, counted, nothing reaches core
    expect(await fourLetter(s.securePort!, "srvr")).toBe("");
    const rounds = 30;
    for (let i = 0; i < rounds; i++) {
      const g = net.connect(s.securePort!, "127.0.0.1");
      g.on("error", () => {});
      // Read what the server sends (a TLS alert, before it closes): a paused socket with unread bytes never emits 'end', so never 'close'.
      g.resume();
      const junk = randomBytes(1 + (i * 37) % 700);
      if (i % 3 === 0) junk[0] = 0x16; // looks like a handshake record, then nonsense
      g.end(junk);
      await new Promise<void>((r) => g.once("close", () => r()));
    }
    await waitFor(() => s.tls!.failedHandshakes === rounds + 1, 8000);
    expect(core.connects).toHaveLength(0);
    expect(await tryClient(s.securePort!)).toBe(true);
  }, 30_000);

  it("drops a handshake that does not finish in time", async () => {
    const core = new FakeCore();
    const s = await start(core, { tls: { settings: settings(), handshakeTimeoutMs: 300 } });
    const g = net.connect(s.securePort!, "127.0.0.1");
    g.on("error", () => {});
    g.resume();
    const closed = new Promise<void>((r) => g.once("close", () => r()));
    await closed;
    expect(s.tls!.failedHandshakes).toBe(1);
  });

  it("reloads the key store when its file changes (zookeeper.client.certReload)", async () => {
    copyFileSync(p("server-store.pem"), p("keystore.pem"));
    const core = new FakeCore();
    const s = await start(core, { tls: { settings: settings(), certReload: true } });
    const subjectOfServer = async () => {
      const c = await tlsClient(s.securePort!, "client");
      const cn = c.socket.getPeerCertificate().subject.CN;
      c.socket.destroy();
      return cn;
    };
    expect(await subjectOfServer()).toBe("server one");
    copyFileSync(p("server2-store.pem"), p("keystore.pem"));
    await waitFor(() => s.tls!.reloads >= 1, 5000);
    expect(await subjectOfServer()).toBe("server two");
    copyFileSync(p("server-store.pem"), p("keystore.pem"));
  });
});

describe.runIf(haveOpenssl)("client.portUnification", () => {
  it("serves plain and TLS clients, and plain four-letter words, on one port", async () => {
    const core = new FakeCore();
    const s = await startServer({ host: "127.0.0.1", port: 0, core, portUnification: true, tls: { settings: settings() } });
    running.push(s);
    expect(s.securePort).toBeUndefined();
    expect(await fourLetter(s.port, "srvr")).toMatch(/Mode: standalone/);
    const plain = net.connect(s.port, "127.0.0.1");
    plain.write(framed("plain"));
    await waitFor(() => core.connects.length === 1);
    expect(core.connects[0]!.conn.secure).toBe(false);
    expect(core.connects[0]!.conn.remoteAddress).toBe("127.0.0.1");
    plain.destroy();
    const c = await tlsClient(s.port, "client");
    expect(await served(c)).toBe(true);
    expect(core.connects[1]!.conn.secure).toBe(true);
    expect(core.connects[1]!.conn.x509Subject).toBe("O=zkts,CN=client one");
    expect(core.connects[1]!.conn.remoteAddress).toBe("127.0.0.1");
    c.socket.destroy();
    expect(await tryClient(s.port, "stranger")).toBe(false);
    await sleep(10);
  });
});
