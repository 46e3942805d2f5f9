/** Session expiry on demand, as ZooKeeper's own tests and kazoo's harness do it. */
import { connect } from "@zkts/client";

/**
 * Ends a client's session from outside: a second connection takes the session over (same id and password) and
 * closes it. The server ends the session; the original client, moved off and reconnecting, learns that its
 * session expired (SESSION_EXPIRED) and its ephemerals are gone. Works against zkts and Apache ZooKeeper.
 */
export async function expireSession(connectString: string, sessionId: bigint, sessionPassword: Buffer): Promise<void> {
  const thief = await connect(connectString, { sessionId, sessionPassword, sessionTimeout: 30_000 });
  await thief.close();
}
