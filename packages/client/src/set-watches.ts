/**
 * Watch replay on reconnect, as ClientCnxn.SendThread.primeConnection: every watch the client holds is sent again
 * with setWatches (setWatches2 when there are persistent ones) relative to the last zxid seen, so the server fires
 * whatever happened while the client was away. Paths are taken round-robin over the kinds and cut into packets of
 * at most `limit` bytes of paths, like the Java client's SET_WATCHES_MAX_LENGTH.
 */
import { OpCode } from "@zkts/client-wire";
import { prependChroot } from "./connect-string.js";
import type { WatchKind, WatchManager } from "./watch-manager.js";

export interface SetWatchesRequest {
  opcode: number;
  body: unknown;
}

/** The setWatches / setWatches2 requests that re-register every watch (none when there are no watches). */
export function setWatchesRequests(watches: WatchManager, chroot: string, relativeZxid: bigint, limit: number): SetWatchesRequest[] {
  if (watches.isEmpty) return [];
  const kinds: WatchKind[] = ["data", "exist", "child", "persistent", "persistentRecursive"];
  const lists = kinds.map((k) => watches.paths(k).map((p) => prependChroot(chroot, p)));
  const v2 = lists[3]!.length > 0 || lists[4]!.length > 0;
  const idx = [0, 0, 0, 0, 0];
  const requests: SetWatchesRequest[] = [];
  for (;;) {
    const batch: string[][] = [[], [], [], [], []];
    let bytes = 0;
    let any = false;
    outer: while (bytes < limit) {
      for (let k = 0; k < 5; k++) {
        if (idx[k]! < lists[k]!.length) {
          const path = lists[k]![idx[k]!++]!;
          batch[k]!.push(path);
          bytes += path.length;
          any = true;
          continue outer;
        }
      }
      break;
    }
    if (!any) break;
    const body = {
      relativeZxid,
      dataWatches: batch[0]!,
      existWatches: batch[1]!,
      childWatches: batch[2]!,
      ...(v2 ? { persistentWatches: batch[3]!, persistentRecursiveWatches: batch[4]! } : {}),
    };
    requests.push({ opcode: v2 ? OpCode.setWatches2 : OpCode.setWatches, body });
  }
  return requests;
}
