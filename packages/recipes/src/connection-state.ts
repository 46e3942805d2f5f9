/**
 * Curator's ConnectionStateListener semantics over a @zkts/client session: one tracker per client, shared by every
 * recipe on it.
 *
 * | client state | ConnectionState |
 * | --- | --- |
 * | first `connected` | CONNECTED |
 * | `disconnected` | SUSPENDED (the session may still be alive: what the recipe holds is uncertain) |
 * | `connected` after SUSPENDED | RECONNECTED (same session: ephemerals and watches survived) |
 * | `connectedReadOnly` | READ_ONLY |
 * | `expired`, `closed` | LOST (the session is gone: its ephemerals, and so its locks and leadership, are gone) |
 */
import { EventEmitter } from "node:events";
import type { SessionState, ZooKeeperClient } from "@zkts/client";

export type ConnectionState = "CONNECTED" | "SUSPENDED" | "RECONNECTED" | "LOST" | "READ_ONLY";

/** True for the states in which a recipe must assume it no longer holds what it held (Curator's default policy). */
export function isErrorState(state: ConnectionState): boolean {
  return state === "SUSPENDED" || state === "LOST";
}

export interface ConnectionStateEvents {
  state: [state: ConnectionState];
}

const trackers = new WeakMap<ZooKeeperClient, ConnectionStateTracker>();

export class ConnectionStateTracker extends EventEmitter<ConnectionStateEvents> {
  /** The latest state; undefined before the session was first established. */
  state: ConnectionState | undefined;

  private constructor(readonly client: ZooKeeperClient) {
    super();
    this.setMaxListeners(0);
    const s = client.state;
    if (s === "connected") this.state = "CONNECTED";
    else if (s === "connectedReadOnly") this.state = "READ_ONLY";
    else if (s === "expired" || s === "closed") this.state = "LOST";
    client.on("state", (next: SessionState) => this.onClientState(next));
  }

  /** The tracker of a client (created on first use). */
  static of(client: ZooKeeperClient): ConnectionStateTracker {
    let t = trackers.get(client);
    if (t === undefined) {
      t = new ConnectionStateTracker(client);
      trackers.set(client, t);
    }
    return t;
  }

  /** True once the session is gone: nothing a recipe does on this client can succeed any more. */
  get lost(): boolean {
    return this.state === "LOST";
  }

  private onClientState(next: SessionState): void {
    let mapped: ConnectionState | undefined;
    switch (next) {
      case "connected":
        mapped = this.state === undefined ? "CONNECTED" : this.state === "SUSPENDED" || this.state === "READ_ONLY" ? "RECONNECTED" : undefined;
        break;
      case "connectedReadOnly":
        mapped = "READ_ONLY";
        break;
      case "disconnected":
        mapped = this.state === "LOST" || this.state === "SUSPENDED" ? undefined : "SUSPENDED";
        break;
      case "expired":
      case "closed":
        mapped = this.state === "LOST" ? undefined : "LOST";
        break;
      default:
        mapped = undefined;
    }
    if (mapped === undefined) return;
    this.state = mapped;
    this.emit("state", mapped);
  }
}
