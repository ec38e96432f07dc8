// Why this file exists: the record benches (record-codec.ts, frame-checksum.ts) measure encoding and
// framing, not validation, so both start from the same commands already parsed once — the seeded
// `mixed` workload, each with its own ParsedCommand and a distinct time — and time with CPU, not wall.

import { ParsedCommand, parseCommand, toCommand, type OrderCommand as Command } from '../../engine/index.js';
import { createBenchEngine, generateWorkload } from '../engine/workloads.js';

export interface ParsedWorkload {
  /** The commands as objects (rebuilt from the parsed form, so both describe the same command). */
  objects: Command[];
  parsed: ParsedCommand[];
  symbols: string[];
}

/** The first `commands` of the seeded mixed workload that parse (rejects dropped). */
export function parsed_mixed(commands: number): ParsedWorkload {
  const engine = createBenchEngine();
  const specs = engine.instruments;
  const index = new Map(specs.map((spec, i) => [spec.symbol, i]));
  const objects: Command[] = [];
  const parsed: ParsedCommand[] = [];
  let time = 1_700_000_000_000;
  for (const command of generateWorkload('mixed', { commands, seed: 7 })) {
    const p = new ParsedCommand();
    if (parseCommand({ ...command, time: ++time }, index, specs, p, true) !== null) continue;
    parsed.push(p);
    objects.push(toCommand(p) as Command);
  }
  return { objects, parsed, symbols: specs.map((s) => s.symbol) };
}

/** CPU of the whole process (user + system), in µs. */
export function cpu_us(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}
