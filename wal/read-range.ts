// Why this file exists: both log implementations must refuse the same out-of-range requests with the same
// messages, so recovery code sees one behaviour whatever the backend.

import { WalRangeError } from './errors.js';

/** A read may start anywhere in [firstSeq, lastSeq + 1]; lastSeq + 1 reads nothing. */
export function check_range(from_seq: number, first_seq: number, last_seq: number, where: string): void {
  if (!Number.isSafeInteger(from_seq) || from_seq < 1) {
    throw new WalRangeError(from_seq, `read from seq ${String(from_seq)}: a sequence number is an integer >= 1 (${where})`);
  }
  if (from_seq < first_seq) {
    throw new WalRangeError(
      from_seq,
      `read from seq ${from_seq}: records below ${first_seq} were reclaimed; the oldest record held is ${first_seq} (${where})`,
    );
  }
  if (from_seq > last_seq + 1) {
    throw new WalRangeError(from_seq, `read from seq ${from_seq}: past the end of the log, last seq is ${last_seq} (${where})`);
  }
}

export function validate_reclaim(upto_seq: number, last_seq: number): void {
  if (!Number.isSafeInteger(upto_seq) || upto_seq < 0) {
    throw new WalRangeError(upto_seq, `reclaim up to seq ${String(upto_seq)}: expected an integer >= 0`);
  }
  if (upto_seq > last_seq) {
    throw new WalRangeError(upto_seq, `reclaim up to seq ${upto_seq}: past the end of the log, last seq is ${last_seq}`);
  }
}
