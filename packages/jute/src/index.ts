export {
  JuteError,
  JuteDecodeError,
  JuteEncodeError,
  FrameLengthError,
  MARSHALLING_ERROR_CODE,
} from "./errors.js";
export { OutputArchive, writeSafeInt64BE } from "./output.js";
export { InputArchive, DEFAULT_MAX_BUFFER, type InputArchiveOptions } from "./input.js";
export {
  int,
  long,
  bool,
  ustring,
  ustringOrNull,
  buffer,
  vector,
  vectorOrNull,
  defineRecord,
  encode,
  decode,
  type Codec,
  type Infer,
  type RecordCodec,
  type RecordOf,
  type Schema,
} from "./codec.js";
export { FrameDecoder, frame, type FrameDecoderOptions } from "./frame.js";
export * from "./records.js";
