// Why this file exists: the matching tests drive a real worker (MatchingHost) with the binary
// records admission writes, and compare its answers with Engine.apply on the same commands. This
// is that harness: parse and stamp like the exchange, encode the record, hand the bytes over,
// collect the answers as events.

import {
  type Command,
  decodeEvents,
  Engine,
  type EngineEvent,
  type EngineOptions,
  ParsedCommand,
  parseCommand,
  toCommand,
} from '../../../engine/index.js';
import { MatchingHost, type MatchingLimits } from '../../../exchange/matching-host.js';
import { CommandRecordEncoder } from '../../../replay/index.js';

export const SMALL_LIMITS: MatchingLimits = { inputRingBytes: 4096, outputRingBytes: 4096, recordsPerBatchMax: 64 };
export const DEFAULT_LIMITS: MatchingLimits = { inputRingBytes: 1 << 20, outputRingBytes: 1 << 20, recordsPerBatchMax: 1024 };

export interface Driven {
  /** Events the worker answered, per logged command. */
  worker: EngineEvent[][];
  /** Engine.apply on the same commands (same seqs and times). */
  reference: EngineEvent[][];
  /** Answers (batches) received. */
  batches: number;
}

/**
 * Parses `commands` as the exchange does (malformed ones are skipped: never logged), numbers the
 * rest 1, 2, … and runs them through a worker in chunks of `flushEvery` (one publish each).
 */
export async function driveWorker(options: EngineOptions, commands: readonly unknown[], limits: MatchingLimits, flushEvery = 100): Promise<Driven> {
  const reference = new Engine(options);
  const host = await MatchingHost.start(0, options, null, reference.instruments.map((_, i) => i), limits);
  const encoder = new CommandRecordEncoder();
  const p = new ParsedCommand();
  const records: Command[] = [];
  const expected: EngineEvent[][] = [];
  const answered: EngineEvent[][] = [];
  let batches = 0;
  let failure: Error | null = null;
  let wake: (() => void) | null = null;
  host.listen({
    onOutput: (output) => {
      batches++;
      const mine = records.slice(answered.length, answered.length + output.count);
      answered.push(...decodeEvents(mine, output.nums, output.refs, reference.instruments));
    },
    onDrained: () => wake?.(),
    onError: (error) => {
      failure = error;
      wake?.();
    },
  });
  try {
    let time = 1_000;
    let seq = 0;
    for (let i = 0; i < commands.length; i++) {
      const command = commands[i];
      if (parseCommand(command, reference.instrumentIndex, reference.instruments, p, false, true) !== null) continue;
      const given = (command as { time?: unknown }).time;
      time = typeof given === 'number' && Number.isSafeInteger(given) && given > time ? given : time;
      p.time = time;
      seq++;
      const bytes = encoder.encodeCommand(seq, p);
      records.push(toCommand(p));
      expected.push(reference.applyParsed(p, seq));
      host.write(bytes);
      if (seq % flushEvery === 0) host.publish();
    }
    host.publish();
    // Bounded by the answers owed; each wait ends on an answer or a failure.
    while (answered.length < records.length && failure === null) await new Promise<void>((resolve) => (wake = resolve));
    if (failure !== null) throw failure;
    return { worker: answered, reference: expected, batches };
  } finally {
    if (failure === null) await host.close();
    else await host.destroy();
  }
}
