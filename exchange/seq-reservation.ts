// Why this file exists: a 'memory' exchange with a directory has no log, so after a crash it
// restarts from its newest checkpoint and the commands acknowledged after it are gone. Their
// sequence numbers were handed out, though, and a subscriber keyed on `seq` must never see one
// number name two different commands. So the exchange reserves numbers in blocks, durably, before
// handing them out, and a restart continues above the last reservation: the lost numbers become
// a visible gap instead of being reused.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileDurably, RecoveryError } from '../replay/index.js';

const FILE = 'seq-reserved.json';
/** Numbers reserved per write: one small fsynced write per million commands. */
export const SEQ_RESERVE_BLOCK = 1_048_576;

/** The highest reserved sequence number in `dir`, or 0 when none was ever reserved. */
export function readSeqReservation(dir: string): number {
  const file = join(dir, FILE);
  if (!existsSync(file)) return 0;
  let upto: unknown;
  try {
    upto = (JSON.parse(readFileSync(file, 'utf8')) as { upto?: unknown }).upto;
  } catch (error) {
    throw new RecoveryError(`${file} is unreadable: ${(error as Error).message}`);
  }
  if (typeof upto !== 'number' || !Number.isSafeInteger(upto) || upto < 0) throw new RecoveryError(`${file} holds no valid reservation`);
  return upto;
}

export class SeqReservation {
  private constructor(
    private readonly dir: string,
    /** Every number up to this one may be handed out without writing. */
    private upto: number,
  ) {}

  /** Starts reserving above `lastSeq` (the last number this exchange stands at). */
  static open(dir: string, lastSeq: number): SeqReservation {
    const reservation = new SeqReservation(dir, lastSeq);
    reservation.reserve(lastSeq + SEQ_RESERVE_BLOCK);
    return reservation;
  }

  /** Makes sure `seq` is reserved (durably) before it is handed out. */
  cover(seq: number): void {
    if (seq > this.upto) this.reserve(seq + SEQ_RESERVE_BLOCK);
  }

  private reserve(upto: number): void {
    writeFileDurably(join(this.dir, FILE), JSON.stringify({ upto }));
    this.upto = upto;
  }
}
