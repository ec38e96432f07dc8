// Why this file exists: bench results are only useful if two commits can be compared, so every
// bench writes the same envelope (what ran, where, on which commit) as JSON plus a markdown table
// for notes. Generic: the engine bench, WAL bench and recovery bench all use it.

import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';

export interface BenchEnvironment {
  date_iso: string;
  node: string;
  v8: string;
  platform: string;
  arch: string;
  cpu_model: string;
  cpu_count: number;
  memory_total_bytes: number;
  /** HEAD commit, or null outside a git checkout. */
  git_commit: string | null;
  /** True if tracked files differ from HEAD (results then describe uncommitted code). */
  git_dirty: boolean | null;
  /** Node flags that change measurements (e.g. --expose-gc, --cpu-prof). */
  exec_argv: string[];
  /** 1, 5 and 15 minute load averages when the bench started (a noisy machine shows here). */
  load_average: number[];
}

/** Upper bound on the time the git probes may take; results are still written without them. */
const GIT_TIMEOUT_MS = 5_000;

function git(args: string[]): string | null {
  try {
    return execFileSync('git', args, { encoding: 'utf8', timeout: GIT_TIMEOUT_MS, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

export function describeEnvironment(): BenchEnvironment {
  const cpuList = cpus();
  const status = git(['status', '--porcelain', '--untracked-files=no']);
  return {
    date_iso: new Date().toISOString(),
    node: process.version,
    v8: process.versions.v8,
    platform: process.platform,
    arch: process.arch,
    cpu_model: cpuList[0]?.model ?? 'unknown',
    cpu_count: cpuList.length,
    memory_total_bytes: totalmem(),
    git_commit: git(['rev-parse', 'HEAD']),
    git_dirty: status === null ? null : status.length > 0,
    exec_argv: [...process.execArgv],
    load_average: loadavg().map((value) => Math.round(value * 100) / 100),
  };
}

export interface WrittenResults {
  json_path: string;
  markdown_path: string;
}

/** Writes DIR/<name>.json and DIR/<name>.md (creating DIR); returns the absolute paths. */
export function writeResults(dir: string, name: string, json: unknown, markdown: string): WrittenResults {
  const root = resolve(dir);
  mkdirSync(root, { recursive: true });
  const jsonPath = join(root, `${name}.json`);
  const markdownPath = join(root, `${name}.md`);
  writeFileSync(jsonPath, `${JSON.stringify(json, null, 2)}\n`);
  writeFileSync(markdownPath, markdown.endsWith('\n') ? markdown : `${markdown}\n`);
  return { json_path: jsonPath, markdown_path: markdownPath };
}

/** A GitHub-flavoured markdown table; cells are escaped for `|`. */
export function markdownTable(head: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const cell = (text: string): string => text.replace(/\|/g, '\\|');
  const lines = [
    `| ${head.map(cell).join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
  ];
  return lines.join('\n');
}

/** One line describing the environment, for the top of a markdown report. */
export function environmentLine(env: BenchEnvironment): string {
  const commit = env.git_commit === null ? 'no git' : `${env.git_commit.slice(0, 12)}${env.git_dirty ? ' (dirty)' : ''}`;
  return `Node ${env.node}, ${env.cpu_model} × ${env.cpu_count}, load ${env.load_average.join(' / ')}, commit ${commit}, ${env.date_iso}`;
}
