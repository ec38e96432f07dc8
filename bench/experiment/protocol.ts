// Why this file exists: the experiment's parent and its crashing children talk through two
// channels — IPC for progress bars (may be lost at the kill, harmless) and a file of JSON lines
// written synchronously (survives SIGKILL: the kernel has it) for everything that is measured.
// Both sides share these shapes.

import type { ModePlan } from './modes.js';
import type { LossCount } from './reference.js';

export interface ChildConfig {
  plan: ModePlan;
  /** Data directory of the mode, or null ('none'). */
  dir: string | null;
  seed: number;
  /** Commands generated: the crash point plus room for the commands still in flight at the kill. */
  commands: number;
  /** Stream fingerprint the parent generated (the child regenerates and checks it). */
  fingerprint: string;
  /** SIGKILL right after this many commands are acknowledged. */
  crashAt: number;
  rate_per_s: number;
  window_ms: number;
  /** Commands due in this first stretch (JIT warm-up) are left out of the run's latency percentiles. */
  warmup_ms: number;
  /** JSON lines out (see ChildLine). */
  out: string;
}

/** Commands acknowledged in one window of the run, and their latency from due time. */
export interface WindowLine {
  type: 'window';
  /** Start of the window, ms since the load began. */
  t_ms: number;
  /** The window's length: window_ms, except the last (it ends at the kill). */
  duration_ms: number;
  acked: number;
  latency_ms_p50: number;
  latency_ms_p99: number;
  latency_ms_max: number;
}

export interface CheckpointLine {
  type: 'checkpoint';
  /** When it started (ms since the load began; backup checkpoints: as reported, approximately). */
  t_ms: number;
  duration_ms: number;
  /** How long admission and acknowledgements stopped (0 for backup-thread checkpoints). */
  pause_ms: number;
  bytes: number;
  /** Resting orders written. */
  orders: number;
  seq: number;
}

export interface RestartLine {
  type: 'restart';
  t_ms: number;
  /** From stopping admission to the reopened exchange taking commands again. */
  downtime_ms: number;
  close_ms: number;
  open_ms: number;
}

export interface CrashLine {
  type: 'crash';
  t_ms: number;
  /** Commands whose submit had resolved (in order) when SIGKILL was sent. */
  acked: number;
  submitted: number;
  /** Longest time between two acknowledgements while load was offered. */
  ack_gap_ms_max: number;
  latency_ms_p50: number;
  latency_ms_p99: number;
  latency_ms_p999: number;
  latency_ms_max: number;
  /** Achieved rate over the run (acked / elapsed). */
  commands_per_s: number;
  live_orders: number;
  checkpoints_taken: number;
  checkpoint_pause_ms_max: number;
  /** Bytes of the data directory's write-ahead log at the crash (matchlog only). */
  wal_bytes: number | null;
  open_ms: number;
}

export interface ErrorLine {
  type: 'error';
  message: string;
}

export type ChildLine = WindowLine | CheckpointLine | RestartLine | CrashLine | ErrorLine;

/** IPC progress messages (best effort). */
export type ChildMessage = { type: 'progress'; acked: number; phase: string };

/** The restart child: restart the exchange on a crashed directory, time it, and check it. */
export interface RestartConfig {
  plan: ModePlan;
  dir: string | null;
  seed: number;
  commands: number;
  fingerprint: string;
  /** Commands acknowledged before the crash. */
  acked: number;
  /** Check the recovered state against the reference (false: timing only). */
  verify: boolean;
}

export interface RestartCheck {
  /** The recovered state hash equals a plain engine fed `recovered_commands` commands. */
  state_hash_equal: boolean;
  /** The restarted exchange took the next command with the right sequence number and events. */
  probe_ok: boolean;
  loss: LossCount;
}

export interface RestartResult {
  type: 'restart';
  /** Exchange.open on the crashed directory until it takes commands. */
  ready_ms: number;
  /** The same, counted from the start of the process (Node and module loading included). */
  process_ready_ms: number;
  recovered_commands: number;
  checkpoint_seq: number | null;
  checkpoint_load_ms: number;
  replayed_commands: number;
  /** Log records replayed (commands and marks). */
  replayed_records: number;
  replay_ms: number;
  live_orders: number;
  /** The restarted exchange's state hash (before the probe command). */
  state_hash: string;
  check: RestartCheck | null;
}
