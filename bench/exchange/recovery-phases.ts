// Why this file exists: issue 9's recovery target is a ratio to the in-process floor, and the
// target table's recovery row builds a fresh 1,000,000-order book and tail in a child for every
// run (~1.5 min each). This harness builds the SIGKILLed directory once (recovery-child.ts), then
// alternates fresh-process opens of a copy of it by two checkouts (A: --baseline, B: this one) with
// the floor (Engine.restore of the book + Engine.apply of the tail) measured beside each pair, so
// every ratio is from the same minutes of the same busy machine. It prints each open's phase
// timeline (stats().recovery) so the part of the open that is not replay can be seen.
// Usage: node --import tsx bench/exchange/recovery-phases.ts [--baseline /work/main] [--runs 3]
//        [--resting 1000000] [--tail 990000] [--golden DIR (reuse a directory built before)]

import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command as Cli } from 'commander';
import { median } from '../common/stats.js';
import { load1m, recoveryFloorMs } from './targets.js';

interface OpenResult {
  openMs: number;
  openCpuMs: number;
  firstAckMs: number;
  stateHash: string;
  recovery: Record<string, unknown>;
}

const cli = new Cli()
  .option('--baseline <dirs...>', 'checkouts measured as A, A2, ... (e.g. /work/main)')
  .option('--runs <n>', 'alternating runs', '3')
  .option('--resting <n>', 'resting orders in the checkpoint', '1000000')
  .option('--tail <n>', 'commands after the checkpoint', '990000')
  .option('--golden <dir>', 'the SIGKILLed directory (built there if missing)')
  .parse();
const o = cli.opts<{ baseline?: string[]; runs: string; resting: string; tail: string; golden?: string }>();
const here = resolve(import.meta.dirname, '..', '..');
const resting = Number(o.resting);
const tail = Number(o.tail);
const golden = o.golden ?? join(mkdtempSync(join(tmpdir(), 'matchlog-phases-')), 'golden');

async function buildGolden(): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'bench', 'exchange', 'recovery-child.ts'), golden, String(resting), String(tail)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    cwd: here,
  });
  const ready = await new Promise<{ stateHash: string }>((ok, fail) => {
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const line = text.split('\n').find((l) => l.startsWith('{'));
      if (line !== undefined) ok(JSON.parse(line) as { stateHash: string });
    });
    child.once('exit', (code) => fail(new Error(`recovery child exited early (${code})`)));
  });
  child.kill('SIGKILL');
  await new Promise((ok) => child.once('exit', ok));
  return ready.stateHash;
}

function openWith(root: string): OpenResult {
  const copy = mkdtempSync(join(tmpdir(), 'matchlog-phases-open-'));
  try {
    cpSync(golden, copy, { recursive: true });
    const out = execFileSync(process.execPath, ['--import', 'tsx', join(here, 'bench', 'exchange', 'recovery-open-child.ts'), root, copy], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 1 << 24,
    });
    return JSON.parse(out.toString().trim().split('\n').pop()!) as OpenResult;
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

const expectedHash = existsSync(golden) ? null : await buildGolden();
const sides = [...(o.baseline ?? []).map((dir, i) => ({ name: i === 0 ? 'A' : `A${i + 1}`, root: resolve(dir) })), { name: 'B', root: here }];
const ratios = new Map<string, number[]>(sides.map((s) => [s.name, []]));
const opens = new Map<string, number[]>(sides.map((s) => [s.name, []]));
const acks = new Map<string, number[]>(sides.map((s) => [s.name, []]));
const cpus = new Map<string, number[]>(sides.map((s) => [s.name, []]));
for (let run = 0; run < Number(o.runs); run++) {
  const floorMs = recoveryFloorMs(resting, tail);
  console.log(`run ${run + 1}: floor ${floorMs.toFixed(0)} ms (load ${load1m()})`);
  for (const side of sides) {
    const r = openWith(side.root);
    ratios.get(side.name)!.push(r.openMs / floorMs);
    opens.get(side.name)!.push(r.openMs);
    acks.get(side.name)!.push(r.firstAckMs);
    cpus.get(side.name)!.push(r.openCpuMs);
    const hash = expectedHash === null ? '' : r.stateHash === expectedHash ? ' hash equal' : ' HASH DIFFERS';
    const phases = Object.entries({ ...r.recovery, ...((r.recovery.phases as Record<string, unknown> | undefined) ?? {}) })
      .filter(([key, value]) => typeof value === 'number' && key.endsWith('Ms'))
      .map(([key, value]) => `${key} ${(value as number).toFixed(0)}`)
      .join(', ');
    console.log(`  ${side.name} open ${r.openMs.toFixed(0)} ms (${(r.openMs / floorMs).toFixed(2)}x, CPU ${r.openCpuMs.toFixed(0)} ms), first ack ${r.firstAckMs.toFixed(0)} ms${hash} (load ${load1m()})\n    ${phases}`);
  }
}
for (const side of sides) {
  console.log(
    `${side.name} (${side.root}): median open ${median(opens.get(side.name)!).toFixed(0)} ms (CPU ${median(cpus.get(side.name)!).toFixed(0)} ms), first ack ${median(acks.get(side.name)!).toFixed(0)} ms, ratio to floor ${median(ratios.get(side.name)!).toFixed(2)}x`,
  );
}
if (o.golden === undefined) rmSync(resolve(golden, '..'), { recursive: true, force: true });
