// Why this file exists: code written against OrderedLog (a replicated member's append → seq → apply loop) must
// run on the embedded log too, so one machine without NATS behaves like a one-member venue and
// the same contract tests pin both implementations. This adapter maps OrderedLog onto a
// WriteAheadLog: an append resolves with its seq once it is durable under the log's mode, and a
// following read wakes when later appends become durable. It adds no storage of its own.

import type { OrderedLog, OrderedReadOptions, WalRecord, WriteAheadLog } from './types.js';
import { WalClosedError } from './errors.js';
import { check_range } from './read-range.js';

export class LocalOrderedLog<T> implements OrderedLog<T> {
  private readonly wal: WriteAheadLog<T>;
  private readonly owns_wal: boolean;
  private waiters: (() => void)[] = [];
  private closing: Promise<void> | null = null;

  /** `ownsWal`: close() closes the wrapped log too. */
  constructor(wal: WriteAheadLog<T>, ownsWal = true) {
    this.wal = wal;
    this.owns_wal = ownsWal;
  }

  get firstSeq(): number {
    return this.wal.firstSeq;
  }
  get lastSeq(): number {
    return this.wal.durableSeq;
  }

  append(record: T): Promise<number> {
    if (this.closing !== null) return Promise.reject(new WalClosedError('append on a closed ordered log'));
    let result;
    try {
      result = this.wal.append(record);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    const { seq, durable } = result;
    return durable.then(() => {
      this.wake();
      return seq;
    });
  }

  private wake(): void {
    if (this.waiters.length === 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter();
  }

  read(fromSeq: number, options: OrderedReadOptions = {}): AsyncIterable<WalRecord<T>> {
    return { [Symbol.asyncIterator]: () => this.reader(fromSeq, options.follow === true, options.signal) };
  }

  private async *reader(from_seq: number, follow: boolean, signal: AbortSignal | undefined): AsyncGenerator<WalRecord<T>> {
    check_range(from_seq, this.wal.firstSeq, follow ? Math.max(this.wal.durableSeq, from_seq - 1) : this.wal.durableSeq, 'ordered log');
    const stop_at = follow ? Number.POSITIVE_INFINITY : this.wal.durableSeq;
    let next = from_seq;
    for (;;) {
      const durable = this.wal.durableSeq;
      if (next <= durable) {
        for await (const record of this.wal.read(next)) {
          if (record.seq > durable || record.seq > stop_at) break;
          yield record;
          next = record.seq + 1;
        }
      }
      if (next > stop_at || this.closing !== null || signal?.aborted === true) return;
      if (this.wal.durableSeq >= next) continue;
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        signal?.addEventListener('abort', () => resolve(), { once: true });
      });
    }
  }

  tail(): Promise<number> {
    return Promise.resolve(this.wal.durableSeq);
  }

  trim(uptoSeq: number): Promise<void> {
    return this.wal.reclaim(uptoSeq);
  }

  flush(): Promise<void> {
    return this.wal.flush().then(() => this.wake());
  }

  close(): Promise<void> {
    if (this.closing === null) {
      this.closing = (async () => {
        await this.wal.flush().catch(() => undefined);
        this.wake();
        if (this.owns_wal) await this.wal.close();
      })();
    }
    return this.closing;
  }
}
