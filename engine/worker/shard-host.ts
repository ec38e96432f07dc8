// Why this file exists: the caller's-thread side of one matching worker. A shard is a piscina
// pool of exactly one thread that never idles out, so the books it holds in memory stay put and
// tasks run strictly in submission order (piscina's queue is FIFO and the thread takes one task
// at a time). A worker that dies or was replaced is an error, never silently re-created empty.

import { Piscina } from 'piscina';
import type { EngineOptions } from '../types.js';
import { resolveEngineOptions, type ResolvedInstrument } from '../config.js';
import { decodeEvents } from './event-codec.js';
import { workerEntry } from './location.js';
import type { Command, EngineEvent } from '../types.js';
import { encodeCommands, type EncodedCommands } from './command-codec.js';
import {
  type BatchResult,
  type InitResult,
  type ShardTask,
} from './protocol.js';


export interface ShardBatchResult {
  events: EngineEvent[][];
  live: Uint8Array;
  liveOrders: number;
  workMs: number;
}

export class ShardHost {
  /** Live orders on this worker as of its last answer (init, then each batch). */
  liveOrders = 0;
  private instanceId = 0;
  private failure: Error | null = null;
  private readonly specs: ResolvedInstrument[];
  private readonly instrumentIndex: Map<string, number>;

  private constructor(
    readonly index: number,
    private readonly pool: Piscina,
    options: EngineOptions,
  ) {
    this.specs = resolveEngineOptions(options).instruments;
    this.instrumentIndex = new Map(this.specs.map((spec, index) => [spec.symbol, index]));
    pool.on('error', (error: Error) => {
      this.failure ??= error;
    });
  }

  /**
   * A worker's pool, started before its state is known: piscina starts the thread and preloads
   * the worker module at once, so Exchange.open does this before recovery and the thread loads
   * while the opening thread recovers. `start` hands it its state; `destroy` an unused one.
   */
  static spawn(): Piscina {
    const { filename, argv } = workerEntry(import.meta.url, 'shard-worker');
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

  /** Starts worker `index` (in `pool`, spawned earlier, or a new one), owning the instruments `owned` (indexes in configuration order). */
  static async start(index: number, options: EngineOptions, snapshot: Uint8Array | null, owned: number[], pool: Piscina = ShardHost.spawn()): Promise<ShardHost> {
    const host = new ShardHost(index, pool, options);
    const result = (await host.run({ type: 'init', options, snapshot, owned })) as InitResult;
    host.instanceId = result.instanceId;
    host.liveOrders = result.liveOrders;
    return host;
  }

  /** An add_instrument was logged: commands and events may name the instrument from now on. */
  addInstrument(spec: ResolvedInstrument): void {
    this.instrumentIndex.set(spec.symbol, this.specs.length);
    this.specs.push(spec);
  }

  /** Error that stopped this shard, if any. */
  get failed(): Error | null {
    return this.failure;
  }

  /**
   * Encodes `commands` and applies them in order on the worker. Returns the encoded commands at
   * once — the exchange hands the same numbers to the backup thread — and a promise of each
   * command's events and whether its id is live afterwards.
   */
  batch(commands: readonly Command[], seqs?: ArrayLike<number>): { encoded: EncodedCommands; result: Promise<ShardBatchResult> } {
    const encoded = encodeCommands(commands, this.instrumentIndex, seqs);
    const result = this.run({ type: 'batch', commands: encoded }).then((raw) => {
      const checked = this.checked(raw as BatchResult);
      this.liveOrders = checked.liveOrders;
      return {
        events: decodeEvents(commands, checked.nums, checked.refs, this.specs),
        live: checked.live,
        liveOrders: checked.liveOrders,
        workMs: checked.workMs,
      };
    });
    return { encoded, result };
  }

  async close(): Promise<void> {
    await this.pool.close({ force: false });
  }

  async destroy(): Promise<void> {
    await this.pool.destroy();
  }

  private async run(task: ShardTask): Promise<unknown> {
    if (this.failure !== null) throw this.failure;
    try {
      return await this.pool.run(task);
    } catch (error) {
      this.failure ??= new Error(`matching worker ${this.index} failed: ${(error as Error).message}`);
      throw this.failure;
    }
  }

  private checked<T extends { instanceId: number }>(result: T): T {
    if (result.instanceId !== this.instanceId) {
      this.failure ??= new Error(`matching worker ${this.index} was replaced; its books are gone`);
      throw this.failure;
    }
    return result;
  }
}
