// Why this file exists: the engine module's one public face; other folders import only from here.
export { Engine } from './engine.js';
export { RejectCode, CancelReason } from './codes.js';
export { ConfigError, EngineError, type EngineErrorCode } from './errors.js';
export { AssertionError } from './assert.js';
export { ENGINE_DEFAULTS, type ResolvedInstrument } from './config.js';
export { StateHasher, combineInstrumentDigests } from './state-hash.js';
export type * from './types.js';
export { ArraySink, type EventSink } from './event-sink.js';
export { EventDigest } from './event-digest.js';
export { DeadIds } from './dead-ids.js';
