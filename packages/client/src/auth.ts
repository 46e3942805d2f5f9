/**
 * The session's auth identities, as ClientCnxn's authInfo: every addAuth is kept and replayed first on each new
 * connection; auth replies (xid -4) confirm them in the order they were sent, and a rejected one ends the session.
 */
import { encodeRequest, OpCode, Xid } from "@zkts/client-wire";

export interface AuthEntry {
  scheme: string;
  auth: Buffer;
  confirmed: boolean;
  waiters: Array<{ resolve: () => void; reject: (e: unknown) => void }>;
}

export class Auths {
  /** Every identity of the session, in the order it was added. */
  readonly entries: AuthEntry[] = [];
  /** Identities sent on this connection and not yet answered, in sending order. */
  private readonly sent: AuthEntry[] = [];

  /** Adds an identity; the promise settles when the server answers it (or the session ends). */
  add(scheme: string, auth: Buffer): { entry: AuthEntry; done: Promise<void> } {
    const entry: AuthEntry = { scheme, auth, confirmed: false, waiters: [] };
    const done = new Promise<void>((resolve, reject) => entry.waiters.push({ resolve, reject }));
    this.entries.push(entry);
    return { entry, done };
  }

  /** Adds an identity nobody waits for (options.authInfo). */
  addQuiet(scheme: string, auth: Buffer): void {
    this.entries.push({ scheme, auth, confirmed: false, waiters: [] });
  }

  /** The auth packet of an identity, remembered as awaiting its reply. */
  packet(entry: AuthEntry): Buffer {
    this.sent.push(entry);
    return encodeRequest({ xid: Xid.AUTH, type: OpCode.auth, body: { type: 0, scheme: entry.scheme, auth: entry.auth } });
  }

  /** An auth reply arrived: confirms the oldest identity awaiting one. False when the server rejected it. */
  replied(err: number): boolean {
    const entry = this.sent.shift();
    if (err !== 0) return false;
    if (entry) {
      entry.confirmed = true;
      for (const w of entry.waiters.splice(0)) w.resolve();
    }
    return true;
  }

  /** The connection is gone: no reply will come for what was sent on it. */
  connectionLost(): void {
    this.sent.length = 0;
  }

  /** The session ended: everyone still waiting fails. */
  rejectAll(error: () => unknown): void {
    for (const a of this.entries) for (const w of a.waiters.splice(0)) w.reject(error());
  }
}
