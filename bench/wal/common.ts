// Why this file exists: the WAL benchmarks share their workload (realistic order commands), their output
// (a table on stdout, JSON to --out) and their statistics (medians over runs, HDR
// latency percentiles), so every figure in a report is produced the same way. The
// machine is shared and small, so each result also records the load it ran under.

import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Table from 'cli-table3';
import { describeEnvironment, environmentLine, markdownTable, type BenchEnvironment } from '../common/results.js';

// One definition of the workload record, shared with the WAL tests (content follows from n).
import { order_command, type OrderCommand } from '../../test/wal/helpers.js';

export { order_command, type OrderCommand };

export function order_commands(count: number): OrderCommand[] {
  return Array.from({ length: count }, (_, i) => order_command(i + 1));
}

export { median } from '../common/stats.js';

/** The shared bench envelope (commit, machine, load) plus the load when this bench started. */
export type Environment = BenchEnvironment & { loadavg_1m_start: number };

export function environment(): Environment {
  return { ...describeEnvironment(), loadavg_1m_start: Number(loadavg()[0].toFixed(2)) };
}

export function loadavg_1m(): number {
  return Number(loadavg()[0].toFixed(2));
}

export interface ScratchDir {
  readonly path: string;
  cleanup(): void;
}

export function scratch_dir(prefix: string): ScratchDir {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

export function file_bytes(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** Every table printed so far, kept for the markdown file (`write_markdown`). */
const printed: string[] = [];

export function print_table(title: string, head: string[], rows: (string | number)[][]): void {
  const cells = rows.map((row) => row.map((cell) => (typeof cell === 'number' ? format_number(cell) : cell)));
  const table = new Table({ head });
  for (const row of cells) table.push(row);
  process.stdout.write(`\n${title}\n${table.toString()}\n`);
  printed.push(`### ${title}\n\n${markdownTable(head, cells)}\n`);
}

/** Writes `<dir>/<name>.md`: every table printed by this process, under the environment line. */
export function write_markdown(out: string | undefined, name: string, title: string): void {
  if (out === undefined || out.endsWith('.json')) return;
  mkdirSync(out, { recursive: true });
  const file = join(out, `${name}.md`);
  writeFileSync(file, `## ${title}\n\n${environmentLine(describeEnvironment())}\n\n${printed.join('\n')}`);
  process.stdout.write(`wrote ${file}\n`);
}

export function format_number(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US');
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(3);
}

/** Write JSON to `out`: a file path, or a directory (then `<dir>/<name>.json`). */
export function write_json(out: string | undefined, name: string, value: unknown): void {
  if (out === undefined) return;
  const is_file = out.endsWith('.json');
  const file = is_file ? out : join(out, `${name}.json`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(value, null, 2) + '\n');
  process.stdout.write(`wrote ${file}\n`);
}

export function yield_to_loop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** True when the module with this `import.meta.url` is the script Node was started with. */
export function is_main(import_meta_url: string): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import_meta_url));
  } catch {
    return false;
  }
}
