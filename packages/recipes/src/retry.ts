/**
 * Curator's ExponentialBackoffRetry: retry `n` sleeps `baseSleepMs * random(1 .. 2^(n+1))`, capped at
 * `maxSleepMs`, at most `maxRetries` times. Bounded by construction.
 */
export interface RetryPolicy {
  maxRetries: number;
  baseSleepMs: number;
  maxSleepMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxRetries: 10, baseSleepMs: 10, maxSleepMs: 1000 };

/** The pause before retry number `retryCount` (0-based), or undefined when no retry is left. */
export function retrySleep(policy: RetryPolicy, retryCount: number, random: () => number = Math.random): number | undefined {
  if (retryCount >= policy.maxRetries) return undefined;
  const span = 2 ** Math.min(retryCount + 1, 29);
  const factor = Math.max(1, Math.floor(random() * span));
  return Math.min(policy.maxSleepMs, policy.baseSleepMs * factor);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
