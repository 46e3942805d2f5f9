/** PathUtils.validatePath: true when ZooKeeper accepts `path` as a znode path. */
export function isValidPath(path: string): boolean {
  const n = path.length;
  if (n === 0 || path[0] !== "/") return false;
  if (n === 1) return true;
  if (path[n - 1] === "/") return false;
  for (let i = 1; i < n; i++) {
    const c = path.charCodeAt(i);
    const last = path.charCodeAt(i - 1);
    if (c === 0) return false;
    if (c === 0x2f && last === 0x2f) return false;
    const endsSeg = i + 1 === n || path.charCodeAt(i + 1) === 0x2f;
    if (c === 0x2e && last === 0x2e && path.charCodeAt(i - 2) === 0x2f && endsSeg) return false;
    if (c === 0x2e && last === 0x2f && endsSeg) return false;
    if (
      (c > 0 && c <= 0x1f) ||
      (c >= 0x7f && c <= 0x9f) ||
      (c >= 0xd800 && c <= 0xf8ff) ||
      (c >= 0xfff0 && c <= 0xffff)
    ) {
      return false;
    }
  }
  return true;
}

export function parentOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? "/" : path.slice(0, i);
}
