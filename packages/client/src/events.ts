/**
 * Delivering watch events, as ClientCnxn.EventThread: a server notification (chroot stripped) goes to every
 * callback the watch manager holds for it; a callback that throws is reported as `watcherError` (or rethrown
 * outside the client when nobody listens) and does not stop the others.
 */
import type { EventEmitter } from "node:events";
import { EventType, type KeeperState } from "@zkts/client-wire";
import type { WatcherEvent } from "@zkts/jute";
import { stripChroot } from "./connect-string.js";
import type { ClientEvents } from "./types.js";
import { makeEvent, type WatchEvent, type Watcher, type WatchManager } from "./watch-manager.js";

/** Calls one watcher; a throw goes to the `watcherError` listeners, or is rethrown in a microtask. */
export function deliver(events: EventEmitter<ClientEvents>, w: Watcher, event: WatchEvent): void {
  try {
    w(event);
  } catch (e) {
    if (events.listenerCount("watcherError") > 0) events.emit("watcherError", e, event);
    else queueMicrotask(() => {
      throw e;
    });
  }
}

/** A notification (xid -1) from the server: fire the watchers registered for it. */
export function dispatchNotification(ev: WatcherEvent, chroot: string, watches: WatchManager, events: EventEmitter<ClientEvents>): void {
  if (ev.type === EventType.None) return;
  const serverPath = ev.path ?? "/";
  const path = stripChroot(chroot, serverPath);
  const event = makeEvent(ev.type as EventType, path, ev.state as KeeperState);
  for (const w of watches.materialize(ev.type as EventType, path)) deliver(events, w, event);
}
