/**
 * Scenarios where zkts currently disagrees with Apache ZooKeeper 3.8. Each is skipped (not loosened) while the
 * subject is zkts, with the one-line reason shown in the test name; INTEROP_RUN_KNOWN=1 runs them anyway.
 * Remove an entry as soon as the server is fixed.
 */
export const KNOWN_DIFFERENCES: Record<string, string> = {
};
