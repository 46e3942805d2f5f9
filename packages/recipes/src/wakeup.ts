/**
 * Waiting without polling: a Wakeup is handed to a ZooKeeper watch as its callback and awaited. It also ends on
 * the caller's AbortSignal, on a deadline, on RECONNECTED (look again: events of the gap are replayed, but a
 * recipe re-reads anyway) and on LOST (the session, and whatever the recipe held in it, is gone).
 */
import { SessionExpiredError } from "@zkts/client";
import type { ConnectionState, ConnectionStateTracker } from "./connection-state.js";

export type WakeReason = "event" | "timeout" | "reconnected";

export class Wakeup {
  private woken = false;
  private resolve: ((r: WakeReason) => void) | undefined;

  constructor(
    private readonly tracker: ConnectionStateTracker,
    private readonly signal?: AbortSignal,
  ) {}

  /** The watch callback: wakes the waiter (now, or as soon as it waits). */
  readonly wake = (): void => {
    this.woken = true;
    this.resolve?.("event");
  };

  /**
   * Resolves "event" when woken (at once if woken already), "timeout" at `deadline` (a Date.now() value),
   * "reconnected" on RECONNECTED; rejects on abort and on LOST.
   */
  wait(deadline?: number): Promise<WakeReason> {
    if (this.woken) return Promise.resolve("event");
    if (this.signal?.aborted) return Promise.reject(this.signal.reason);
    if (this.tracker.lost) return Promise.reject(new SessionExpiredError(undefined, "the session is lost"));
    return new Promise<WakeReason>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const onAbort = () => finish(() => reject(this.signal!.reason));
      const onState = (s: ConnectionState) => {
        if (s === "LOST") finish(() => reject(new SessionExpiredError(undefined, "the session is lost")));
        else if (s === "RECONNECTED") finish(() => resolve("reconnected"));
      };
      const finish = (settle: () => void) => {
        if (timer !== undefined) clearTimeout(timer);
        this.signal?.removeEventListener("abort", onAbort);
        this.tracker.off("state", onState);
        this.resolve = undefined;
        settle();
      };
      this.resolve = (r) => finish(() => resolve(r));
      this.signal?.addEventListener("abort", onAbort, { once: true });
      this.tracker.on("state", onState);
      if (deadline !== undefined) timer = setTimeout(() => finish(() => resolve("timeout")), Math.max(0, deadline - Date.now()));
    });
  }
}
