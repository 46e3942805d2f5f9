/**
 * A reader of Java `.properties` text (java.util.Properties.load semantics), keeping the line number on which
 * each logical line starts.
 *
 * - Comment lines: the first non-blank character is `#` or `!`. Blank lines are skipped.
 * - A line ending in an odd number of backslashes continues on the next line (whose leading blanks are dropped).
 * - The key runs to the first unescaped `=`, `:` or blank; blanks, then at most one `=` or `:`, then blanks
 *   separate it from the value.
 * - Escapes in keys and values: `\t \n \r \f`, `\uXXXX`, and `\x` for any other x stands for x.
 */
export interface PropertyEntry {
  key: string;
  value: string;
  /** 1-based line on which the entry starts. */
  line: number;
}

export class PropertiesSyntaxError extends Error {
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(`line ${line}: ${reason}`);
    this.name = "PropertiesSyntaxError";
  }
}

const isBlank = (c: string) => c === " " || c === "\t" || c === "\f";

export function parseProperties(text: string): PropertyEntry[] {
  const lines = text.split(/\r\n|\r|\n/);
  const out: PropertyEntry[] = [];
  for (let i = 0; i < lines.length; i++) {
    const startLine = i + 1;
    let first = lines[i]!;
    let p = 0;
    while (p < first.length && isBlank(first[p]!)) p++;
    if (p === first.length) continue;
    if (first[p] === "#" || first[p] === "!") continue;
    let logical = first.slice(p);
    while (endsWithContinuation(logical)) {
      logical = logical.slice(0, -1);
      if (i + 1 >= lines.length) break;
      i++;
      first = lines[i]!;
      let q = 0;
      while (q < first.length && isBlank(first[q]!)) q++;
      logical += first.slice(q);
    }
    out.push(splitEntry(logical, startLine));
  }
  return out;
}

function endsWithContinuation(s: string): boolean {
  let n = 0;
  for (let j = s.length - 1; j >= 0 && s[j] === "\\"; j--) n++;
  return n % 2 === 1;
}

function splitEntry(s: string, line: number): PropertyEntry {
  let k = 0;
  let keyEnd = s.length;
  let valueStart = s.length;
  while (k < s.length) {
    const c = s[k]!;
    if (c === "\\") {
      k += 2;
      continue;
    }
    if (c === "=" || c === ":") {
      keyEnd = k;
      valueStart = k + 1;
      break;
    }
    if (isBlank(c)) {
      keyEnd = k;
      let v = k;
      while (v < s.length && isBlank(s[v]!)) v++;
      if (v < s.length && (s[v] === "=" || s[v] === ":")) v++;
      valueStart = v;
      break;
    }
    k++;
  }
  if (k >= s.length) keyEnd = Math.min(keyEnd, s.length);
  while (valueStart < s.length && isBlank(s[valueStart]!)) valueStart++;
  return {
    key: unescape(s.slice(0, keyEnd), line),
    value: unescape(s.slice(valueStart), line),
    line,
  };
}

function unescape(s: string, line: number): string {
  if (!s.includes("\\")) return s;
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== "\\") {
      out += c;
      continue;
    }
    i++;
    if (i >= s.length) break;
    const e = s[i]!;
    switch (e) {
      case "t":
        out += "\t";
        break;
      case "n":
        out += "\n";
        break;
      case "r":
        out += "\r";
        break;
      case "f":
        out += "\f";
        break;
      case "u": {
        const hex = s.slice(i + 1, i + 5);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new PropertiesSyntaxError(line, `malformed \\uxxxx escape "\\u${hex}"`);
        out += String.fromCharCode(parseInt(hex, 16));
        i += 4;
        break;
      }
      default:
        out += e;
    }
  }
  return out;
}

/** java.lang.String.hashCode (over UTF-16 code units), as a signed 32-bit int. */
export function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/**
 * The order in which a java.util.Properties filled with `keys` (put in this order; a key put again keeps its place)
 * walks its entries (JDK 9+: Properties keeps them in a ConcurrentHashMap of initial capacity 8). ZooKeeper writes
 * zoo.cfg back in this order (QuorumPeerConfig.editStaticConfig). Emulated: 16 bins, the hash spread
 * (h ^ h >>> 16), a key appended to its bin's list, the table doubled when the 12th, 24th, ... (0.75 n) key is
 * added, with ConcurrentHashMap.transfer's split of each bin (the run of nodes at the tail that go to the same half
 * is kept, the nodes before it are prepended, reversing them); iteration by ascending bin, each list from its head.
 * (Bins turned into trees, at 8 keys in one bin, are not emulated: zoo.cfg files do not come near.)
 */
export function javaPropertiesOrder(keys: readonly string[]): string[] {
  type Node = { hash: number; key: string; next: Node | undefined };
  let table: (Node | undefined)[] = new Array<Node | undefined>(16).fill(undefined);
  let sizeCtl = 12;
  let count = 0;
  for (const key of keys) {
    const h = javaStringHash(key);
    const hash = (h ^ (h >>> 16)) & 0x7fffffff;
    const i = hash & (table.length - 1);
    let p = table[i];
    if (p === undefined) table[i] = { hash, key, next: undefined };
    else {
      let dup = false;
      for (;;) {
        if (p.key === key) {
          dup = true;
          break;
        }
        if (p.next === undefined) break;
        p = p.next;
      }
      if (dup) continue;
      p.next = { hash, key, next: undefined };
    }
    count++;
    while (count >= sizeCtl) {
      const n = table.length;
      const next = new Array<Node | undefined>(n * 2).fill(undefined);
      for (let b = n - 1; b >= 0; b--) {
        const f = table[b];
        if (f === undefined) continue;
        let runBit = f.hash & n;
        let lastRun: Node = f;
        for (let q = f.next; q !== undefined; q = q.next) {
          const bit = q.hash & n;
          if (bit !== runBit) {
            runBit = bit;
            lastRun = q;
          }
        }
        let ln: Node | undefined = runBit === 0 ? lastRun : undefined;
        let hn: Node | undefined = runBit === 0 ? undefined : lastRun;
        for (let q: Node = f; q !== lastRun; q = q.next!) {
          if ((q.hash & n) === 0) ln = { hash: q.hash, key: q.key, next: ln };
          else hn = { hash: q.hash, key: q.key, next: hn };
        }
        next[b] = ln;
        next[b + n] = hn;
      }
      table = next;
      sizeCtl = (table.length * 3) / 4; // transfer: (n << 1) - (n >>> 1), n the old size
    }
  }
  const out: string[] = [];
  for (const head of table) for (let q = head; q !== undefined; q = q.next) out.push(q.key);
  return out;
}
