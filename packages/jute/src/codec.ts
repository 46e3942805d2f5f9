import { JuteDecodeError } from "./errors.js";
import { InputArchive, type InputArchiveOptions } from "./input.js";
import { OutputArchive } from "./output.js";

/** Reads and writes one jute type. Primitives, vectors and records are all codecs. */
export interface Codec<T> {
  /** jute type name, e.g. `int`, `ustring`, `vector<ACL>`, `Stat`. */
  readonly name: string;
  /** Smallest number of bytes an encoded value can take (used to bound vector counts). */
  readonly minSize: number;
  read(inp: InputArchive): T;
  write(out: OutputArchive, v: T): void;
}

/** The TypeScript type a codec reads and writes. */
export type Infer<C> = C extends Codec<infer T> ? T : never;

export const int: Codec<number> = {
  name: "int",
  minSize: 4,
  read: (i) => i.readInt(),
  write: (o, v) => o.writeInt(v),
};

export const long: Codec<bigint> = {
  name: "long",
  minSize: 8,
  read: (i) => i.readLong(),
  write: (o, v) => o.writeLong(v),
};

export const bool: Codec<boolean> = {
  name: "boolean",
  minSize: 1,
  read: (i) => i.readBool(),
  write: (o, v) => o.writeBool(v),
};

/** A ustring that may be null on the wire (length -1). */
export const ustringOrNull: Codec<string | null> = {
  name: "ustring",
  minSize: 4,
  read: (i) => i.readString(),
  write: (o, v) => o.writeString(v),
};

/** A ustring that must not be null: a -1 length is a decode error. */
export const ustring: Codec<string> = {
  name: "ustring",
  minSize: 4,
  read: (i) => {
    const at = i.offset;
    const s = i.readString();
    if (s === null) throw new JuteDecodeError("null ustring where a string is required", at);
    return s;
  },
  write: (o, v) => o.writeString(v),
};

/** A buffer; null (length -1) is preserved, as ZooKeeper keeps null data distinct from empty data. */
export const buffer: Codec<Buffer | null> = {
  name: "buffer",
  minSize: 4,
  read: (i) => i.readBuffer(),
  write: (o, v) => o.writeBuffer(v),
};

function vectorOf<T>(elem: Codec<T>, nullable: boolean): Codec<T[] | null> {
  return {
    name: `vector<${elem.name}>`,
    minSize: 4,
    read(i) {
      const at = i.offset;
      const n = i.readVectorLength(elem.minSize);
      if (n < 0) {
        if (nullable) return null;
        throw new JuteDecodeError("null vector where a vector is required", at);
      }
      const out: T[] = new Array(n);
      let k = 0;
      try {
        for (; k < n; k++) out[k] = elem.read(i);
      } catch (e) {
        if (e instanceof JuteDecodeError) throw e.within(`[${k}]`);
        throw e;
      }
      return out;
    },
    write(o, v) {
      o.writeVector(v, elem.write);
    },
  };
}

/** vector<T> that must not be null on the wire. */
export function vector<T>(elem: Codec<T>): Codec<T[]> {
  return vectorOf(elem, false) as Codec<T[]>;
}

/** vector<T> that may be null on the wire (count -1). */
export function vectorOrNull<T>(elem: Codec<T>): Codec<T[] | null> {
  return vectorOf(elem, true);
}

export type Schema = Record<string, Codec<any>>;
export type RecordOf<S extends Schema> = { [K in keyof S]: Infer<S[K]> };

/** A record codec: its fields in declaration order, no framing. */
export interface RecordCodec<T> extends Codec<T> {
  readonly fields: ReadonlyArray<readonly [string, Codec<unknown>]>;
}

/**
 * Defines a jute record. Field order is the object's key order, which is the wire order.
 * Decode errors name the record and field: `CreateRequest.acl > [0] > ACL.id > Id.scheme`.
 */
export function defineRecord<S extends Schema>(name: string, schema: S): RecordCodec<RecordOf<S>> {
  const fields = Object.entries(schema) as Array<[string, Codec<unknown>]>;
  const names = fields.map(([f]) => f);
  const codecs = fields.map(([, c]) => c);
  const minSize = codecs.reduce((s, c) => s + c.minSize, 0);
  const fail = (e: unknown, k: number): never => {
    if (e instanceof JuteDecodeError) {
      // A vector index step joins the field name: "acl" + "[0]" -> "acl[0]".
      const inner = e.trail[0];
      if (inner !== undefined && inner.startsWith("[")) {
        throw new JuteDecodeError(e.reason, e.offset, [`${name}.${names[k]}${inner}`, ...e.trail.slice(1)]);
      }
      throw e.within(`${name}.${names[k]}`);
    }
    throw e;
  };
  return {
    name,
    minSize,
    fields,
    read: compileRead(names, codecs, fail) as (inp: InputArchive) => RecordOf<S>,
    write: compileWrite(names, codecs) as (out: OutputArchive, v: RecordOf<S>) => void,
  };
}

/**
 * Straight-line record codecs, generated once per record: each field is read or written by a direct call on the
 * archive (primitives) or on its codec, and read records are built by one object literal, so every record gets a
 * single hidden class and its property accesses stay monomorphic. Same bytes, same errors as a loop over the
 * schema (what the generated code replaces: walking `fields` with keyed loads cost 8-10% of a getData profile).
 */
function primitiveCall(c: Codec<unknown>, write: boolean): string | undefined {
  if (c === int) return write ? "o.writeInt" : "i.readInt()";
  if (c === long) return write ? "o.writeLong" : "i.readLong()";
  if (c === bool) return write ? "o.writeBool" : "i.readBool()";
  if (c === buffer) return write ? "o.writeBuffer" : "i.readBuffer()";
  if (c === ustringOrNull) return write ? "o.writeString" : "i.readString()";
  if (c === ustring && write) return "o.writeString";
  return undefined;
}

function compileWrite(names: string[], codecs: Array<Codec<unknown>>): (out: OutputArchive, v: unknown) => void {
  const lines = names.map((f, k) => {
    const acc = `v[${JSON.stringify(f)}]`;
    const prim = primitiveCall(codecs[k]!, true);
    return prim !== undefined ? `${prim}(${acc});` : `c[${k}].write(o, ${acc});`;
  });
  return new Function("c", `"use strict";\nreturn function write(o, v) {\n${lines.join("\n")}\n};`)(codecs);
}

function compileRead(
  names: string[],
  codecs: Array<Codec<unknown>>,
  fail: (e: unknown, k: number) => never,
): (inp: InputArchive) => unknown {
  const lines = names.map((_, k) => {
    const prim = primitiveCall(codecs[k]!, false);
    return `k = ${k}; const f${k} = ${prim ?? `c[${k}].read(i)`};`;
  });
  const literal = names.map((f, k) => `${JSON.stringify(f)}: f${k}`).join(", ");
  return new Function(
    "c",
    "fail",
    `"use strict";\nreturn function read(i) {\nlet k = 0;\ntry {\n${lines.join("\n")}\nreturn { ${literal} };\n} catch (e) {\nreturn fail(e, k);\n}\n};`,
  )(codecs, fail);
}

/** encode's scratch archive (its memory kept between calls); `scratchBusy` while a write to it is under way. */
let scratch: OutputArchive | undefined;
let scratchBusy = false;
/** Past this many bytes the scratch archive is dropped after use (one huge value does not stay pinned). */
const SCRATCH_KEEP = 64 * 1024;

/**
 * Encodes one value to a fresh buffer of exactly its size. The value is written into a scratch archive reused
 * from call to call and copied out once (a codec that encodes while it writes gets an archive of its own).
 */
export function encode<T>(codec: Codec<T>, value: T, sizeHint = 128): Buffer {
  if (scratchBusy) {
    const own = new OutputArchive(sizeHint);
    codec.write(own, value);
    return own.toBuffer();
  }
  const out = (scratch ??= new OutputArchive(1024));
  out.reset();
  scratchBusy = true;
  try {
    codec.write(out, value);
    return out.toBuffer();
  } finally {
    scratchBusy = false;
    if (out.capacity > SCRATCH_KEEP) scratch = undefined;
  }
}

/**
 * Decodes exactly one value from `bytes`. Trailing bytes are an error unless `allowTrailing` is set.
 */
export function decode<T>(
  codec: Codec<T>,
  bytes: Uint8Array,
  options: InputArchiveOptions & { allowTrailing?: boolean } = {},
): T {
  const inp = new InputArchive(bytes, options);
  const v = codec.read(inp);
  if (!options.allowTrailing && !inp.atEnd()) {
    throw new JuteDecodeError(`${inp.remaining} trailing bytes after ${codec.name}`, inp.offset, [
      codec.name,
    ]);
  }
  return v;
}
