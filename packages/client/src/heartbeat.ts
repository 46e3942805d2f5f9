/**
 * Pings and the read timeout, as ClientCnxn.SendThread: once a session is up, a ping goes out after a third of the
 * negotiated timeout without sending, and a connection silent for two thirds of it is dropped (the client then
 * reconnects). Checked every tenth of the timeout (at least every 10 ms).
 */
import { encodeRequest, OpCode, Xid } from "@zkts/client-wire";

export class Heartbeat {
  /** When bytes last went out / came in (Date.now()). */
  lastSend = 0;
  lastRecv = 0;
  private ticker: NodeJS.Timeout | undefined;

  /** Starts checking for a session of `negotiatedTimeout` ms; `silent` drops the connection, `ping` sends one. */
  start(negotiatedTimeout: number, silent: () => void, ping: (packet: Buffer) => void): void {
    const readTimeout = Math.floor((negotiatedTimeout * 2) / 3);
    const pingInterval = Math.floor(negotiatedTimeout / 3);
    this.lastRecv = Date.now();
    this.ticker = setInterval(
      () => {
        const now = Date.now();
        if (now - this.lastRecv >= readTimeout) silent();
        else if (now - this.lastSend >= pingInterval) ping(encodeRequest({ xid: Xid.PING, type: OpCode.ping, body: null }));
      },
      Math.max(10, Math.floor(negotiatedTimeout / 10)),
    );
  }

  stop(): void {
    clearInterval(this.ticker);
    this.ticker = undefined;
  }
}
