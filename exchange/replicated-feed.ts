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
// Two numberings (replicated-member.ts): the stream reads by message seq, a message holds a batch
// of commands, events carry the command seq. A member's checkpoints are named by their stream seq
// and record their command seq (`commands`); `fromSeq` and the live point are command seqs.
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
import { admitMessage, MemberOrder, type MemberOrderEntry } from './member-order.js';

/** An engine at stream seq `seq` (command seq `engine.lastSeq`) to regenerate from. */
export interface ReplicaStart {
  engine: Engine;
  seq: number;
  /** The submitters' order table at that seq (member-order.ts): the same batches are skipped. */
  order: MemberOrder;
}

/** Command seq of each checkpoint, by store and stream seq (read once: a header needs the whole file). */
const COMMANDS_OF = new WeakMap<CheckpointStore, Map<number, number>>();

/** The command seq a member's checkpoint at stream seq `seq` holds (null: unreadable now). */
export function checkpointCommands(store: CheckpointStore, seq: number): number | null {
  let known = COMMANDS_OF.get(store);
  if (known === undefined) COMMANDS_OF.set(store, (known = new Map()));
  const cached = known.get(seq);
  if (cached !== undefined) return cached;
  try {
    const commands = store.read(seq).header.commands;
    known.set(seq, commands);
    return commands;
  } catch {
    return null;
  }
}

/**
 * The oldest command seq a subscription can start from on a member: right after the oldest usable
 * start (a local checkpoint the stream continues, or seq 0 while the stream starts at 1), or the
 * live point + 1 when none is usable. `firstSeq` is the stream's first message seq.
 */
export function replicaOldestSeq(store: CheckpointStore | null, firstSeq: number, livePoint: number): number {
  if (firstSeq <= 1) return 1;
  let oldest = livePoint + 1;
  for (const seq of store?.list() ?? []) {
    if (seq < firstSeq - 1) continue;
    const commands = checkpointCommands(store!, seq);
    if (commands !== null && commands < oldest) oldest = commands + 1;
  }
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
    if (seq < firstSeq - 1) continue;
    const commands = checkpointCommands(store!, seq);
    if (commands === null || commands > fromSeq - 1) continue;
    try {
      const { header, snapshot } = store!.read(seq);
      const engine = Engine.restore(snapshot);
      if (engine.lastSeq === 0) engine.lastSeq = commands;
      return { engine, seq, order: MemberOrder.load((header as { members?: MemberOrderEntry[] }).members) };
    } catch {
      // Pruned since it was listed, or damaged: an older one may do.
    }
  }
  if (firstSeq <= 1) return { engine: new Engine(initial), seq: 0, order: new MemberOrder() };
  throw new FeedError('FEED_SEQ_NOT_RETAINED', fromSeq, oldest, `no readable checkpoint of this member at or before seq ${fromSeq - 1} is left that the stream continues (it starts at seq ${firstSeq})`);
}

export class ReplicaCatchUp implements CatchUpSource {
  private readonly decoder: MemberRecordDecoder;
  /** Stream seq of the last message applied, and command seq of its last command. */
  private appliedMsg: number;
  private applied: number;
  private reader: AsyncIterator<WalRecord<Uint8Array>> | null = null;
  private readonly abort = new AbortController();

  constructor(
    private readonly start: ReplicaStart,
    private readonly fromSeq: number,
    private readonly toSeq: number,
    private readonly log: JetStreamLog<Uint8Array>,
  ) {
    this.appliedMsg = start.seq;
    this.applied = start.engine.lastSeq;
    // The engine's live tables: an add_instrument record extends them for the records after it.
    this.decoder = new MemberRecordDecoder(start.engine.options.instruments, start.engine.symbols);
  }

  /** The stream (message) seq it reads next (trimming must keep it). */
  get nextSeq(): number {
    return this.appliedMsg + 1;
  }

  get done(): boolean {
    return this.applied >= this.toSeq;
  }

  async step(recordsMax: number, out: ExchangeEvent[]): Promise<number> {
    let count = 0;
    try {
      this.reader ??= this.log.read(this.appliedMsg + 1, { signal: this.abort.signal })[Symbol.asyncIterator]();
      while (count < recordsMax && this.applied < this.toSeq) {
        const next = await this.reader.next();
        if (next.done === true) throw new WalRangeError(this.appliedMsg + 1, `the stream ended at stream seq ${this.appliedMsg} (command ${this.applied}) before the live point ${this.toSeq}`);
        count += this.apply(next.value.seq, next.value.command, out);
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

  /** Applies one stream message (a batch; skipped under the order rule); returns its commands applied. */
  private apply(streamSeq: number, record: Uint8Array, out: ExchangeEvent[]): number {
    const decoder = this.decoder;
    const count = admitMessage(decoder, this.start.order, record, streamSeq);
    for (let c = 0; c < count; c++) {
      const seq = this.applied + 1;
      decoder.next(seq);
      const command = decoder.command;
      const time = command.time;
      const events = this.start.engine.applyParsed(command, seq);
      this.applied = seq;
      if (seq < this.fromSeq) continue;
      for (let i = 0; i < events.length; i++) out.push({ ...events[i], seq, time } as ExchangeEvent);
    }
    this.appliedMsg = streamSeq;
    return count;
  }
}
