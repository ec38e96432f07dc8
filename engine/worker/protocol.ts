// Why this file exists: the messages between the exchange and a matching worker, in one place.
// Commands and events cross the thread boundary in batches of numbers (command-codec.ts,
// event-codec.ts), never as per-command messages: a task round trip costs ~77 µs here, so only
// batching keeps messaging from dominating.

import type { EngineOptions } from '../types.js';
import type { EncodedCommands } from './command-codec.js';

export interface InitTask {
  type: 'init';
  options: EngineOptions;
  /** Engine.snapshot() bytes to start from, or null for empty books. */
  snapshot: Uint8Array | null;
  /** Instrument indexes this worker owns; the books of the others are emptied. */
  owned: number[];
}

export interface BatchTask {
  type: 'batch';
  commands: EncodedCommands;
}

export type ShardTask = InitTask | BatchTask;

export interface InitResult {
  instanceId: number;
  liveOrders: number;
}

export interface BatchResult {
  instanceId: number;
  /** Encoded events of each command, in batch order (event-codec.ts). */
  nums: Float64Array;
  /** Ids and accounts the caller's thread cannot know (makers'), in event order. */
  refs: Array<string | number>;
  /** 1 when the command's id is a live order after the command. */
  live: Uint8Array;
  liveOrders: number;
  /** Time the worker spent on this batch (decode, match, encode), for stats. */
  workMs: number;
}
