/**
 * Deterministic cluster simulation of ZabPeer (TigerBeetle / FoundationDB style): one seed drives a virtual clock,
 * a TCP-like network (per-connection FIFO; delays, drops that break the connection, stale duplicates delivered
 * after a connection died, partitions, silent or reset closes), disks that lose unsynced writes (a torn prefix
 * survives a crash), crashes and restarts, a leader-picking stand-in (sometimes picking a stale leader) and
 * clients proposing to the leader. Invariants are checked after every event; a failing seed replays exactly.
 *
 * This module is the run loop and the event dispatch; the parts are world.ts (state), network.ts, disk.ts
 * (disks, crashes, restarts), host.ts (each server's persist -> send -> apply -> advance loop), clients.ts
 * (client requests, the leader-picking stand-in), history.ts and checker.ts (the invariants).
 */
import { checkConverged, checkEveryStep } from "./checker.js";
import { clientRequest, maybeElect } from "./clients.js";
import { crash, restart } from "./disk.js";
import { finishReady, pumpAll } from "./host.js";
import { onAccept, onClosed, onConnected, onDeliver, startPartition } from "./network.js";
import { type Ev, InvariantViolation, type SimOptions, type SimResult, SimWorld, TICK_MS } from "./world.js";

export { InvariantViolation, type SimFaults, type SimOptions, type SimResult } from "./world.js";

export class ZabSimulator {
  private readonly w: SimWorld;
  readonly trace: string[];
  readonly stats: SimResult["stats"];

  constructor(private readonly opts: SimOptions) {
    this.w = new SimWorld(opts);
    this.trace = this.w.trace;
    this.stats = this.w.stats;
  }

  run(): SimResult {
    const w = this.w;
    const chaosMs = this.opts.chaosMs ?? 20_000;
    const settleMs = this.opts.settleMs ?? 12_000;
    const end = chaosMs + settleMs;
    if (w.faults.crashEveryMs > 0) w.q.push(w.rnd.int(0, 2 * w.faults.crashEveryMs), { k: "crash" });
    if (w.faults.partitionEveryMs > 0) w.q.push(w.rnd.int(0, 2 * w.faults.partitionEveryMs), { k: "partition" });
    w.q.push(50, { k: "client" });
    w.q.push(chaosMs, { k: "endChaos" });
    let violation: string | undefined;
    try {
      for (;;) {
        const e = w.q.pop();
        if (!e || e.at > end) break;
        w.now = e.at;
        w.stats.events++;
        this.handle(e.ev);
        pumpAll(w);
        checkEveryStep(w);
      }
      w.now = end;
      checkConverged(w);
    } catch (err) {
      if (!(err instanceof InvariantViolation)) throw err;
      violation = err.message;
      w.log(`VIOLATION ${violation}`);
    }
    w.stats.virtualMs = w.now;
    const r: SimResult = { seed: this.opts.seed, ok: violation === undefined, trace: w.trace, stats: w.stats };
    if (violation !== undefined) r.violation = violation;
    return r;
  }

  private handle(ev: Ev): void {
    const w = this.w;
    switch (ev.k) {
      case "tick": {
        const s = w.servers.get(ev.sid)!;
        if (!s.up || s.life !== ev.life) return;
        s.peer.tick();
        maybeElect(w, s);
        w.q.push(w.now + TICK_MS, ev);
        return;
      }
      case "disk": {
        const s = w.servers.get(ev.sid)!;
        if (!s.up || s.life !== ev.life) return;
        finishReady(w, s);
        return;
      }
      case "deliver":
        return onDeliver(w, ev);
      case "accept":
        return onAccept(w, ev.conn);
      case "connected":
        return onConnected(w, ev.conn);
      case "connectFailed": {
        const s = w.servers.get(ev.sid)!;
        if (s.up && s.life === ev.life) s.peer.connectFailed();
        return;
      }
      case "closed":
        return onClosed(w, ev);
      case "crash": {
        if (!w.chaos) return;
        const up = [...w.servers.values()].filter((s) => s.up);
        if (up.length > 0) crash(w, w.rnd.pick(up));
        w.q.push(w.now + w.rnd.int(1, 2 * w.faults.crashEveryMs), { k: "crash" });
        return;
      }
      case "restart":
        restart(w, w.servers.get(ev.sid)!);
        return;
      case "partition":
        if (!w.chaos) return;
        return startPartition(w);
      case "heal":
        if (w.partition) w.log("heal");
        w.partition = null;
        return;
      case "client":
        return clientRequest(w);
      case "endChaos": {
        w.chaos = false;
        w.partition = null;
        w.log("end of chaos: heal, restart everything");
        for (const s of w.servers.values()) if (!s.up) restart(w, s);
        // Clients stop 4 s before the end so the cluster can quiesce.
        w.stopClientsAt = w.now + (this.opts.settleMs ?? 12_000) - 4000;
        return;
      }
    }
  }
}

export function simulate(opts: SimOptions): SimResult {
  return new ZabSimulator(opts).run();
}
