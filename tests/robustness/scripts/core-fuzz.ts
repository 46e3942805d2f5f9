/** Exploration: feeds fuzzed frames straight into core.handlePacket and prints the first frame of each distinct
 * exception (core should answer or close, never throw). */
import { makeServer, FakeConnection } from "../../../packages/core/src/testing/harness.js";
import { FrameFuzzer, loadCorpus } from "../src/fuzz.js";
import { connectPayload } from "../src/wire.js";

const { server, clock } = makeServer();
const fz = new FrameFuzzer(loadCorpus(), Number(process.argv[2] ?? 7));
const seen = new Map<string, string>();
process.on("unhandledRejection", (e) => console.log("UNHANDLED", String(e)));
for (let c = 0; c < 20000; c++) {
  const conn = new FakeConnection();
  server.handleConnect(conn, connectPayload());
  for (let i = 0; i < 20 && conn.closed === null; i++) {
    const f = fz.next();
    if (f.breaksFraming) continue;
    const payload = f.bytes.subarray(4);
    try {
      server.handlePacket(conn, payload);
    } catch (e) {
      const key = String(e).replace(/-?\d+/g, "N");
      if (!seen.has(key)) {
        seen.set(key, payload.toString("hex"));
        console.log("THROW", String(e), "\n   payload", payload.toString("hex"), "\n", (e as Error).stack?.split("\n").slice(1, 5).join("\n"));
      }
      break;
    }
  }
  server.connectionClosed(conn);
  clock.advance(10);
}
await new Promise((r) => setTimeout(r, 100));
console.log("distinct exceptions:", seen.size);
