// Why this file exists: 'memory' durability has no log to replay — recovery (with a directory)
// starts from the newest checkpoint alone, and without a directory nothing survives a restart —
// so nothing ever reads what a memory exchange appends. The general in-memory WAL keeps every
// record for readers that never come (issue 10: a memory exchange without a directory grew
// without bound). This log hands out sequence numbers and keeps nothing.

import { WalClosedError, WalRangeError, type AppendResult, type Durability, type WalRecord, type WriteAheadLog } from '../wal/index.js';

const RESOLVED: Promise<void> = Promise.resolve();
const WHERE = 'memory exchange (records are not kept)';

export class NumberingLog implements WriteAheadLog<Uint8Array> {
  readonly durability: Durability = 'memory';
  private next: number;
  private closed = false;

  constructor(startSeq: number) {
    this.next = startSeq;
  }

  get firstSeq(): number {
    return this.next;
  }
  get lastSeq(): number {
    return this.next - 1;
  }
  get visibleSeq(): number {
    return this.next - 1;
  }
  get durableSeq(): number {
    return this.next - 1;
  }

  append(_record: Uint8Array): AppendResult {
    if (this.closed) throw new WalClosedError(`append on a closed log (${WHERE})`);
    return { seq: this.next++, visible: RESOLVED, durable: RESOLVED };
  }

  /** Numbers the record and keeps nothing (no object, as `append` makes one). */
  appendBytes(_bytes: Uint8Array, _start: number, _end: number): number {
    if (this.closed) throw new WalClosedError(`append on a closed log (${WHERE})`);
    return this.next++;
  }

  /** `appendBytes`: nothing is kept. */
  appendChecksummed(_bytes: Uint8Array, _start: number, _end: number): number {
    if (this.closed) throw new WalClosedError(`append on a closed log (${WHERE})`);
    return this.next++;
  }

  get lastDurable(): Promise<void> {
    return RESOLVED;
  }

  flush(): Promise<void> {
    return RESOLVED;
  }

  read(fromSeq?: number): AsyncIterable<WalRecord<Uint8Array>> {
    return this.nothing(fromSeq ?? this.next);
  }

  readBatch(fromSeq: number): WalRecord<Uint8Array>[] {
    this.nothing(fromSeq);
    return [];
  }

  private nothing(fromSeq: number): AsyncIterable<WalRecord<Uint8Array>> {
    if (fromSeq !== this.next) throw new WalRangeError(fromSeq, `read from seq ${fromSeq}: ${WHERE}`);
    return { [Symbol.asyncIterator]: async function* () {} };
  }

  async reclaim(): Promise<void> {}

  async close(): Promise<void> {
    this.closed = true;
  }
}
