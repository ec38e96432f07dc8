// Why this file exists: the exchange's-thread side of one matching worker. piscina starts and
// supervises the thread (a pool of exactly one that never idles out, so the books it holds stay
// put); after `init` the worker runs one long task that loops on a SharedArrayBuffer ring, so a
// batch costs a copy of its record bytes and an atomic notify instead of a task round trip (~77 µs
// here) and a structured clone. Records go in as the very bytes the log stores; the worker's
// answers come back on a second ring and are handed to the listener (shards.ts).
//
// Bounded backpressure: when the input ring is full the records wait, in order, in a spill queue
// on this thread (never overwritten; the exchange's maxPending bounds it), and move into the ring
// as the worker frees room. The exchange's thread never blocks: it learns that answers are ready
// from Atomics.waitAsync on the output ring (armed only while answers are owed). A worker that
// dies, or whose task ends without being asked to, is an error: never silently re-created empty.

import { Piscina } from 'piscina';
import { workerEntry, type EngineOptions } from '../engine/index.js';
import { Fifo } from './fifo.js';
import { BatchOutputDecoder, type BatchOutput } from './matching-output.js';
import { createRingBuffer, RingReader, RingWriter } from './matching-ring.js';
import type { MatchingInitResult, MatchingRunResult, MatchingTask } from './matching-worker.js';

/** Input ring per worker: ~25,000 records of the mixed workload (≈80 bytes each) before spilling. */
export const MATCHING_INPUT_RING_BYTES = 2 * 1024 * 1024;
/** Output ring per worker: a few batches of answers; a larger answer crosses in chunks. */
export const MATCHING_OUTPUT_RING_BYTES = 4 * 1024 * 1024;
/** A safety net only: a waitAsync is woken by the worker's notify; this bounds a lost wake-up. */
const OUTPUT_WAIT_MS_MAX = 1000;

export interface MatchingLimits {
  /** Input ring data bytes (a power of two). */
  inputRingBytes: number;
  /** Output ring data bytes (a power of two). */
  outputRingBytes: number;
  /** Records the worker answers per output entry, at most. */
  recordsPerBatchMax: number;
}

export interface MatchingHostListener {
  /** One batch's answer (valid during the call only). */
  onOutput(output: BatchOutput): void;
  /** Every answer ready so far was handed over. */
  onDrained(): void;
  /** The worker died or failed. */
  onError(error: Error): void;
}

type WaitAsync = (array: Int32Array, index: number, value: number, timeoutMs?: number) => { async: boolean; value: Promise<unknown> | string };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

export class MatchingHost {
  /** Live orders on this worker as of its last answer (init, then each batch). */
  liveOrders = 0;
  /** Records handed to `write` whose answer has not come back. */
  private outstanding = 0;
  private readonly input: RingWriter;
  private readonly output: RingReader;
  private readonly decoder = new BatchOutputDecoder();
  /** Records that did not fit in the input ring, oldest first (copies). */
  private readonly spill = new Fifo<Uint8Array>();
  private armed = false;
  private failure: Error | null = null;
  private stopping = false;
  private listener: MatchingHostListener | null = null;
  private running: Promise<unknown> | null = null;

  private constructor(
    readonly index: number,
    private readonly pool: Piscina,
    limits: MatchingLimits,
    private readonly recordsPerBatchMax: number,
  ) {
    this.input = new RingWriter(createRingBuffer(limits.inputRingBytes));
    this.output = new RingReader(createRingBuffer(limits.outputRingBytes));
    pool.on('error', (error: Error) => this.failed(error));
  }

  /**
   * A worker's pool, started before its state is known: piscina starts the thread and preloads
   * the worker module at once, so Exchange.open does this before recovery and the thread loads
   * while the opening thread recovers (docs/measurements.md, issue 9). `start` hands it its state; `destroy` an
   * unused one.
   */
  static spawn(): Piscina {
    const { filename, argv } = workerEntry(import.meta.url, 'matching-worker');
    return new Piscina({
      filename,
      argv,
      minThreads: 1,
      maxThreads: 1,
      idleTimeout: Infinity,
      concurrentTasksPerWorker: 1,
      recordTiming: false,
      name: 'default',
    });
  }

  /** Starts worker `index` (in `pool`, spawned earlier, or a new one) owning the instruments `owned` (indexes in configuration order). */
  static async start(
    index: number,
    options: EngineOptions,
    snapshot: Uint8Array | null,
    owned: number[],
    limits: MatchingLimits,
    pool: Piscina = MatchingHost.spawn(),
  ): Promise<MatchingHost> {
    const host = new MatchingHost(index, pool, limits, limits.recordsPerBatchMax);
    try {
      const init: MatchingTask = { type: 'init', options, snapshot, owned };
      const result = (await pool.run(init)) as MatchingInitResult;
      host.liveOrders = result.liveOrders;
    } catch (error) {
      await pool.destroy();
      throw new Error(`matching worker ${index} failed to start: ${(error as Error).message}`, { cause: error });
    }
    return host;
  }

  /** Starts the worker's ring loop; answers and failures go to `listener`. */
  listen(listener: MatchingHostListener): void {
    this.listener = listener;
    const task: MatchingTask = {
      type: 'run',
      input: this.input.buffer,
      output: this.output.buffer,
      recordsPerBatchMax: this.recordsPerBatchMax,
    };
    this.running = this.pool.run(task).then(
      (result: MatchingRunResult) => {
        if (!this.stopping) this.failed(new Error(`its loop ended unasked after ${result.records} records`));
      },
      (error: Error) => this.failed(error),
    );
  }

  /** Error that stopped this worker, if any. */
  get failedWith(): Error | null {
    return this.failure;
  }

  private failed(error: Error): void {
    if (this.failure !== null) return;
    this.failure = new Error(`matching worker ${this.index} failed: ${error.message}`, { cause: error });
    this.listener?.onError(this.failure);
  }

  /**
   * Queues one record (bytes[start, end), valid during the call only) for the worker: copied into the input
   * ring, or behind earlier ones in the spill queue when the ring is full. Visible to the worker
   * after `publish`.
   */
  write(bytes: Uint8Array, start = 0, end = bytes.length): void {
    this.outstanding++;
    if (this.spill.length > 0 || !this.input.tryWrite(bytes, start, end)) this.spill.push(bytes.slice(start, end));
  }

  /** Makes the records written so far visible to the worker, wakes it, and waits for its answers. */
  publish(): void {
    if (this.failure !== null) return;
    this.unspill();
    this.input.publish();
    this.arm();
  }

  /** Moves spilled records into the ring while they fit, oldest first. */
  private unspill(): void {
    const spill = this.spill;
    // Bounded by the spilled records.
    for (let bytes = spill.peek(); bytes !== undefined && this.input.tryWrite(bytes); bytes = spill.peek()) spill.shift();
  }

  private arm(): void {
    if (this.armed || this.outstanding === 0 || this.failure !== null) return;
    this.armed = true;
    const output = this.output;
    const ready = output.hasData ? null : waitAsync(output.control, 0, output.publishedWrite, OUTPUT_WAIT_MS_MAX);
    if (ready === null || !ready.async) {
      queueMicrotask(this.drainOrFail);
      return;
    }
    (ready.value as Promise<unknown>).then(this.drainOrFail);
  }

  /**
   * `drain` from a microtask or a wake-up: an answer that cannot be decoded, or a listener that
   * throws, fails this worker (typed, the exchange fails closed) instead of becoming an unhandled
   * rejection nobody listens to.
   */
  private readonly drainOrFail = (): void => {
    try {
      this.drain();
    } catch (error) {
      this.failed(error instanceof Error ? error : new Error(String(error)));
    }
  };

  /** Hands every answer ready to the listener, then refills the ring from the spill. */
  private drain(): void {
    this.armed = false;
    if (this.failure !== null || this.stopping) return;
    const output = this.output;
    const listener = this.listener!;
    let drained = false;
    // Bounded by the answers published (each covers ≥ 1 outstanding record).
    for (let start = output.next(); start >= 0; start = output.next()) {
      const answer = this.decoder.decode(output.source, start, output.end);
      this.outstanding -= answer.count;
      this.liveOrders = answer.liveOrders;
      drained = true;
      listener.onOutput(answer);
      if (this.failure !== null) return;
    }
    output.release();
    if (this.spill.length > 0) {
      this.unspill();
      this.input.publish();
    }
    if (drained) listener.onDrained();
    this.arm();
  }

  /** Stops the worker's loop once its input is drained, then the pool. */
  async close(): Promise<void> {
    this.stopping = true;
    this.input.requestStop();
    await this.running;
    await this.pool.close({ force: false });
  }

  async destroy(): Promise<void> {
    await this.pool.destroy();
  }
}
