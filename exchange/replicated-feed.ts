// Why this file exists: `events({ fromSeq })` on a ReplicatedExchange member. The stream is the
// log, so old events are regenerated exactly as the local exchange does (feed-replay.ts): an engine
// at a state at or before fromSeq - 1 — one of the member's own checkpoints, or the empty engine
// when the stream still starts at seq 1 — is fed the stream's records up to the live point, with
// the same call the member applies them with (`applyParsed`), so the events, reject details, seq
// and time are the ones a live subscriber got. The hand-over to live events is the bounded
// EventStream's catch-up mode (event-stream.ts).
//
// Unlike the local log, the stream is read over the network: each step pulls at most `recordsMax`
// records from one ordered consumer (an async step), and the consumer is closed when the
// catch-up ends (done, returned, closed, failed).
//
// Limits: the start must be a local checkpoint (a member without a dir regenerates only while the
// stream still starts at seq 1); FEED_CATCH_UPS_MAX catch-ups at once, as locally. While one
// reads, the member confirms no checkpoint past what it still reads, so trimming cannot remove it.

import { Engine, type EngineOptions } from '../engine/index.js';
import { CheckpointStore } from '../replay/index.js';
import { WalRangeError, type JetStreamLog, type WalRecord } from '../wal/index.js';
import type { CatchUpSource, ExchangeEvent } from './event-stream.js';
import { FeedError } from './feed.js';
import { MemberRecordDecoder } from './member-record.js';

/** An engine at `seq` to regenerate from. */
export interface ReplicaStart {
  engine: Engine;
  seq: number;
}

/**
 * The oldest seq a subscription can start from on a member: right after the newest usable start
 * (a local checkpoint the stream continues, or seq 0 while the stream starts at 1), or the live
 * point + 1 when none is usable.
 */
export function replicaOldestSeq(store: CheckpointStore | null, firstSeq: number, livePoint: number): number {
  if (firstSeq <= 1) return 1;
  let oldest = livePoint + 1;
  for (const seq of store?.list() ?? []) if (seq >= firstSeq - 1 && seq < oldest) oldest = seq + 1;
  return oldest;
}

/**
 * The newest readable local checkpoint at or before fromSeq - 1 that the stream continues, else the
 * empty engine at 0 while the stream starts at seq 1; FeedError FEED_SEQ_NOT_RETAINED otherwise.
 */
export function replicaStartAt(
  store: CheckpointStore | null,
  initial: EngineOptions,
  firstSeq: number,
  fromSeq: number,
  oldest: number,
): ReplicaStart {
  for (const seq of store?.list() ?? []) {
    if (seq > fromSeq - 1 || seq < firstSeq - 1) continue;
    try {
      return { engine: Engine.restore(store!.read(seq).snapshot), seq };
    } catch {
      // Pruned since it was listed, or damaged: an older one may do.
    }
  }
  if (firstSeq <= 1) return { engine: new Engine(initial), seq: 0 };
  throw new FeedError('FEED_SEQ_NOT_RETAINED', fromSeq, oldest, `no readable checkpoint of this member at or before seq ${fromSeq - 1} is left that the stream continues (it starts at seq ${firstSeq})`);
}

export class ReplicaCatchUp implements CatchUpSource {
  private readonly decoder: MemberRecordDecoder;
  private applied: number;
  private reader: AsyncIterator<WalRecord<Uint8Array>> | null = null;
  private readonly abort = new AbortController();

  constructor(
    private readonly start: ReplicaStart,
    private readonly fromSeq: number,
    private readonly toSeq: number,
    private readonly log: JetStreamLog<Uint8Array>,
  ) {
    this.applied = start.seq;
    // The engine's live tables: an add_instrument record extends them for the records after it.
    this.decoder = new MemberRecordDecoder(start.engine.options.instruments, start.engine.symbols);
  }

  get nextSeq(): number {
    return this.applied + 1;
  }

  get done(): boolean {
    return this.applied >= this.toSeq;
  }

  async step(recordsMax: number, out: ExchangeEvent[]): Promise<number> {
    let count = 0;
    try {
      this.reader ??= this.log.read(this.applied + 1, { signal: this.abort.signal })[Symbol.asyncIterator]();
      while (count < recordsMax && this.applied < this.toSeq) {
        const next = await this.reader.next();
        if (next.done === true) throw new WalRangeError(this.applied + 1, `the stream ended at seq ${this.applied} before the live point ${this.toSeq}`);
        this.apply(next.value.seq, next.value.command, out);
        count++;
      }
    } catch (error) {
      this.close();
      if (error instanceof WalRangeError) {
        throw new FeedError('FEED_SEQ_NOT_RETAINED', this.fromSeq, this.applied + 1, `regenerating events from seq ${this.fromSeq}: ${error.message}`);
      }
      throw error;
    }
    if (this.done) this.close();
    return count;
  }

  /** Stops reading the stream (the catch-up ended one way or another). */
  close(): void {
    this.abort.abort();
    const reader = this.reader;
    this.reader = null;
    void reader?.return?.().catch(() => undefined);
  }

  private apply(seq: number, record: Uint8Array, out: ExchangeEvent[]): void {
    const decoder = this.decoder;
    decoder.decode(record, seq);
    const command = decoder.command;
    const time = command.time;
    const events = this.start.engine.applyParsed(command, seq);
    this.applied = seq;
    if (seq < this.fromSeq) return;
    for (let i = 0; i < events.length; i++) out.push({ ...events[i], seq, time } as ExchangeEvent);
  }
}
