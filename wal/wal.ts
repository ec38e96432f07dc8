// Why this file exists: the one class callers construct. `Wal.open` validates the options, picks the
// implementation for the durability mode (LMDB with group commit, or memory) and hands
// back an object with the WriteAheadLog interface and nothing of LMDB in it.

import type { AppendResult, Durability, RawRecordVisitor, WalRecord, WriteAheadLog } from './types.js';
import { resolve_options, type WalOptions, type WalResolvedOptions } from './options.js';
import { LmdbWal } from './lmdb-wal.js';
import { MemoryWal } from './memory-wal.js';

export class Wal<T = unknown> implements WriteAheadLog<T> {
  /** The options in force, defaults filled in. */
  readonly options: Readonly<WalResolvedOptions>;
  private readonly log: WriteAheadLog<T>;

  private constructor(options: WalResolvedOptions, log: WriteAheadLog<T>) {
    this.options = Object.freeze({ ...options });
    this.log = log;
  }

  /**
   * Open (or create) a log. Throws WalOptionsError for a bad option, WalCorruptionError
   * if the stored tail fails its checks.
   */
  static async open<T = unknown>(options?: WalOptions): Promise<Wal<T>> {
    const resolved = resolve_options(options);
    const log = resolved.durability === 'memory' ? new MemoryWal<T>(resolved) : new LmdbWal<T>(resolved);
    return new Wal<T>(resolved, log);
  }

  get durability(): Durability {
    return this.log.durability;
  }
  get firstSeq(): number {
    return this.log.firstSeq;
  }
  get lastSeq(): number {
    return this.log.lastSeq;
  }
  get visibleSeq(): number {
    return this.log.visibleSeq;
  }
  get durableSeq(): number {
    return this.log.durableSeq;
  }

  append(command: T): AppendResult {
    return this.log.append(command);
  }
  appendBytes(bytes: Uint8Array, start: number, end: number): number {
    const log = this.log;
    return log.appendBytes === undefined ? log.append(bytes.slice(start, end) as unknown as T).seq : log.appendBytes(bytes, start, end);
  }
  appendChecksummed(bytes: Uint8Array, start: number, end: number): number {
    const log = this.log;
    return log.appendChecksummed === undefined ? this.appendBytes(bytes, start, end) : log.appendChecksummed(bytes, start, end);
  }
  get lastDurable(): Promise<void> | undefined {
    return this.log.lastDurable;
  }
  flush(): Promise<void> {
    return this.log.flush();
  }
  read(fromSeq?: number): AsyncIterable<WalRecord<T>> {
    return this.log.read(fromSeq);
  }
  readBatch(fromSeq: number, maxRecords: number): WalRecord<T>[] {
    return this.log.readBatch(fromSeq, maxRecords);
  }
  readBytes(fromSeq: number, maxRecords: number, visit: RawRecordVisitor): number {
    const log = this.log;
    if (log.readBytes === undefined) throw new TypeError('this log has no readBytes');
    return log.readBytes(fromSeq, maxRecords, visit);
  }
  reclaim(uptoSeq: number): Promise<void> {
    return this.log.reclaim(uptoSeq);
  }
  close(): Promise<void> {
    return this.log.close();
  }
  abandon(): Promise<void> {
    return this.log.abandon === undefined ? this.log.close() : this.log.abandon();
  }
}
