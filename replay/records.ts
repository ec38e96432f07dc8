// Why this file exists: what the exchange writes into the write-ahead log. Commands are logged
// as the engine takes them (time stamped by the exchange); marks interleave with them and carry
// the primary's event digest so the backup thread and recovery can assert they reproduce it.

import type { Command } from '../engine/index.js';

export interface MarkRecord {
  op: 'mark';
  /** Sequence number of the last command the digest covers. */
  upto: number;
  /** Commands logged from the beginning of the log through `upto`. */
  commands: number;
  /** EventDigest value after `upto`. */
  digest: string;
  /** Full engine state hash at `upto`, written on graceful close (too costly to take often). */
  stateHash?: string;
}

export type LogRecord = Command | MarkRecord;

export function isMark(record: LogRecord): record is MarkRecord {
  return record.op === 'mark';
}
