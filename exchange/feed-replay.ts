// Why this file exists: events of old records are not stored a second time; they are regenerated.
// Replay is exact (the engine is a pure function of state and command, and the record carries the
// stamped time), so a fresh engine restored from a checkpoint at or before fromSeq - 1 and fed the
// log's records reproduces, for every seq ≥ fromSeq, exactly the events a live subscriber got: the
// same objects, the same reject details, the same `seq` and `time`. The events go through the
// Replayer beside its event digest, so the primary's marks check the regenerated events too (a
// mismatch is a ReplayDivergenceError, never a silently different feed).
//
// Work is done in steps of at most `recordsMax` records, called by the feed stream when its reader
// wants more: a slow reader slows the regeneration instead of growing a buffer.

import { ArraySink, type Engine, type EngineEvent, type OrderId, rejectDetail, type ResolvedInstrument } from '../engine/index.js';
import { KIND_MARK, Replayer } from '../replay/index.js';
import type { WriteAheadLog } from '../wal/index.js';
import type { ExchangeEvent } from './event-stream.js';

/** Where regeneration starts: an engine at `seq` (a checkpoint, or empty at 0) and its digest. */
export interface FeedStart {
  engine: Engine;
  seq: number;
  commands: number;
  digest: string;
}

export class FeedReplay {
  private readonly replayer: Replayer;
  private readonly sink = new ArraySink();
  private readonly instrumentIndex = new Map<string, number>();
  private readonly specs: ResolvedInstrument[];
  private out: ExchangeEvent[] = [];
  private readonly visit = (seq: number, bytes: Uint8Array, start: number, end: number): void => this.apply(seq, bytes, start, end);

  /** Regenerates the events of records [fromSeq, toSeq] from `start` (records before fromSeq are applied silently). */
  constructor(
    start: FeedStart,
    readonly fromSeq: number,
    readonly toSeq: number,
    private readonly wal: WriteAheadLog<Uint8Array>,
    pendingMax: number,
  ) {
    // A mark trails its command by at most pendingMax records: a ring just above that checks every
    // mark (1 MiB at the default pendingMax, not recovery's 16 MiB, per subscription catching up).
    this.replayer = new Replayer(start.engine, start, 2 ** Math.ceil(Math.log2(pendingMax + 1)) * 2);
    this.specs = start.engine.instruments;
    this.specs.forEach((spec, index) => this.instrumentIndex.set(spec.symbol, index));
  }

  /** The next record it will read (the log must keep it). */
  get nextSeq(): number {
    return this.replayer.seq + 1;
  }

  get done(): boolean {
    return this.replayer.seq >= this.toSeq;
  }

  /**
   * Applies at most `recordsMax` further records, appending the events of those at or after
   * fromSeq to `out`, in order. Returns the records applied (0 once done). Throws what the log or
   * the replayer throws (a reclaimed range, a damaged record, a divergence).
   */
  step(recordsMax: number, out: ExchangeEvent[]): number {
    const count = Math.min(recordsMax, this.toSeq - this.replayer.seq);
    if (count <= 0) return 0;
    this.out = out;
    const from = this.replayer.seq + 1;
    const wal = this.wal;
    if (wal.readBytes !== undefined) return wal.readBytes(from, count, this.visit);
    const records = wal.readBatch(from, count);
    for (const { seq, command } of records) this.apply(seq, command, 0, command.length);
    return records.length;
  }

  private apply(seq: number, bytes: Uint8Array, start: number, end: number): void {
    const replayer = this.replayer;
    if (seq < this.fromSeq) {
      replayer.applyRecord(seq, bytes, start, end);
      return;
    }
    const sink = this.sink;
    const events: EngineEvent[] = [];
    sink.events = events;
    if (replayer.applyRecord(seq, bytes, start, end, sink) === KIND_MARK) return;
    const p = replayer.command;
    const last = events[events.length - 1];
    // As the exchange does on acknowledging (and Engine.apply): the detail is a pure function of
    // the code and the instrument of the new order, or of the live order a modify names.
    if (last !== undefined && last.type === 'rejected') {
      const symbol = p.op === 'new' ? this.specs[p.instrument]?.symbol : replayer.engine.order(p.id as OrderId)?.symbol;
      const index = symbol === undefined ? undefined : this.instrumentIndex.get(symbol);
      const detail = index === undefined ? undefined : rejectDetail(last.reason, this.specs[index]);
      if (detail !== undefined) last.detail = detail;
    }
    const time = p.time;
    const out = this.out;
    for (let i = 0; i < events.length; i++) {
      const event = events[i] as ExchangeEvent;
      event.seq = seq;
      event.time = time;
      out.push(event);
    }
  }
}
