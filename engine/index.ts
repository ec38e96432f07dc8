// Why this file exists: the engine module's one public face; other folders import only from here.
export { Engine } from './engine.js';
export { RejectCode, CancelReason } from './codes.js';
export { ConfigError, EngineError, type EngineErrorCode } from './errors.js';
export { AssertionError } from './assert.js';
export { ENGINE_ALIASES, ENGINE_DEFAULTS, ENGINE_LIMITS, type ResolvedInstrument } from './config.js';
export { StateHasher, combineInstrumentDigests } from './state-hash.js';
export type * from './types.js';
export { ArraySink, type EventSink } from './event-sink.js';
export { EventDigest } from './event-digest.js';
export { DepthFromEvents } from './depth-from-events.js';
// For the exchange and replay folders (not re-exported by the package): the command parser, the
// worker-thread codecs, the worker host and where worker files live.
export { parseCommand, ParsedCommand, ORDER_TYPE_NAMES, NO_EXPIRY, rejectDetail, SIDE_BUY, TIF_GTC, TIF_GTT, isAdminOp, parsedSpec } from './validate.js';
export { checkExactSums, resolveInstrument } from './config.js';
export { decodeCommands, toCommand, type EncodedCommands } from './worker/command-codec.js';
export { workerEntry } from './worker/location.js';
export { EventEncoder, EventCursor, decodeEvents, eventsAt, walkEvents, type EventRows } from './worker/event-codec.js';
// The exchange's router keeps the same id rings as the engines (SEMANTICS.md "Order ids").
export { OrderIds, type OrderIdsLimits } from './order-ids.js';
// The exchange's router keeps its id → route table in the engine's typed-array id index.
export { IdIndex } from './id-index.js';
