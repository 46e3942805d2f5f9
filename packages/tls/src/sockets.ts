/**
 * Socket-level helpers shared by zkts's TLS listeners (the client port in @zkts/nio-cnxn, the quorum ports in
 * QuorumTls): spotting a TLS record, replaying bytes already read into a TLS layer, reading Node's verdict on a
 * hand-made TLSSocket's peer chain, dialling plain TCP with a timeout, and watching store files for reloads.
 */
import { watch, type FSWatcher } from "node:fs";
import * as net from "node:net";
import { basename, dirname } from "node:path";
import { Duplex } from "node:stream";
import type * as tls from "node:tls";
import type { ClientTlsSettings } from "./settings.js";

/** Netty's SslHandler.isEncrypted on the first 5 bytes: a TLS record header (SSLv3/TLS content type, major 3). */
export function looksLikeTls(head: Buffer): boolean {
  const type = head[0]!;
  return type >= 20 && type <= 23 && head[1] === 3;
}

/** A stream that yields `first` and then the socket's bytes (the TLS layer must see the bytes read to detect it). */
export function replay(socket: net.Socket, first: Buffer): Duplex {
  const d = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      socket.write(chunk, cb);
    },
    final(cb) {
      socket.end();
      cb();
    },
    destroy(err, cb) {
      socket.destroy();
      cb(err);
    },
  });
  d.push(first);
  socket.on("data", (c: Buffer) => {
    if (!d.push(c)) socket.pause();
  });
  socket.on("end", () => d.push(null));
  socket.on("close", () => d.destroy());
  socket.on("error", (e) => d.destroy(e));
  return d;
}

/**
 * Node's verdict on the peer's chain for a TLSSocket made by hand (tls.Server would set authorizationError). Fails
 * closed if this Node has no such handle method.
 */
export function verifyError(ts: tls.TLSSocket): Error | null {
  const handle = (ts as unknown as { _handle?: { verifyError?: () => Error | null } })._handle;
  if (typeof handle?.verifyError !== "function") return new Error("cannot read the certificate verification result");
  return handle.verifyError();
}

/** A plain TCP connection, or a rejection (refused, or not connected within `timeoutMs`). */
export function dialPlain(host: string, port: number, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port });
    const t = setTimeout(() => s.destroy(new Error("connect timeout")), timeoutMs);
    s.once("error", (e) => {
      clearTimeout(t);
      reject(e);
    });
    s.once("connect", () => {
      clearTimeout(t);
      s.removeAllListeners("error");
      resolve(s);
    });
  });
}

/**
 * X509Util.enableCertFileReloading: watches the key and trust stores' directories and calls `changed` once writes
 * to those files settle for `settleMs`. Returns the function that stops watching. A directory that cannot be
 * watched is reported through `failed` and skipped.
 */
export function watchStoreFiles(
  settings: Pick<ClientTlsSettings, "keyStore" | "trustStore">,
  changed: () => void,
  settleMs: number,
  failed: (dir: string, error: Error) => void = () => {},
): () => void {
  const files = [settings.keyStore?.location, settings.trustStore?.location].filter((f): f is string => f !== undefined);
  const byDir = new Map<string, Set<string>>();
  for (const f of files) byDir.set(dirname(f), (byDir.get(dirname(f)) ?? new Set<string>()).add(basename(f)));
  const watchers: FSWatcher[] = [];
  let timer: NodeJS.Timeout | undefined;
  for (const [dir, names] of byDir) {
    try {
      const w = watch(dir, (_event, name) => {
        if (name !== null && !names.has(name.toString())) return;
        // Editors and tools write in steps: reload once the writes settle.
        if (timer !== undefined) clearTimeout(timer);
        timer = setTimeout(() => {
          timer = undefined;
          changed();
        }, settleMs);
        timer.unref();
      });
      w.unref();
      watchers.push(w);
    } catch (e) {
      failed(dir, e as Error);
    }
  }
  return () => {
    for (const w of watchers.splice(0)) w.close();
    if (timer !== undefined) clearTimeout(timer);
  };
}
