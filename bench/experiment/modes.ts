// Why this file exists: the research report compared three ways a hypervisor can protect an
// exchange (cold, warm and hot VM snapshots) and proposed a fourth (checkpoint + transaction log).
// This is the one place that says how each is reproduced on the real Exchange, at what interval
// (scaled to the run, in commands, so every mode sees the same commands at the same points), and
// what the report itself measured, so the two can be printed side by side and never confused.

import type { ExchangeOptions } from '../../exchange/options.js';

export const MODE_NAMES = ['none', 'cold', 'warm', 'hot', 'matchlog'] as const;
export type ModeName = (typeof MODE_NAMES)[number];

/** What the report (6 GB VM, 2,000–5,000 orders/s) says about a mode; null where it says nothing. */
export interface ReportFigures {
  pause: string;
  interval: string;
  /** Where in the interval the report's loss figure puts the crash. */
  crashAfter: string;
  lost: string;
}

export interface ModePlan {
  name: ModeName;
  title: string;
  /** How the mode is built on the Exchange, in one sentence for the report. */
  how: string;
  /** Exchange options beyond instruments and dir. */
  exchange: Omit<ExchangeOptions, 'dir' | 'instruments' | 'onWarning'>;
  /** Whether the mode keeps a data directory (checkpoints and/or log). */
  usesDir: boolean;
  /** Commands between snapshots or checkpoints, or null when there are none. */
  intervalCommands: number | null;
  /** cold: acknowledged commands after which the exchange is stopped, dumped and restarted. */
  restartAt: number | null;
  report: ReportFigures | null;
}

/** Never by time: every checkpoint falls at the same command in every run. */
const NEVER_MS = 2 ** 31 - 1;
const NEVER_COMMANDS = 2 ** 40;

/**
 * The plans for a run whose crash comes after `crashAt` acknowledged commands. The report's warm
 * interval (~20 s) and hot interval (~2 min) keep their 6:1 ratio: warm every crashAt/7.5
 * commands (so the crash lands half an interval after the 7th snapshot, the average case), hot
 * every 6 warm intervals (one snapshot, 0.8 of the way in, so the crash lands a quarter of its
 * interval after it — hot's loss here is half its average case; the tables say so). The cold stop
 * is halfway.
 * matchlog checkpoints every 2 warm intervals and keeps all of them, so recovery can also be
 * timed from older checkpoints (longer log tails).
 */
export function planModes(crashAt: number): ModePlan[] {
  if (!Number.isSafeInteger(crashAt) || crashAt < 100) throw new RangeError(`crashAt must be an integer ≥ 100, got ${crashAt}`);
  const warm = Math.round(crashAt / 7.5);
  const hot = warm * 6;
  const checkpoint = warm * 2;
  return [
    {
      name: 'none',
      title: 'unprotected',
      how: "durability 'memory', no data directory: the baseline for latency, and what a crash costs with no protection at all",
      exchange: { durability: 'memory' },
      usesDir: false,
      intervalCommands: null,
      restartAt: null,
      report: null,
    },
    {
      name: 'cold',
      title: 'cold snapshot',
      how: "durability 'memory' with a directory; halfway through, close() (which dumps the whole state) and open() again from the dump, in the same process (a real cold boot adds process start-up: see 'ready incl. process start')",
      exchange: { durability: 'memory', checkpointMode: 'pause', checkpointEvery: NEVER_COMMANDS, checkpointIntervalMs: NEVER_MS },
      usesDir: true,
      intervalCommands: null,
      restartAt: Math.round(crashAt / 2),
      report: { pause: 'full shutdown and cold boot', interval: 'at shutdowns only', crashAfter: 'any time after a shutdown', lost: 'everything since the last shutdown' },
    },
    {
      name: 'warm',
      title: 'warm snapshot',
      how: "durability 'memory', checkpointMode 'pause': admission and acknowledgements stop while the state is snapshotted, hashed and written",
      exchange: { durability: 'memory', checkpointMode: 'pause', checkpointEvery: warm, checkpointIntervalMs: NEVER_MS, checkpointsKept: 2 },
      usesDir: true,
      intervalCommands: warm,
      restartAt: null,
      report: { pause: '30–120 s', interval: '~20 s', crashAfter: 'a whole interval (worst case)', lost: '40,000–100,000' },
    },
    {
      name: 'hot',
      title: 'hot snapshot',
      how: "durability 'memory', checkpointMode 'backup': the backup thread snapshots its replica while matching goes on",
      exchange: { durability: 'memory', checkpointMode: 'backup', checkpointEvery: hot, checkpointIntervalMs: NEVER_MS, checkpointsKept: 2 },
      usesDir: true,
      intervalCommands: hot,
      restartAt: null,
      report: { pause: '"imperceptible"', interval: '~2 min', crashAfter: 'a whole interval (worst case)', lost: '240,000–600,000' },
    },
    {
      name: 'matchlog',
      title: 'matchlog (checkpoint + WAL)',
      how: "durability 'sync' (acknowledged = flushed to disk), backup-thread checkpoints, recovery = newest checkpoint + log replay",
      exchange: { durability: 'sync', checkpointMode: 'backup', checkpointEvery: checkpoint, checkpointIntervalMs: NEVER_MS, checkpointsKept: 10 },
      usesDir: true,
      intervalCommands: checkpoint,
      restartAt: null,
      report: { pause: 'none (proposed design)', interval: 'log: every command', crashAfter: 'any time', lost: '0 (the goal)' },
    },
  ];
}

/** The report's measurement of a full dump from inside the application. */
export const REPORT_DUMP = Object.freeze({ orders: 540_000, seconds: 115 });
export const REPORT_VM = '6 GB VM, 2,000–5,000 orders/s';
