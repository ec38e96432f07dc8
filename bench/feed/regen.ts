// Why this file exists: the feed does not store events twice; `events({ fromSeq })` regenerates them
// from a checkpoint plus the log. This measures what that costs, in the same run: (1) a
// subscription from seq 1 over N logged records (restore + replay + event objects stamped with seq
// and time, handed out one by one through the async iterator), against (2) a silent replay of the
// same records (what recovery does: no event objects), and (3) the ledger rebuild a bytes or age
// retention bound costs at open. Reported as events/s and records/s of CPU
// time (process.cpuUsage: the machine is shared, wall time is mostly waiting for a core), medians of
// --runs, with the 1-minute load average beside each figure.
//
//   tsx bench/feed/regen.ts [--commands 200000] [--runs 3]

import { loadavg } from 'node:os';
import { Command as Cli } from 'commander';
import { Exchange, type ExchangeCommand } from '../../index.js';
import { Engine } from '../../engine/index.js';
import { initialDigest } from '../../replay/index.js';
import { FeedReplay } from '../../exchange/feed-replay.js';
import { FeedRetention } from '../../exchange/feed-retention.js';
import { Wal } from '../../wal/index.js';
import { BENCH_INSTRUMENT, generateWorkload } from '../engine/workloads.js';
import { median, scratch_dir } from '../wal/common.js';

const cli = new Cli().option('--commands <n>', 'commands logged', '200000').option('--runs <n>', 'runs (medians)', '3');
cli.parse();
const opts = cli.opts<{ commands: string; runs: string }>();
const commands = Number(opts.commands);
const runs = Number(opts.runs);

const cpuUs = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
const load = (): string => loadavg()[0].toFixed(2);

const dir = scratch_dir('matchlog-bench-feed-');
const instruments = [{ ...BENCH_INSTRUMENT }];
const options = { dir: dir.path, instruments, durability: 'async' as const, feedRetentionCommands: 2 ** 40, checkpointEveryCommands: 2 ** 40 };
try {
  const ex = await Exchange.open(options);
  const workload = generateWorkload('mixed', { commands, seed: 7 }) as unknown as ExchangeCommand[];
  let lastCommandSeq = 0;
  for (let i = 0; i < workload.length; i += 8192) {
    const results = await ex.submitMany(workload.slice(i, i + 8192));
    lastCommandSeq = results[results.length - 1].seq!;
  }
  const lastSeq = lastCommandSeq;
  const regen: number[] = [];
  const regenRecords: number[] = [];
  const silent: number[] = [];
  let events = 0;
  for (let run = 0; run < runs; run++) {
    // (1) the feed from seq 1: every event, through the iterator.
    const t0 = cpuUs();
    events = 0;
    const feed = ex.events({ fromSeq: 1 });
    for (;;) {
      const next = await feed.next();
      if (next.done === true) break;
      events++;
      if (next.value.seq === lastSeq) break;
    }
    await feed.return!();
    const us = cpuUs() - t0;
    regen.push((events / us) * 1e6);
    regenRecords.push((lastSeq / us) * 1e6);
  }
  await ex.close();
  // (2) the same records replayed silently (recovery's work), through the same code path.
  const wal = await Wal.open<Uint8Array>({ path: `${dir.path}/wal`, durability: 'async', records: 'bytes' });
  for (let run = 0; run < runs; run++) {
    const t0 = cpuUs();
    const replay = new FeedReplay({ engine: new Engine({ instruments }), seq: 0, commands: 0, digest: initialDigest() }, wal.lastSeq + 1, wal.lastSeq, wal, 65_536);
    const sink: never[] = [];
    while (replay.step(4096, sink) > 0);
    silent.push((wal.lastSeq / (cpuUs() - t0)) * 1e6);
  }
  // (3) what a bytes or age bound costs at open: the ledger is rebuilt by reading the retained log.
  const ledger: number[] = [];
  for (let run = 0; run < runs; run++) {
    const t0 = cpuUs();
    new FeedRetention({ commands: 0, bytes: 1, ms: 0 }).scan(wal, instruments.map((spec) => spec.symbol));
    ledger.push((wal.lastSeq / (cpuUs() - t0)) * 1e6);
  }
  await wal.close();
  const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
  console.log(`feed regeneration over ${fmt(lastSeq)} records (${fmt(events)} events), medians of ${runs} runs, CPU time, load ${load()}`);
  console.log(`  events({ fromSeq: 1 }) : ${fmt(median(regen))} events/s = ${fmt(median(regenRecords))} records/s`);
  console.log(`  silent replay (recovery): ${fmt(median(silent))} records/s`);
  console.log(`  ratio regeneration / silent replay (records/s): ${(median(regenRecords) / median(silent)).toFixed(2)}`);
  console.log(`  ledger rebuild at open (bytes/age retention): ${fmt(median(ledger))} records/s`);
} finally {
  dir.cleanup();
}
