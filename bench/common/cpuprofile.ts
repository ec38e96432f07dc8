// Why this file exists: `node --cpu-prof` writes a .cpuprofile (JSON) that needs DevTools to read;
// for notes and reviews we want the top self-time functions as a table. This folds samples by
// function (name + url + line) and prints self and total time. Generic: any bench can use it.
//
//   tsx bench/common/cpuprofile.ts PROFILE.cpuprofile [--top 25] [--lines]
//
// Line figures need un-minified JS with real line numbers (tsx reports line 1 for everything);
// bundle first, e.g. `npx esbuild bench/engine/profile.ts --bundle --platform=node --format=esm
// --packages=external --outfile=/tmp/p/profile.mjs` and profile that file.

import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { isMainModule } from './main.js';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
  /** Samples per source line (1-based) of this node's function. */
  positionTicks?: Array<{ line: number; ticks: number }>;
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface FunctionCost {
  function: string;
  location: string;
  self_ms: number;
  self_percent: number;
  total_ms: number;
  total_percent: number;
}

function keyOf(frame: CallFrame): string {
  return `${frame.functionName || '(anonymous)'}\u0000${frame.url}\u0000${frame.lineNumber}`;
}

/** Self and total (inclusive) time per function, sorted by self time. */
export function summarizeCpuProfile(profile: CpuProfile): FunctionCost[] {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const selfUs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    const delta = profile.timeDeltas[i] ?? 0;
    selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
  }
  const totalUs = profile.endTime - profile.startTime;
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (node === undefined) continue;
    const key = keyOf(node.callFrame);
    self.set(key, (self.get(key) ?? 0) + us);
    // Inclusive time: charge every distinct function on the stack once.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)?.callFrame;
      if (frame === undefined) break;
      const k = keyOf(frame);
      if (seen.has(k)) continue;
      seen.add(k);
      total.set(k, (total.get(k) ?? 0) + us);
    }
  }
  const rows: FunctionCost[] = [];
  for (const [key, us] of self) {
    const [name, url, line] = key.split('\u0000');
    rows.push({
      function: name,
      location: url === '' ? '' : `${basename(url)}:${Number(line) + 1}`,
      self_ms: us / 1000,
      self_percent: (100 * us) / totalUs,
      total_ms: (total.get(key) ?? 0) / 1000,
      total_percent: (100 * (total.get(key) ?? 0)) / totalUs,
    });
  }
  return rows.sort((a, b) => b.self_ms - a.self_ms);
}

export interface LineCost {
  location: string;
  url: string;
  line: number;
  function: string;
  ticks: number;
  percent: number;
}

/** Samples per source line (self time), hottest first. Needs a profile of un-minified JS. */
export function hotLines(profile: CpuProfile): LineCost[] {
  const ticks = new Map<string, LineCost>();
  let total = 0;
  for (const node of profile.nodes) {
    for (const tick of node.positionTicks ?? []) {
      const key = `${node.callFrame.url}\u0000${tick.line}`;
      const entry = ticks.get(key);
      total += tick.ticks;
      if (entry !== undefined) entry.ticks += tick.ticks;
      else {
        ticks.set(key, {
          location: `${basename(node.callFrame.url)}:${tick.line}`,
          url: node.callFrame.url,
          line: tick.line,
          function: node.callFrame.functionName || '(anonymous)',
          ticks: tick.ticks,
          percent: 0,
        });
      }
    }
  }
  const rows = [...ticks.values()].sort((a, b) => b.ticks - a.ticks);
  for (const row of rows) row.percent = total === 0 ? 0 : (100 * row.ticks) / total;
  return rows;
}

function sourceLine(url: string, line: number): string {
  if (!url.startsWith('file://')) return '';
  try {
    return (readFileSync(new URL(url), 'utf8').split('\n')[line - 1] ?? '').trim().slice(0, 100);
  } catch {
    return '';
  }
}

/** Explicit limit on the rows printed. */
const TOP_MAX = 500;

function main(argv: string[]): void {
  const file = argv[2];
  if (file === undefined) throw new Error('usage: cpuprofile.ts PROFILE.cpuprofile [--top N]');
  const topIndex = argv.indexOf('--top');
  const top = Math.min(TOP_MAX, topIndex > 0 ? Number(argv[topIndex + 1]) : 25);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const rows = summarizeCpuProfile(profile).slice(0, top);
  console.log(`self ms   self %  total %  function (location)`);
  for (const r of rows) {
    console.log(
      `${r.self_ms.toFixed(1).padStart(8)}  ${r.self_percent.toFixed(1).padStart(6)}  ${r.total_percent.toFixed(1).padStart(7)}  ${r.function} (${r.location})`,
    );
  }
  if (argv.includes('--lines')) {
    console.log(`\nhottest lines (share of line-attributed samples)\n  %     function  location  source`);
    for (const l of hotLines(profile).slice(0, top)) {
      console.log(`${l.percent.toFixed(1).padStart(5)}  ${l.function}  ${l.location}  ${sourceLine(l.url, l.line)}`);
    }
  }
}

if (isMainModule(import.meta.url)) main(process.argv);
