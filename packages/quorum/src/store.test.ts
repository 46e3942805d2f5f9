import { nullLogger } from "@zkts/contracts";
import { ManualClock, seededRandom } from "@zkts/contracts/testing";
import { DataTree } from "@zkts/datatree";
import { MemoryStorage } from "@zkts/persistence/testing";
import { describe, expect, it } from "vitest";
import { EnsembleStore } from "./store.js";

function open(storage: MemoryStorage) {
  return EnsembleStore.open({
    storage,
    dataDir: "/data",
    dataLogDir: "/log",
    tree: new DataTree(),
    forceSync: true,
    preAllocSize: 4096,
    snapCount: 100,
    logger: nullLogger,
    clock: new ManualClock(),
    random: seededRandom(1),
  });
}

describe("EnsembleStore epoch files", () => {
  it("keeps acceptedEpoch and currentEpoch in <dataDir>/version-2, as ZooKeeper does, and reads them back", async () => {
    const storage = new MemoryStorage();
    const s = await open(storage);
    expect([s.acceptedEpoch, s.currentEpoch]).toEqual([0n, 0n]);
    await s.persist([{ kind: "acceptedEpoch", epoch: 5n }, { kind: "currentEpoch", epoch: 4n }]);
    await s.close();
    expect(storage.peek("/data/version-2/acceptedEpoch")?.toString().trim()).toBe("5");
    expect(storage.peek("/data/version-2/currentEpoch")?.toString().trim()).toBe("4");
    expect(storage.peek("/data/acceptedEpoch")).toBeUndefined();
    storage.crash(); // written durably before persist resolved
    const again = await open(storage);
    expect([again.acceptedEpoch, again.currentEpoch]).toEqual([5n, 4n]);
    await again.close();
  });

  it("moves epoch files from where earlier zkts kept them (<dataDir>) into version-2", async () => {
    const storage = new MemoryStorage();
    storage.poke("/data/acceptedEpoch", Buffer.from("7\n"));
    storage.poke("/data/currentEpoch", Buffer.from("6\n"));
    const s = await open(storage);
    expect([s.acceptedEpoch, s.currentEpoch]).toEqual([7n, 6n]);
    await s.close();
    expect(storage.peek("/data/acceptedEpoch")).toBeUndefined();
    storage.crash();
    expect(storage.peek("/data/version-2/acceptedEpoch")?.toString().trim()).toBe("7");
    expect(storage.peek("/data/version-2/currentEpoch")?.toString().trim()).toBe("6");
  });
});
