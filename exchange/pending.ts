// Why this file exists: one accepted command between the log and its release — its sequence
// number, the record the log holds, the events its worker reported, and the caller's promise.
// Shared by the sequencer (exchange.ts), which creates and releases it, and the shards, which
// fill in its events; kept apart so neither imports the other.

import type { Command, EngineEvent } from '../engine/index.js';

/**
 * What `submit` resolves with. `seq` and `time` (the time the exchange stamped on the command,
 * logged with it, ms since epoch, never decreasing) are null when the command was refused before
 * the log.
 */
export interface SubmitResult {
  seq: number | null;
  time: number | null;
  events: EngineEvent[];
}

export class Pending {
  /** Set by the shard once its worker matched the command; null while it is on its way. */
  events: EngineEvent[] | null = null;
  resolve!: (result: SubmitResult) => void;
  reject!: (error: Error) => void;
  readonly promise: Promise<SubmitResult>;
  constructor(
    readonly seq: number,
    readonly record: Command,
  ) {
    this.promise = new Promise<SubmitResult>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }
}
