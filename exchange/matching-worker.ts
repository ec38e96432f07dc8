// Why this file exists: the body of a matching worker thread (started and supervised by piscina,
// one thread per shard). It owns its shard's books outright — only this thread touches them, so
// no locks. After `init` it runs ONE long task, `run`, that loops on its input ring: the binary
// records admission wrote and the log stores (replay/command-record.ts), decoded into one reused
// ParsedCommand and executed straight (as replay does: no command object, no second encoding),
// and answers each batch with its event rows on the output ring (matching-output.ts). It sleeps
// in Atomics.wait when its input is empty (bounded, then re-checks) and returns when the host
// asks it to stop; an exception (a damaged record, an engine assertion) fails the task, which the
// host reports as the worker's death.

import { Engine, EventEncoder, ParsedCommand, type EngineOptions, type OrderId } from '../engine/index.js';
import { CommandRecordDecoder } from '../replay/index.js';
import { BatchOutputEncoder } from './matching-output.js';
import { RingReader, RingWriter } from './matching-ring.js';

export interface MatchingInitTask {
  type: 'init';
  options: EngineOptions;
  /** Engine.snapshot() bytes to start from, or null for empty books. */
  snapshot: Uint8Array | null;
  /** Instrument indexes this worker owns; the books of the others are emptied. */
  owned: number[];
}

export interface MatchingRunTask {
  type: 'run';
  /** Records in (matching-ring.ts); its STOP slot ends the task once drained. */
  input: SharedArrayBuffer;
  /** Event rows out, one entry per batch. */
  output: SharedArrayBuffer;
  /** Records answered per output entry, at most. */
  recordsPerBatchMax: number;
}

export type MatchingTask = MatchingInitTask | MatchingRunTask;

export interface MatchingInitResult {
  liveOrders: number;
}

export interface MatchingRunResult {
  /** Records matched over the task's life. */
  records: number;
}

let engine: Engine | null = null;
let encoder: EventEncoder | null = null;
/** Reads a record's seq (bytes [8, 16) of every record) without decoding the rest first. */
let seqView: DataView | null = null;
let seqViewOf: Uint8Array | null = null;

function recordSeq(bytes: Uint8Array, start: number): number {
  if (bytes !== seqViewOf) {
    seqViewOf = bytes;
    seqView = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  return seqView!.getFloat64(start + 8, true);
}

function run(task: MatchingRunTask): MatchingRunResult {
  const e = engine;
  const sink = encoder;
  if (e === null || sink === null) throw new Error('matching worker: run before init (the worker was restarted?)');
  const input = new RingReader(task.input);
  const output = new RingWriter(task.output);
  // The engine's own symbol table: an add_instrument applied here extends it for the next record.
  const decoder = new CommandRecordDecoder(e.symbols);
  const answer = new BatchOutputEncoder();
  const batchMax = task.recordsPerBatchMax;
  const live = new Uint8Array(batchMax);
  const stopped = (): boolean => input.stopRequested;
  let records = 0;
  // Runs until the host asks it to stop; each pass is bounded by recordsPerBatchMax records, each
  // idle wait by RING_WAIT_MS_MAX.
  for (;;) {
    let start = input.next();
    if (start < 0) {
      if (input.stopRequested) return { records };
      input.waitForData();
      continue;
    }
    const t0 = performance.now();
    sink.reset();
    let count = 0;
    while (start >= 0) {
      const source = input.source;
      const seq = recordSeq(source, start);
      // No checksum: these bytes never left memory (admission's encoder wrote them, the ring
      // copied them); the log's frame and the record's own checksum guard them where they do
      // (recovery, verify). Measured: the CRC was ~14% of this loop (replica-cost.ts profile).
      decoder.decode(source, start, input.end, seq, true);
      const p: ParsedCommand = decoder.command;
      p.seq = seq;
      // Admin commands (add_instrument, halt, resume) have no id: never live.
      const id = p.id;
      sink.begin(id, p.account);
      e.executeParsed(p, sink);
      // Rejects are rare: their detail is read from the state here, not from a replica elsewhere.
      if (sink.rejectAt >= 0) {
        const detail = e.rejectDetailOf(sink.rejectReason!, id as OrderId | null, p);
        if (detail !== undefined) sink.rejectDetail(detail.symbol, detail.originalSeq);
      }
      live[count++] = id !== null && e.isLive(id) ? 1 : 0;
      if (count === batchMax) break;
      start = input.next();
    }
    input.release();
    records += count;
    const length = answer.encode(count, sink.nums, sink.length, live, sink.refs, e.liveOrders, performance.now() - t0);
    if (!output.writeBlocking(answer.bytes, 0, length, stopped)) return { records };
    output.publish();
  }
}

export default function handle(task: MatchingTask): MatchingInitResult | MatchingRunResult {
  if (task.type === 'init') {
    engine = task.snapshot === null ? new Engine(task.options) : Engine.restore(task.snapshot, { verify: false });
    engine.retainInstruments(new Set(task.owned));
    encoder = new EventEncoder(engine.instrumentIndex);
    return { liveOrders: engine.liveOrders };
  }
  return run(task);
}
