export { RecordingProxy, type RecordedConnection, type RecordedFrame, type Direction } from "./proxy.js";
