// Why this file exists: what the Exchange's thread allocates per command, and where. Garbage
// collection of per-command objects measured about half of all CPU per command (V8's helper
// threads at 1.9–2.6 µs each, docs/measurements.md, issue 9), so each per-command object is a cost to remove.
// V8's sampling heap profiler, told to keep objects minor and major GCs collected, samples every
// allocation of the main isolate (one sample per `--interval` bytes on average); the sum is bytes
// allocated, attributed to the allocating function. Runs a durable `sync` exchange over the mixed
// workload with `submitMany` batches (or plain `submit` with --submit).
//   npx tsx bench/exchange/alloc-profile.ts [--root /work/main] [--commands 200000] [--submit] [--top 15]

import { mkdtempSync, rmSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_INSTRUMENT, generateWorkload } from '../engine/workloads.js';
import { load1m, loadExchange } from './targets.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : process.argv[i + 1];
}

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: ProfileNode[];
}

const root = arg('--root', process.cwd());
const count = Number(arg('--commands', '200000'));
const top = Number(arg('--top', '15'));
const plain = process.argv.includes('--submit');
const batchOptions = arg('--options', '');
const Exchange = await loadExchange(root);
const warm = generateWorkload('mixed', { commands: 20_000, seed: 999 });
const commands = generateWorkload('mixed', { commands: count, seed: 1000 });
const dir = mkdtempSync(join(tmpdir(), 'matchlog-alloc-'));
const exchange = await Exchange.open({ dir, instruments: [{ ...BENCH_INSTRUMENT }], durability: 'sync', checkpointEvery: 1_000_000_000, checkpointIntervalMs: 2 ** 31 - 1 });
type Many = (c: readonly unknown[], o?: unknown) => Promise<unknown[]>;
const submitMany = (exchange as unknown as { submitMany: Many }).submitMany.bind(exchange);
const options = batchOptions === '' ? undefined : (JSON.parse(batchOptions) as unknown);

async function drive(list: readonly unknown[]): Promise<void> {
  const inFlight: Array<Promise<unknown>> = [];
  if (plain) {
    for (let i = 0; i < list.length; i++) {
      inFlight.push(exchange.submit(list[i] as never));
      if (inFlight.length >= 8192) await Promise.all(inFlight.splice(0, 4096));
    }
  } else {
    for (let i = 0; i < list.length; i += 1024) {
      inFlight.push(options === undefined ? submitMany(list.slice(i, i + 1024)) : submitMany(list.slice(i, i + 1024), options));
      if (inFlight.length >= 8) await inFlight.shift();
    }
  }
  await Promise.all(inFlight);
}

await drive(warm);
const session = new Session();
session.connect();
const interval = Number(arg('--interval', '4096'));
await session.post('HeapProfiler.startSampling', {
  samplingInterval: interval,
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: true,
} as never);
// Garbage collection pauses of the exchange's thread during the measured run (count and ms).
const pauses = { minor: 0, major: 0, minorMs: 0, majorMs: 0 };
const observer = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const kind = ((entry as unknown as { detail?: { kind?: number } }).detail)?.kind;
    if (kind === constants.NODE_PERFORMANCE_GC_MINOR) {
      pauses.minor++;
      pauses.minorMs += entry.duration;
    } else {
      pauses.major++;
      pauses.majorMs += entry.duration;
    }
  }
});
observer.observe({ entryTypes: ['gc'] });
await drive(commands);
await new Promise((resolve) => setImmediate(resolve));
observer.disconnect();
const { profile } = (await session.post('HeapProfiler.stopSampling')) as unknown as { profile: { head: ProfileNode } };
session.disconnect();
await exchange.close();
rmSync(dir, { recursive: true, force: true });

// Self bytes per function, and per (function ← caller) so a generic allocator is attributed.
const self = new Map<string, number>();
let total = 0;
const name = (n: ProfileNode): string => {
  const file = n.callFrame.url.split('/').slice(-2).join('/');
  return `${n.callFrame.functionName || '(anonymous)'} ${file}:${n.callFrame.lineNumber + 1}`;
};
const walk = (n: ProfileNode, parent: string): void => {
  if (n.selfSize > 0) {
    const key = `${name(n)}  ← ${parent}`;
    self.set(key, (self.get(key) ?? 0) + n.selfSize);
    total += n.selfSize;
  }
  for (const child of n.children) walk(child, name(n));
};
walk(profile.head, '(root)');
console.log(`${root}: ${plain ? 'submit' : `submitMany${batchOptions === '' ? '' : ` ${batchOptions}`}`}, ${count} commands, load ${load1m()}: ${(total / count).toFixed(0)} bytes allocated per command (main isolate, sampled every ${interval} B)`);
console.log(
  `  GC pauses on this thread: ${pauses.minor} minor (${pauses.minorMs.toFixed(0)} ms), ${pauses.major} major/other (${pauses.majorMs.toFixed(0)} ms); ` +
    `${(((pauses.minorMs + pauses.majorMs) * 1000) / count).toFixed(2)} µs per command`,
);
for (const [key, bytes] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`  ${(bytes / count).toFixed(0).padStart(6)} B  ${key}`);
}
