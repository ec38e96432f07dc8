// Why this file exists: the caller's-thread side of one matching worker. A shard is a piscina
// pool of exactly one thread that never idles out, so the books it holds in memory stay put and
// tasks run strictly in submission order (piscina's queue is FIFO and the thread takes one task
// at a time). A worker that dies or was replaced is an error, never silently re-created empty.

import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { EngineOptions } from '../types.js';
import type { Packr } from 'msgpackr';
import type { Command, EngineEvent } from '../types.js';
import {
  createChannel,
  packBatch,
  unpackEvents,
  type BatchResult,
  type DigestsResult,
  type InitResult,
  type ShardTask,
  type SnapshotResult,
} from './protocol.js';

/** Under tsx/vitest the worker is TypeScript and needs the tsx loader; built, it is plain JS. */
function workerLocation(): { filename: string; execArgv: string[] } {
  const here = import.meta.url;
  const isTypeScript = here.endsWith('.ts');
  const filename = fileURLToPath(new URL(isTypeScript ? './shard-worker.ts' : './shard-worker.js', here));
  return { filename, execArgv: isTypeScript ? ['--import', 'tsx'] : [] };
}

export class ShardHost {
  private instanceId = 0;
  private failure: Error | null = null;
  private commandChannel: Packr = createChannel();
  private eventChannel: Packr = createChannel();

  private constructor(
    readonly index: number,
    private readonly pool: Piscina,
  ) {
    pool.on('error', (error: Error) => {
      this.failure ??= error;
    });
  }

  static async start(index: number, options: EngineOptions, snapshot: Uint8Array | null): Promise<ShardHost> {
    const { filename, execArgv } = workerLocation();
    const pool = new Piscina({
      filename,
      execArgv,
      minThreads: 1,
      maxThreads: 1,
      idleTimeout: Infinity,
      concurrentTasksPerWorker: 1,
      recordTiming: false,
      name: 'default',
    });
    const host = new ShardHost(index, pool);
    const result = (await host.run({ type: 'init', options, snapshot })) as InitResult;
    host.instanceId = result.instanceId;
    return host;
  }

  /** Error that stopped this shard, if any. */
  get failed(): Error | null {
    return this.failure;
  }

  /**
   * Applies `commands` in order on the worker; resolves with each command's events and whether
   * its id is live afterwards. Packing happens now, so calls must be made in sequence order.
   */
  async batch(commands: readonly Command[]): Promise<{ events: EngineEvent[][]; live: Uint8Array; liveOrders: number }> {
    const bytes = packBatch(this.commandChannel, commands as Command[]);
    const result = this.checked((await this.run({ type: 'batch', commands: bytes })) as BatchResult);
    return { events: unpackEvents(this.eventChannel, result.events), live: result.live, liveOrders: result.liveOrders };
  }

  async digests(): Promise<Uint8Array[]> {
    return this.checked((await this.run({ type: 'digests' })) as DigestsResult).digests;
  }

  async snapshot(): Promise<Uint8Array> {
    return this.checked((await this.run({ type: 'snapshot' })) as SnapshotResult).snapshot;
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
