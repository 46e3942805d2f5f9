import { afterAll, describe, expect, it } from "vitest";
import { makeEnsemble, waitFor, type Ensemble, type Member } from "./ensemble-helpers.js";

/** The AdminServer port a member logged ("Started AdminServer", admin.serverPort=0). */
function adminPort(m: Member): number {
  const line = m.proc!.output().split("\n").find((l) => l.includes('"msg":"Started AdminServer"'));
  if (line === undefined) throw new Error(`server.${m.id} logged no AdminServer start:\n${m.proc!.output()}`);
  return (JSON.parse(line) as { port: number }).port;
}

async function getJson(port: number, path: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(5000) });
  return { status: r.status, json: (await r.json()) as Record<string, unknown> };
}

describe("AdminServer on ensemble members (3 real processes)", () => {
  let e: Ensemble | undefined;
  afterAll(async () => {
    await e?.stopAll();
  });

  it("leader, zabstate, voting_view and readiness follow the quorum", async () => {
    e = await makeEnsemble(3, { extra: { "admin.enableServer": "true", "admin.serverPort": "0", "admin.serverAddress": "127.0.0.1" } });
    await Promise.all(e.members.map((m) => e!.start(m)));
    const leader = await e.waitStable();
    for (const m of e.members) {
      const port = adminPort(m);
      await waitFor(async () => (await getJson(port, "/ready")).status === 200, 10_000, `server.${m.id} ready`);
      const lead = (await getJson(port, "/commands/leader")).json;
      expect(lead).toMatchObject({ is_leader: m === leader, leader_id: leader.id, error: null });
      const zab = (await getJson(port, "/commands/zabstate")).json;
      expect(zab).toMatchObject({ myid: m.id, is_leader: m === leader, voting: true, zabstate: "broadcast" });
      const view = (await getJson(port, "/commands/voting_view")).json.current_config as Record<string, unknown>;
      expect(Object.keys(view).sort()).toEqual(["1", "2", "3"]);
      const stat = (await getJson(port, "/commands/srvr")).json as { server_stats: { server_state: string } };
      expect(stat.server_stats.server_state).toBe(m === leader ? "leader" : "follower");
    }
    // A member alone (the other two gone) has no leader: not ready, and the commands that need a server say so.
    const last = e.members.find((m) => m !== leader)!;
    for (const m of e.members) if (m !== last) await e.kill(m);
    const port = adminPort(last);
    await waitFor(async () => (await getJson(port, "/ready")).status === 503, 15_000, "alone member not ready");
    expect((await getJson(port, "/commands/stats")).json.error).toBe("This ZooKeeper instance is not currently serving requests");
    expect((await getJson(port, "/commands/ruok")).json.error).toBe("This ZooKeeper instance is not currently serving requests");
  }, 90_000);
});
