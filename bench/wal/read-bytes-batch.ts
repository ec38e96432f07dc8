// Why this file exists: recovery's read of the log (issue 9, replay phase) is LMDB plus the frame
// CRC of every record before any decode. This measures that read alone (a visitor that does
// nothing) on a copy of a real exchange log, for several readBytes batch sizes alternated in one
// process, so the cost of a batch that ends inside a chunk (the next call checks that whole chunk
// again) is seen as a ratio; then the same read plus the decode of every record, with the
// record's own CRC computed (as recovery did) or skipped where the frame was version 2 (as now).
// Usage: node --import tsx bench/wal/read-bytes-batch.ts <wal dir> [--from SEQ] [--runs 5]

import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command as Cli } from 'commander';
import { median } from '../common/stats.js';
import { Wal } from '../../wal/index.js';
import { CommandRecordDecoder } from '../../replay/index.js';

const cli = new Cli().argument('<wal>').option('--from <seq>', 'first seq read (default: the log\'s first)').option('--runs <n>', 'alternating runs', '5').parse();
const o = cli.opts<{ from?: string; runs: string }>();
const copy = mkdtempSync(join(tmpdir(), 'matchlog-read-bytes-'));
cpSync(cli.args[0], copy, { recursive: true });
const wal = await Wal.open<Uint8Array>({ path: copy, durability: 'async', records: 'bytes' });
const from = o.from === undefined ? wal.firstSeq : Number(o.from);
const records = wal.lastSeq - from + 1;
let bytes = 0;
const visit = (_seq: number, _b: Uint8Array, start: number, end: number): void => {
  bytes += end - start;
};
const batches = [1024, 65_536];
const times = new Map<number, number[]>(batches.map((b) => [b, []]));
for (let run = 0; run < Number(o.runs); run++) {
  for (const batch of batches) {
    bytes = 0;
    const t0 = performance.now();
    let seq = from;
    for (let n; (n = wal.readBytes(seq, batch, visit)) > 0; ) seq += n;
    times.get(batch)!.push(performance.now() - t0);
  }
}
const load = (await import('node:os')).loadavg()[0].toFixed(1);
for (const batch of batches) {
  const ms = median(times.get(batch)!);
  console.log(`batch ${String(batch).padStart(6)}: median ${ms.toFixed(0)} ms for ${records} records (${((ms * 1000) / records).toFixed(3)} µs a record, ${((bytes / records) | 0)} payload bytes a record), load ${load}`);
}
console.log(`ratio 1024 / 65536: ${(median(times.get(1024)!) / median(times.get(65_536)!)).toFixed(2)}x`);

// Read (65,536 a call) + decode. A decode of a record naming an instrument beyond this table
// would throw: the exchange logs measured here hold the configured instruments' records.
const decoder = new CommandRecordDecoder(['BENCH', ...Array.from({ length: 255 }, (_, i) => `I${i}`)]);
let skipped = 0;
const modes = ['record CRC computed', 'record CRC skipped on v2 frames'] as const;
const decodeTimes = new Map<string, number[]>(modes.map((m) => [m, []]));
for (let run = 0; run < Number(o.runs); run++) {
  for (const mode of modes) {
    const skip = mode !== modes[0];
    skipped = 0;
    const decodeVisit = (seq: number, b: Uint8Array, start: number, end: number, checked: boolean): void => {
      if (checked && skip) skipped++;
      decoder.decode(b, start, end, seq, checked && skip);
    };
    const t0 = performance.now();
    let seq = from;
    for (let n; (n = wal.readBytes(seq, 65_536, decodeVisit)) > 0; ) seq += n;
    decodeTimes.get(mode)!.push(performance.now() - t0);
  }
}
for (const mode of modes) {
  const ms = median(decodeTimes.get(mode)!);
  console.log(`read + decode, ${mode}: median ${ms.toFixed(0)} ms (${((ms * 1000) / records).toFixed(3)} µs a record), load ${(await import('node:os')).loadavg()[0].toFixed(1)}`);
}
console.log(`records whose own CRC was skipped: ${skipped} of ${records}; ratio ${(median(decodeTimes.get(modes[0])!) / median(decodeTimes.get(modes[1])!)).toFixed(2)}x`);
await wal.close();
rmSync(copy, { recursive: true, force: true });
