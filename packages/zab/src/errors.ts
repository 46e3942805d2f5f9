/** `propose` on a peer that is not an active leader (or whose zxid counter is exhausted). */
export class NotLeaderError extends Error {
  override name = "NotLeaderError";
}
