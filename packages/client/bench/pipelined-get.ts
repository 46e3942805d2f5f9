/**
 * Pipelined getData throughput: @zkts/client vs node-zookeeper-client against the same server.
 *
 *   pnpm --filter @zkts/client bench                       # starts a zkts server on a free port
 *   pnpm --filter @zkts/client bench -- --server reference # Apache ZooKeeper 3.8 (Debian package)
 *   pnpm --filter @zkts/client bench -- --server 127.0.0.1:2181 --n 50000 --window 500 --size 256
 *
 * Each client keeps `window` getData requests in flight until `n` have completed; rounds alternate between the
 * clients and the best round of each is reported.
 */
import { parseArgs } from "node:util";
import { startReferenceZooKeeper, startZkts } from "@zkts/testkit";
// @ts-expect-error no bundled types
import zookeeper from "node-zookeeper-client";
import { connect } from "../src/index.js";

const { values } = parseArgs({
  // `pnpm bench -- --n 1000` passes the "--" through.
  args: process.argv.slice(2).filter((a) => a !== "--"),
  options: {
    server: { type: "string", default: "zkts" },
    n: { type: "string", default: "20000" },
    window: { type: "string", default: "1000" },
    size: { type: "string", default: "128" },
    rounds: { type: "string", default: "3" },
  },
});
const N = Number(values.n);
const WINDOW = Number(values.window);
const SIZE = Number(values.size);
const ROUNDS = Number(values.rounds);
const PATH = "/bench-get";

async function windowed(n: number, window: number, op: () => Promise<unknown>): Promise<number> {
  let started = 0;
  const t0 = process.hrtime.bigint();
  const lane = async () => {
    while (started < n) {
      started++;
      await op();
    }
  };
  await Promise.all(Array.from({ length: Math.min(window, n) }, lane));
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  return n / secs;
}

async function main(): Promise<void> {
  let stop = async () => {};
  let connectString = values.server!;
  if (connectString === "zkts" || connectString === "reference") {
    const s = connectString === "zkts" ? await startZkts() : await startReferenceZooKeeper();
    stop = () => s.stop();
    connectString = s.connectString;
  }
  try {
    const ours = await connect(connectString, { sessionTimeout: 30_000, maxOutstanding: Math.max(WINDOW, 1) });
    await ours.create(PATH, Buffer.alloc(SIZE, 1)).catch(() => undefined);

    const theirs = zookeeper.createClient(connectString, { sessionTimeout: 30_000 });
    await new Promise<void>((resolve) => {
      theirs.once("connected", () => resolve());
      theirs.connect();
    });
    const theirGet = () =>
      new Promise<unknown>((resolve, reject) =>
        theirs.getData(PATH, (err: Error | null, data: Buffer) => (err ? reject(err) : resolve(data))),
      );
    const ourGet = () => ours.getData(PATH);

    // Warm up both (JIT, connection buffers).
    await windowed(Math.min(2000, N), WINDOW, ourGet);
    await windowed(Math.min(2000, N), WINDOW, theirGet);

    const results: Record<string, number[]> = { "@zkts/client": [], "node-zookeeper-client": [] };
    for (let r = 0; r < ROUNDS; r++) {
      results["@zkts/client"]!.push(await windowed(N, WINDOW, ourGet));
      results["node-zookeeper-client"]!.push(await windowed(N, WINDOW, theirGet));
    }
    console.log(`server ${values.server} (${connectString}), n=${N}, window=${WINDOW}, data=${SIZE} B, rounds=${ROUNDS}`);
    for (const [name, rs] of Object.entries(results)) {
      const best = Math.max(...rs);
      console.log(`${name.padEnd(24)} best ${Math.round(best).toLocaleString("en-US").padStart(9)} get/s   rounds: ${rs.map((x) => Math.round(x)).join(", ")}`);
    }
    await ours.delete(PATH).catch(() => undefined);
    await ours.close();
    theirs.close();
  } finally {
    await stop();
  }
}

await main();
