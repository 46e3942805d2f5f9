import { afterEach, expect, it } from "vitest";
import { LeaderSelector } from "./index.js";
import { Clients, describeServers, uniq, waitFor } from "./testing/servers.js";

describeServers("LeaderSelector", (server) => {
  const clients = new Clients(server);
  afterEach(() => clients.closeAll());

  it("one leader at a time in queue order (lock- nodes with the ids), requeued with autoRequeue", async () => {
    const path = uniq("selector");
    const log: string[] = [];
    let leading = 0;
    let maxLeading = 0;
    const selectors = await Promise.all(
      ["a", "b", "c"].map(
        async (id) =>
          new LeaderSelector(
            await clients.connect(),
            path,
            async () => {
              leading++;
              maxLeading = Math.max(maxLeading, leading);
              log.push(id);
              await new Promise((r) => setTimeout(r, 20));
              leading--;
            },
            { id, autoRequeue: true },
          ),
      ),
    );
    for (const s of selectors) s.start();
    await waitFor(() => log.length >= 9, 15_000, "9 leaderships");
    // Between terms a participant's node is briefly gone (released, not yet queued again): wait for all three.
    const participants = (await waitFor(async () => {
      const p = await selectors[0]!.getParticipants();
      return p.length === 3 ? p : undefined;
    }, 10_000, "3 participants"))!;
    expect(participants.map((p) => p.id).sort()).toEqual(["a", "b", "c"]);
    expect(participants.filter((p) => p.isLeader)).toHaveLength(1);
    await Promise.all(selectors.map((s) => s.close()));
    expect(maxLeading).toBe(1);
    expect(new Set(log.slice(0, 9))).toEqual(new Set(["a", "b", "c"]));
  });

  it("leadership is cancelled (its signal aborts) when the session is lost, and the next participant leads", async () => {
    const path = uniq("cancel");
    const ca = await clients.connect();
    let aborted: unknown;
    const a = new LeaderSelector(ca, path, (signal) => new Promise<void>((resolve) => signal.addEventListener("abort", () => ((aborted = signal.reason), resolve()))), { id: "a" });
    let bLeads = false;
    const b = new LeaderSelector(await clients.connect(), path, () => void (bLeads = true), { id: "b" });
    a.start();
    await waitFor(() => a.hasLeadership, 5000, "a leads");
    b.start();
    await waitFor(async () => (await b.getParticipants()).length === 2, 5000, "b queued");
    expect((await b.getLeader())!.id).toBe("a");
    await clients.expire(ca);
    await waitFor(() => bLeads, 10_000, "b leads");
    expect(aborted).toBeInstanceOf(Error);
    expect(a.hasLeadership).toBe(false);
    await a.close();
    await b.close();
  });

  it("interruptLeadership ends the current leadership", async () => {
    const path = uniq("interrupt");
    let ended = false;
    const s = new LeaderSelector(await clients.connect(), path, (signal) => new Promise<void>((r) => signal.addEventListener("abort", () => ((ended = true), r()))));
    s.start();
    await waitFor(() => s.hasLeadership, 5000, "leads");
    s.interruptLeadership();
    await waitFor(() => ended && !s.hasLeadership, 5000, "ended");
    await s.close();
  });
});
