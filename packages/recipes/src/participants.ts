/** Curator's LeaderSelector.getParticipants / getLeader: participant ids are the data of the contenders' nodes. */
import { NoNodeError, type ZooKeeperClient } from "@zkts/client";

export interface Participant {
  id: string;
  isLeader: boolean;
}

/** Reads the id (node data, UTF-8) of each participant node (in contention order); the first is the leader. */
export async function readParticipants(client: ZooKeeperClient, nodes: readonly string[]): Promise<Participant[]> {
  const out: Participant[] = [];
  const reads = await Promise.all(
    nodes.map((p) =>
      client.getData(p).then(
        (r) => r.data,
        (e) => {
          if (e instanceof NoNodeError) return undefined; // left meanwhile
          throw e;
        },
      ),
    ),
  );
  for (const data of reads) {
    if (data === undefined) continue;
    out.push({ id: data === null ? "" : data.toString("utf8"), isLeader: out.length === 0 });
  }
  return out;
}
