// Why this file exists: one accepted command between the log and its release — its sequence
// number, the record the log holds, the events its worker reported, and who is told the outcome:
// its own promise (`submit`) or a slot in a batch's one promise (`submitMany`, so a batch of N
// commands makes one promise, not N). Shared by the sequencer (exchange.ts), which creates and
// releases it, and the shards, which fill in its events; kept apart so neither imports the other.

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

/** The one promise of a `submitMany` call: settles once every command in it has an outcome. */
export class BatchOutcome {
  readonly results: SubmitResult[];
  private remaining: number;
  private settled = false;
  resolve!: (results: SubmitResult[]) => void;
  reject!: (error: Error) => void;
  readonly promise: Promise<SubmitResult[]>;

  constructor(count: number) {
    this.results = new Array<SubmitResult>(count);
    this.remaining = count;
    this.promise = new Promise<SubmitResult[]>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    if (count === 0) this.finish();
  }

  set(index: number, result: SubmitResult): void {
    this.results[index] = result;
    if (--this.remaining === 0) this.finish();
  }

  fail(error: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.reject(error);
  }

  private finish(): void {
    if (this.settled) return;
    this.settled = true;
    this.resolve(this.results);
  }
}

export class Pending {
  /** Set by the shard once its worker matched the command; null while it is on its way. */
  events: EngineEvent[] | null = null;
  /** Set only for a lone `submit` (a batch member reports to its batch instead). */
  readonly promise: Promise<SubmitResult> | null = null;
  private resolveOne: ((result: SubmitResult) => void) | null = null;
  private rejectOne: ((error: Error) => void) | null = null;

  constructor(
    readonly seq: number,
    readonly record: Command,
    private readonly batch: BatchOutcome | null,
    private readonly index: number,
  ) {
    if (batch === null) {
      this.promise = new Promise<SubmitResult>((resolve, reject) => {
        this.resolveOne = resolve;
        this.rejectOne = reject;
      });
    }
  }

  resolve(result: SubmitResult): void {
    if (this.batch !== null) this.batch.set(this.index, result);
    else this.resolveOne!(result);
  }

  reject(error: Error): void {
    if (this.batch !== null) this.batch.fail(error);
    else this.rejectOne!(error);
  }
}
