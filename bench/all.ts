// Why this file exists: `npm run bench` — every microbenchmark and throughput harness of the
// project from one command, each in its own process (fresh heap, no interference), all writing
// JSON and markdown into one folder of the report, stamped with the commit, so two commits can be
// compared file by file. bench.md gathers the markdown in one place.
//
//   npm run bench -- [--report DIR] [--quick] [--only engine,micro,wal,exchange]

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command as Cli, InvalidArgumentError } from 'commander';
import { isMainModule } from './common/main.js';
import { describeEnvironment, environmentLine } from './common/results.js';

const HERE = dirname(fileURLToPath(import.meta.url));

interface Harness {
  name: string;
  title: string;
  /** Node flags, script, arguments; `out` is the folder to write into. */
  args(out: string, quick: boolean): string[];
  /** Markdown files it writes into `out`. */
  markdown: string[];
}

export const HARNESSES: readonly Harness[] = [
  {
    name: 'engine',
    title: 'Matching engine: throughput, latency, memory, peer (bench/engine/harness.ts)',
    args: (out, quick) => ['--expose-gc', '--import', 'tsx', join(HERE, 'engine/harness.ts'), '--out', out, ...(quick ? ['--quick'] : [])],
    markdown: ['engine-bench.md'],
  },
  {
    name: 'micro',
    title: 'Matching engine microbenchmarks, Benchmark.js (bench/engine/micro.ts)',
    args: (out, quick) => ['--import', 'tsx', join(HERE, 'engine/micro.ts'), '--out', out, ...(quick ? ['--max-time', '0.2', '--min-time', '0.02'] : [])],
    markdown: ['engine-micro.md'],
  },
  {
    name: 'wal',
    title: 'Write-ahead log (bench/wal/all.ts)',
    args: (out, quick) => [
      '--import',
      'tsx',
      join(HERE, 'wal/all.ts'),
      '--out',
      out,
      ...(quick ? ['--records', '100000', '--seconds', '1', '--runs', '1'] : []),
    ],
    markdown: ['wal.md'],
  },
  {
    name: 'exchange',
    title: 'Durable exchange end to end (bench/exchange/run.ts)',
    args: (out, quick) => ['--import', 'tsx', join(HERE, 'exchange/run.ts'), '--out', out, ...(quick ? ['--quick'] : [])],
    markdown: ['exchange-bench.md'],
  },
];

function harnessList(value: string): string[] {
  const names = value.split(',').map((n) => n.trim());
  for (const name of names) {
    if (!HARNESSES.some((h) => h.name === name)) {
      throw new InvalidArgumentError(`unknown harness ${name} (known: ${HARNESSES.map((h) => h.name).join(', ')})`);
    }
  }
  return names;
}

export function main(argv: string[]): number {
  const cli = new Cli()
    .name('npm run bench --')
    .description('Run every benchmark harness; write JSON and markdown to REPORT/bench.')
    .option('--report <DIR>', 'report folder (figures go to DIR/bench)', 'matchlog-report')
    .option('--quick', 'small sizes: a smoke run of every harness')
    .option('--only <list>', 'harnesses to run, comma-separated', harnessList);
  cli.parse(argv, { from: 'user' });
  const o = cli.opts<{ report: string; quick?: boolean; only?: string[] }>();
  const out = resolve(o.report, 'bench');
  mkdirSync(out, { recursive: true });
  const chosen = HARNESSES.filter((h) => o.only === undefined || o.only.includes(h.name));
  const sections: string[] = [];
  const failed: string[] = [];
  for (const harness of chosen) {
    process.stdout.write(`\n=== ${harness.title}\n`);
    const t0 = performance.now();
    const run = spawnSync(process.execPath, harness.args(out, o.quick === true), { stdio: 'inherit' });
    const seconds = ((performance.now() - t0) / 1000).toFixed(0);
    if (run.status !== 0) {
      failed.push(harness.name);
      sections.push(`## ${harness.title}\n\nFAILED (exit ${run.status ?? run.signal}) after ${seconds} s.\n`);
      continue;
    }
    const parts = harness.markdown.filter((file) => existsSync(join(out, file))).map((file) => readFileSync(join(out, file), 'utf8'));
    sections.push(`## ${harness.title}\n\n_${seconds} s. Files: ${harness.markdown.join(', ')} and their .json._\n\n${parts.join('\n')}`);
  }
  const header = `# matchlog benchmarks${o.quick ? ' (quick: smoke sizes, not figures)' : ''}\n\n${environmentLine(describeEnvironment())}\n`;
  writeFileSync(join(out, 'bench.md'), `${header}\n${sections.join('\n')}`);
  process.stdout.write(`\nWrote ${join(out, 'bench.md')} and the harnesses' JSON and markdown in ${out}\n`);
  if (failed.length > 0) process.stderr.write(`Failed: ${failed.join(', ')}\n`);
  return failed.length > 0 ? 1 : 0;
}

if (isMainModule(import.meta.url)) process.exitCode = main(process.argv.slice(2));
