/** The connect handshake: bare ConnectRequest / ConnectResponse with the optional trailing readOnly byte. */
import { ConnectRequest, ConnectResponse, InputArchive, JuteDecodeError, OutputArchive } from "@zkts/jute";
import type { DecodeOptions } from "./packet.js";

export interface ConnectRequestPacket {
  protocolVersion: number;
  lastZxidSeen: bigint;
  timeOut: number;
  sessionId: bigint;
  passwd: Buffer | null;
  /** The client asked for a read-only capable session (false when the byte is absent). */
  readOnly: boolean;
  /** The request carried the readOnly byte (old clients omit it; the reply then omits it too). */
  hasReadOnly: boolean;
}

export interface ConnectResponsePacket {
  protocolVersion: number;
  timeOut: number;
  sessionId: bigint;
  passwd: Buffer | null;
  readOnly: boolean;
  /** Whether the readOnly byte is present; a server sets it only when the request had it. */
  hasReadOnly: boolean;
}

function readTail(inp: InputArchive, name: string, options: DecodeOptions): { readOnly: boolean; hasReadOnly: boolean } {
  if (inp.atEnd()) return { readOnly: false, hasReadOnly: false };
  const readOnly = inp.readBool();
  if (!options.allowTrailing && !inp.atEnd()) {
    throw new JuteDecodeError(`${inp.remaining} trailing bytes after ${name}`, inp.offset, [name]);
  }
  return { readOnly, hasReadOnly: true };
}

/** Decodes the first packet of a connection (payload without its 4-byte length). */
export function decodeConnectRequest(payload: Uint8Array, options: DecodeOptions = {}): ConnectRequestPacket {
  const inp = new InputArchive(payload, options);
  const base = ConnectRequest.read(inp);
  return { ...base, ...readTail(inp, "ConnectRequest", options) };
}

/** Encodes a ConnectRequest; the readOnly byte is written only when `hasReadOnly` is true. */
export function encodeConnectRequest(v: ConnectRequestPacket): Buffer {
  const out = new OutputArchive(64);
  ConnectRequest.write(out, v);
  if (v.hasReadOnly) out.writeBool(v.readOnly);
  return out.toBuffer();
}

/** Decodes the server's answer to a ConnectRequest (payload without its 4-byte length). */
export function decodeConnectResponse(payload: Uint8Array, options: DecodeOptions = {}): ConnectResponsePacket {
  const inp = new InputArchive(payload, options);
  const base = ConnectResponse.read(inp);
  return { ...base, ...readTail(inp, "ConnectResponse", options) };
}

/** Encodes a ConnectResponse; the readOnly byte is written only when `hasReadOnly` is true. */
export function encodeConnectResponse(v: ConnectResponsePacket): Buffer {
  const out = new OutputArchive(64);
  ConnectResponse.write(out, v);
  if (v.hasReadOnly) out.writeBool(v.readOnly);
  return out.toBuffer();
}
