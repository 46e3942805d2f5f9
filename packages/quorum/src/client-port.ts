/**
 * An ensemble member's client port: requests go to the core of the current serving period, to the read-only
 * server while looking (readonlymode.enabled), or the connection is closed ("not serving"). The four-letter words
 * and the AdminServer read the serving core's info, with the member's state in it.
 */
import type { ClientPortHandler, ServerConnection, ServerInfo } from "@zkts/contracts";
import type { ZooKeeperServer } from "@zkts/core";
import type { ReadOnlyServer } from "./read-only.js";

export interface ClientPortView {
  /** The core of the current serving period, if ZAB is active. */
  core(): ZooKeeperServer | undefined;
  readOnly(): ReadOnlyServer | undefined;
  /** The core whose info the 4lw print (the idle one when none serves). */
  serving(): ZooKeeperServer;
  /** srvr's Mode. */
  modeName(): string;
  /** mntr's zk_peer_state (QuorumPeer.getDetailedPeerState). */
  peerState(): string;
}

export function clientPortSwitch(view: ClientPortView): ClientPortHandler {
  return {
    handleConnect(conn: ServerConnection, payload: Buffer) {
      const core = view.core();
      const ro = view.readOnly();
      if (core !== undefined) core.handleConnect(conn, payload);
      else if (ro !== undefined) ro.handleConnect(conn, payload);
      else conn.close("not serving: this member has no leader/quorum");
    },
    handlePacket(conn: ServerConnection, payload: Buffer) {
      const core = view.core();
      const ro = view.readOnly();
      if (core !== undefined) core.handlePacket(conn, payload);
      else if (ro !== undefined) ro.handlePacket(conn, payload);
      else conn.close("not serving");
    },
    connectionClosed(conn: ServerConnection) {
      view.core()?.connectionClosed(conn);
      view.readOnly()?.connectionClosed(conn);
    },
    get outstanding() {
      return (view.core() ?? view.readOnly()?.core)?.outstanding ?? 0;
    },
    onOutstandingDrained: undefined,
    info: new Proxy({} as ServerInfo, {
      get(_t, prop) {
        if (prop === "serverState") return view.modeName();
        if (prop === "peerState") return view.peerState();
        if (prop === "notServing") return view.core() === undefined && view.readOnly() === undefined;
        if (prop === "isReadOnly") return view.core() === undefined && view.readOnly() !== undefined;
        const i = view.serving().info as unknown as Record<string | symbol, unknown>;
        const v = i[prop];
        return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(i) : v;
      },
      has(_t, prop) {
        return prop in view.serving().info;
      },
    }),
  };
}
