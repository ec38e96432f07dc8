// Why this file exists: the opening thread's replay rate is the figure issue 9 sets (≥ 1.5 M
// commands/s), and whole-process recovery timings on 2 shared cores swing 2× run to run. This times
// recover() alone, in this process, on one crashed directory (made by recovery-child.ts and
// SIGKILLed), alternating the record checksum on and off (RecoverOptions.logChecksRecords) in the
// same run, medians, with the machine's load beside them.
//
//   npx tsx bench/exchange/recovery-replay.ts DIR [--runs 5]

import { cpSync, rmSync, mkdtempSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InstrumentSpec } from '../../engine/index.js';
import { CheckpointStore, recover } from '../../replay/index.js';
import { Wal } from '../../wal/index.js';
import { median } from '../common/stats.js';

const [source, ...rest] = process.argv.slice(2);
const runs = rest[0] === '--runs' ? Number(rest[1]) : 5;
// The configuration the directory was made with (recovery-child.ts writes it; refuses nothing here).
const config = JSON.parse(readFileSync(join(source, 'matchlog.json'), 'utf8')) as { instruments: InstrumentSpec[]; maxOrders: number };

/**
 * `cpuUsPerCommand`: this process's CPU (user + system) over recover() per replayed command: on a
 * shared machine wall time measures the neighbours; one thread's CPU much less so.
 */
async function once(logChecksRecords: boolean): Promise<{ replayMs: number; rate: number; checkpointMs: number; cpuUsPerCommand: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'matchlog-replay-bench-'));
  try {
    cpSync(source, dir, { recursive: true });
    const wal = await Wal.open<Uint8Array>({ path: join(dir, 'wal'), durability: 'sync', records: 'bytes', mapSize: 2 ** 34 });
    try {
      const store = new CheckpointStore(join(dir, 'checkpoints'));
      const options = { instruments: config.instruments, maxOrders: config.maxOrders };
      const c0 = process.cpuUsage();
      const r = recover(wal, store, options, () => undefined, { onLogBehind: 'skip', deferChecks: true, logChecksRecords });
      const c = process.cpuUsage(c0);
      const cpuUsPerCommand = (c.user + c.system) / r.stats.replayedCommands;
      return { replayMs: r.stats.replayMs, rate: r.stats.replayCommandsPerS, checkpointMs: r.stats.checkpointLoadMs, cpuUsPerCommand };
    } finally {
      await wal.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const rows: Record<string, number[]> = { checked: [], skipped: [] };
const cpu: Record<string, number[]> = { checked: [], skipped: [] };
const loads: number[] = [];
for (let i = 0; i < runs; i++) {
  for (const skip of [false, true]) {
    loads.push(loadavg()[0]);
    const r = await once(skip);
    rows[skip ? 'skipped' : 'checked'].push(r.rate);
    cpu[skip ? 'skipped' : 'checked'].push(r.cpuUsPerCommand);
    console.log(
      `${skip ? 'frame CRC only   ' : 'frame + record CRC'}: replay ${r.replayMs.toFixed(0)} ms, ${r.rate} commands/s, ` +
        `recover() CPU ${r.cpuUsPerCommand.toFixed(2)} µs per replayed command (checkpoint ${r.checkpointMs.toFixed(0)} ms, load ${loads.at(-1)!.toFixed(1)})`,
    );
  }
}
const a = median(rows.checked);
const b = median(rows.skipped);
const ca = median(cpu.checked);
const cb = median(cpu.skipped);
console.log(
  `medians: replay rate frame + record CRC ${a}/s, frame CRC only ${b}/s (${(b / a).toFixed(2)}x); ` +
    `recover() CPU per replayed command ${ca.toFixed(2)} / ${cb.toFixed(2)} µs (${(ca / cb).toFixed(2)}x); load ${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)}`,
);
