/**
 * JAAS login configuration files as Java's ConfigFile reads them (the file named by
 * `-Djava.security.auth.login.config=`): sections `Name { <LoginModule class> <flag> [key=value ...]; ... };`,
 * values quoted or bare, `//` and `/* *\/` comments. Only what ZooKeeper's SASL server and client take from it is
 * used: the section's login modules and their options (SaslServerCallbackHandler reads every `user_<name>` option;
 * a client's DigestLoginModule its `username` and `password`). Shared by the server (apps/server) and zkcli.
 */
export interface JaasEntry {
  loginModule: string;
  flag: string;
  options: Map<string, string>;
}

export class JaasSyntaxError extends Error {
  override readonly name = "JaasSyntaxError";
}

const FLAGS = new Set(["required", "requisite", "sufficient", "optional"]);

type Tok = { kind: "word" | "string" | "punct"; text: string; line: number };

function tokenize(text: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  let line = 1;
  while (i < text.length) {
    const c = text[i]!;
    if (c === "\n") {
      line++;
      i++;
    } else if (/\s/.test(c)) i++;
    else if (c === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++;
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      if (end < 0) throw new JaasSyntaxError(`line ${line}: unterminated comment`);
      for (let k = i; k < end; k++) if (text[k] === "\n") line++;
      i = end + 2;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      let v = "";
      while (j < text.length && text[j] !== c) {
        if (text[j] === "\\" && j + 1 < text.length) j++;
        if (text[j] === "\n") line++;
        v += text[j];
        j++;
      }
      if (j >= text.length) throw new JaasSyntaxError(`line ${line}: unterminated quoted string`);
      out.push({ kind: "string", text: v, line });
      i = j + 1;
    } else if ("{};=".includes(c)) {
      out.push({ kind: "punct", text: c, line });
      i++;
    } else {
      let j = i;
      while (j < text.length && !/[\s{};="']/.test(text[j]!)) j++;
      out.push({ kind: "word", text: text.slice(i, j), line });
      i = j;
    }
  }
  return out;
}

/** Parses a JAAS file into its sections (application name -> login modules); a syntax error throws JaasSyntaxError. */
export function parseJaas(text: string): Map<string, JaasEntry[]> {
  const toks = tokenize(text);
  const sections = new Map<string, JaasEntry[]>();
  let i = 0;
  const next = (what: string): Tok => {
    const t = toks[i++];
    if (t === undefined) throw new JaasSyntaxError(`unexpected end of file, expected ${what}`);
    return t;
  };
  const expect = (p: string) => {
    const t = next(`'${p}'`);
    if (t.kind !== "punct" || t.text !== p) throw new JaasSyntaxError(`line ${t.line}: expected '${p}', found '${t.text}'`);
  };
  while (i < toks.length) {
    const name = next("a section name");
    if (name.kind === "punct") throw new JaasSyntaxError(`line ${name.line}: expected a section name, found '${name.text}'`);
    expect("{");
    const entries: JaasEntry[] = [];
    for (;;) {
      const t = next("a login module or '}'");
      if (t.kind === "punct" && t.text === "}") break;
      if (t.kind !== "word") throw new JaasSyntaxError(`line ${t.line}: expected a login module class, found '${t.text}'`);
      const flag = next("a control flag");
      if (flag.kind !== "word" || !FLAGS.has(flag.text.toLowerCase())) {
        throw new JaasSyntaxError(`line ${flag.line}: expected a control flag (required, requisite, sufficient, optional), found '${flag.text}'`);
      }
      const options = new Map<string, string>();
      for (;;) {
        const k = next("an option or ';'");
        if (k.kind === "punct" && k.text === ";") break;
        if (k.kind !== "word") throw new JaasSyntaxError(`line ${k.line}: expected an option name, found '${k.text}'`);
        expect("=");
        const v = next("an option value");
        if (v.kind === "punct") throw new JaasSyntaxError(`line ${v.line}: expected an option value, found '${v.text}'`);
        options.set(k.text, v.text);
      }
      entries.push({ loginModule: t.text, flag: flag.text.toLowerCase(), options });
    }
    expect(";");
    // ConfigFile: a repeated section adds its modules to the first
    const prev = sections.get(name.text);
    if (prev) prev.push(...entries);
    else sections.set(name.text, entries);
  }
  return sections;
}
