// Why this file exists: `matchlog verify --dir` is the offline form of the report's primary-backup
// assertion. It replays everything the log still holds — from an empty engine when the log starts
// at 1, else from the oldest checkpoint that verifies and that the log continues — through the same
// Replayer recovery uses (which checks every mark's event digest), and whenever the replay reaches
// a newer checkpoint or a mark carrying a state hash, it compares. Any disagreement, gap or damaged
// record is reported with the first place it happened, and the command exits 1. So does anything
// that means "not verified" rather than "wrong": a checkpoint that fails its checksum, a checkpoint
// beyond the log's end (the log lost what it covers), and a run that compared nothing at all — an
// OK must mean something was checked. A checkpoints-only ('memory') directory has no log: each
// checkpoint is checked against its own state hash.

import Table from 'cli-table3';
import { Engine } from '../engine/index.js';
import { type CheckpointStore, CommandRecordError, KIND_MARK, type MarkRecord, initialDigest, Replayer } from '../replay/index.js';
import { WalCorruptionError, type WalRecord, type WriteAheadLog } from '../wal/index.js';
import {
  beyondLogMessage,
  formatCount,
  formatFields,
  formatMs,
  messageOf,
  openCheckpoints,
  openLog,
  toJson,
  withDataDir,
  type Output,
} from './common.js';
import { startProgress, type Progress, type ProgressStream } from './progress.js';
import { checkpointReason, continuationProblem } from './inspect.js';

/** Records read per synchronous batch. */
const REPLAY_BATCH_RECORDS = 1024;
/** Mismatches kept in the result; the rest are only counted. */
export const MISMATCHES_KEPT = 100;

export type MismatchKind =
  /** A checkpoint's state hash (or command count, or event digest) differs from the replica's at its seq. */
  | 'checkpoint'
  /** A checkpoint passes its checksum but its snapshot does not restore to its own state hash. */
  | 'checkpoint-snapshot'
  /** A mark's state hash differs from the replica's. */
  | 'hash-mark'
  /** A mark's event digest differs from the replica's (the Replayer's check). */
  | 'mark-digest'
  /** The log itself: a gap, a record failing its checksum, a short replay. */
  | 'log'
  /** Nothing to start from: records were reclaimed and no checkpoint verifies. */
  | 'no-start'
  /** A checkpoint file fails its checksum or cannot be read. */
  | 'checkpoint-invalid'
  /** A checkpoint lies beyond the log's end: the log lost the records it covers. */
  | 'log-lost'
  /** The run found nothing to check against (no checkpoint and no mark reached). */
  | 'nothing-compared';

export interface Mismatch {
  kind: MismatchKind;
  /** Log sequence number where it was found (0 when not tied to one). */
  seq: number;
  message: string;
}

export interface CheckpointNote {
  seq: number;
  reason: string;
}

export interface VerifyResult {
  ok: boolean;
  dir: string;
  /** Null for a checkpoints-only ('memory') directory. */
  log: { firstSeq: number; lastSeq: number; records: number } | null;
  start: { kind: 'log-start' } | { kind: 'checkpoint'; seq: number; commands: number } | null;
  replayed: { records: number; commands: number; commandsPerS: number; lastSeq: number };
  marks: { verified: number; unverifiable: number };
  /** Marks that carry a full state hash (written on close). */
  hashMarks: { verified: number; unverifiable: number };
  checkpoints: {
    total: number;
    /** Compared against the replica at their seq (the starting checkpoint is not counted). */
    compared: number;
    matched: number;
    /** Failed their checksum or could not be read: skipped, and the run fails. */
    invalid: CheckpointNote[];
    /** Not reached by the replay (before the start, or ahead of the log). */
    notCompared: CheckpointNote[];
  };
  mismatchCount: number;
  /** The first MISMATCHES_KEPT mismatches, in the order found. */
  mismatches: Mismatch[];
  firstMismatch: Mismatch | null;
  elapsedMs: number;
}

export interface VerifyOptions {
  /**
   * @deprecated An invalid checkpoint always fails the run now; the option is accepted and ignored.
   */
  strict?: boolean;
  /** Terminal stream for a progress bar over the replay (none when absent). */
  progress?: ProgressStream | null;
}

interface Start {
  engine: Engine;
  seq: number;
  commands: number;
  digest: string;
}

class Findings {
  readonly mismatches: Mismatch[] = [];
  count = 0;
  readonly invalid: CheckpointNote[] = [];
  readonly notCompared: CheckpointNote[] = [];
  /** Checkpoints already accounted for (invalid, mismatched or noted). */
  readonly checkpointsSeen = new Set<number>();
  add(kind: MismatchKind, seq: number, message: string): void {
    this.count++;
    if (this.mismatches.length < MISMATCHES_KEPT) this.mismatches.push({ kind, seq, message });
  }
}

export async function runVerify(dir: string, options: VerifyOptions = {}): Promise<VerifyResult> {
  const t0 = performance.now();
  return withDataDir(dir, async (data) => {
    const store = openCheckpoints(data);
    if (!data.hasLog) return verifyCheckpointsOnly(dir, store, t0);
    const wal = await openLog(data);
    try {
      return verifyLog(dir, wal, store, new Engine(data.engineOptions), options.progress ?? null, t0);
    } finally {
      await wal.close();
    }
  });
}

/** No log to replay: each checkpoint must pass its checksum and restore to its own state hash. */
function verifyCheckpointsOnly(dir: string, store: CheckpointStore | null, t0: number): VerifyResult {
  const found = new Findings();
  const all = (store?.list() ?? []).slice().sort((a, b) => a - b);
  let matched = 0;
  for (const seq of all) if (loadCheckpoint(store!, seq, found) !== null) matched++;
  if (all.length === 0) found.add('nothing-compared', 0, 'nothing could be compared: the directory has no log and no checkpoint');
  return {
    ok: found.count === 0,
    dir,
    log: null,
    start: null,
    replayed: { records: 0, commands: 0, commandsPerS: 0, lastSeq: 0 },
    marks: { verified: 0, unverifiable: 0 },
    hashMarks: { verified: 0, unverifiable: 0 },
    checkpoints: {
      total: all.length,
      compared: all.length - found.invalid.length,
      matched,
      invalid: found.invalid.sort((a, b) => a.seq - b.seq),
      notCompared: [],
    },
    mismatchCount: found.count,
    mismatches: found.mismatches,
    firstMismatch: found.mismatches[0] ?? null,
    elapsedMs: performance.now() - t0,
  };
}

function verifyLog(
  dir: string,
  wal: WriteAheadLog<Uint8Array>,
  store: CheckpointStore | null,
  emptyEngine: Engine,
  progressStream: ProgressStream | null,
  t0: number,
): VerifyResult {
  const firstSeq = wal.firstSeq;
  const lastSeq = wal.lastSeq;
  const found = new Findings();
  const all = (store?.list() ?? []).slice().sort((a, b) => a - b);

  const start = chooseStart(all, store, firstSeq, lastSeq, emptyEngine, found);
  const startSeq = start?.seq ?? 0;
  const targets: number[] = [];
  for (const seq of all) {
    if (found.checkpointsSeen.has(seq) || (start !== null && seq === startSeq)) continue;
    if (start === null) found.notCompared.push({ seq, reason: 'no starting point' });
    else if (seq < startSeq) found.notCompared.push({ seq, reason: 'before the starting point' });
    else if (seq > lastSeq) found.add('log-lost', seq, beyondLogMessage(seq, lastSeq));
    else targets.push(seq);
  }

  const hashMarks = { verified: 0, unverifiable: 0 };
  const compared = { compared: 0, matched: 0, ms: 0 };
  let replayer: Replayer | null = null;
  let tr = performance.now();
  if (start !== null) {
    const r = new Replayer(start.engine, start);
    replayer = r;
    tr = performance.now();
    let next = 0;
    const progress: Progress = startProgress(progressStream, 'verify: replaying the log', lastSeq - startSeq, 'records');
    try {
      // Bounded: each pass consumes at least one record or ends; the log is finite.
      for (;;) {
        let records: WalRecord<Uint8Array>[];
        let damage: unknown = null;
        try {
          records = wal.readBatch(r.seq + 1, REPLAY_BATCH_RECORDS);
        } catch (error) {
          // A batch read fails as a whole: replay the intact records before the damage first, so
          // the checkpoints and marks before it are still checked.
          if (!(error instanceof WalCorruptionError) || error.seq <= r.seq + 1) throw error;
          damage = error;
          records = readIntactPrefix(wal, r.seq + 1, error.seq);
        }
        if (records.length === 0 && damage === null) break;
        progress.update(r.seq - startSeq);
        for (const { seq, command } of records) {
          const kind = r.applyRecord(seq, command);
          if (kind === KIND_MARK && r.lastMark!.stateHash !== undefined) checkHashMark(r, seq, r.lastMark!, hashMarks, found);
          if (next < targets.length && targets[next] === seq) {
            compareCheckpoint(store!, r, seq, compared, found);
            next++;
          }
        }
        if (damage !== null) throw damage;
      }
      if (r.seq !== lastSeq) found.add('log', r.seq + 1, `replay stopped at ${r.seq} but the log ends at ${lastSeq}`);
    } catch (error) {
      // A divergence is found at the mark just applied; a gap or a damaged record at the next seq.
      const divergence = error instanceof Error && error.name === 'ReplayDivergenceError';
      const seq = divergence ? r.seq : error instanceof WalCorruptionError || error instanceof CommandRecordError ? error.seq : r.seq + 1;
      found.add(divergence ? 'mark-digest' : 'log', seq, messageOf(error));
    } finally {
      progress.stop();
    }
    for (; next < targets.length; next++) found.notCompared.push({ seq: targets[next], reason: `replay stopped at ${r.seq}` });
  }
  // Throughput of the replay itself, without the checkpoint loads and comparisons.
  const replayMs = performance.now() - tr - compared.ms;
  const replayedCommands = replayer !== null && start !== null ? replayer.commands - start.commands : 0;
  const marksVerified = replayer?.marks.verified ?? 0;
  if (found.count === 0 && compared.compared === 0 && marksVerified === 0 && hashMarks.verified === 0) {
    found.add(
      'nothing-compared',
      0,
      `nothing could be compared: the replay of ${replayer === null ? 0 : replayer.seq - startSeq} records met no checkpoint and no mark to check against`,
    );
  }
  const ok = found.count === 0;
  return {
    ok,
    dir,
    log: { firstSeq, lastSeq, records: Math.max(0, lastSeq - firstSeq + 1) },
    start: start === null ? null : start.seq === 0 ? { kind: 'log-start' } : { kind: 'checkpoint', seq: start.seq, commands: start.commands },
    replayed: {
      records: replayer === null ? 0 : replayer.seq - startSeq,
      commands: replayedCommands,
      commandsPerS: replayMs > 0 ? Math.round((replayedCommands / replayMs) * 1000) : 0,
      lastSeq: replayer?.seq ?? startSeq,
    },
    marks: { verified: replayer?.marks.verified ?? 0, unverifiable: replayer?.marks.unverifiable ?? 0 },
    hashMarks,
    checkpoints: {
      total: all.length,
      compared: compared.compared,
      matched: compared.matched,
      invalid: found.invalid.sort((a, b) => a.seq - b.seq),
      notCompared: found.notCompared.sort((a, b) => a.seq - b.seq),
    },
    mismatchCount: found.count,
    mismatches: found.mismatches,
    firstMismatch: found.mismatches[0] ?? null,
    elapsedMs: performance.now() - t0,
  };
}

/** Records [from, damagedSeq) if they can be read on their own (a chunk shared with the damage cannot). */
function readIntactPrefix(wal: WriteAheadLog<Uint8Array>, from: number, damagedSeq: number): WalRecord<Uint8Array>[] {
  try {
    return wal.readBatch(from, damagedSeq - from);
  } catch {
    return [];
  }
}

/**
 * An empty engine when the log starts at 1; otherwise the oldest checkpoint that the log
 * continues, passes its checksum and restores to its own state hash. Null (with a `no-start`
 * mismatch) when there is none.
 */
function chooseStart(
  ascending: number[],
  store: CheckpointStore | null,
  firstSeq: number,
  lastSeq: number,
  emptyEngine: Engine,
  found: Findings,
): Start | null {
  if (firstSeq === 1) return { engine: emptyEngine, seq: 0, commands: 0, digest: initialDigest() };
  for (const seq of ascending) {
    if (seq > lastSeq) break;
    const problem = continuationProblem(seq, firstSeq, lastSeq);
    if (problem !== null) {
      found.notCompared.push({ seq, reason: problem });
      found.checkpointsSeen.add(seq);
      continue;
    }
    const loaded = loadCheckpoint(store!, seq, found);
    if (loaded !== null) return { engine: loaded.engine, seq, commands: loaded.commands, digest: loaded.digest };
  }
  found.add('no-start', 0, `no checkpoint to start from, and records 1..${firstSeq - 1} were reclaimed from the log`);
  return null;
}

/** Reads and restores a checkpoint, checking its snapshot against its own state hash. */
function loadCheckpoint(
  store: CheckpointStore,
  seq: number,
  found: Findings,
): { engine: Engine; commands: number; digest: string; stateHash: string } | null {
  let checkpoint;
  try {
    checkpoint = store.read(seq);
  } catch (error) {
    found.invalid.push({ seq, reason: checkpointReason(error) });
    found.add('checkpoint-invalid', seq, `checkpoint ${seq} is invalid: ${checkpointReason(error)}`);
    found.checkpointsSeen.add(seq);
    return null;
  }
  const { header } = checkpoint;
  let engine: Engine;
  try {
    engine = Engine.restore(checkpoint.snapshot);
  } catch (error) {
    found.add('checkpoint-snapshot', seq, `checkpoint ${seq}: snapshot does not restore: ${messageOf(error)}`);
    found.checkpointsSeen.add(seq);
    return null;
  }
  const hash = engine.stateHash();
  if (hash !== header.stateHash) {
    found.add('checkpoint-snapshot', seq, `checkpoint ${seq}: snapshot state hash ${hash} differs from its header's ${header.stateHash}`);
    found.checkpointsSeen.add(seq);
    return null;
  }
  return { engine, commands: header.commands, digest: header.digest, stateHash: header.stateHash };
}

function compareCheckpoint(
  store: CheckpointStore,
  replayer: Replayer,
  seq: number,
  counts: { compared: number; matched: number; ms: number },
  found: Findings,
): void {
  const t0 = performance.now();
  try {
    compareCheckpointAt(store, replayer, seq, counts, found);
  } finally {
    counts.ms += performance.now() - t0;
  }
}

function compareCheckpointAt(
  store: CheckpointStore,
  replayer: Replayer,
  seq: number,
  counts: { compared: number; matched: number },
  found: Findings,
): void {
  const before = found.count;
  const loaded = loadCheckpoint(store, seq, found);
  if (loaded === null) return;
  counts.compared++;
  const mine = replayer.engine.stateHash();
  if (mine !== loaded.stateHash) {
    found.add('checkpoint', seq, `checkpoint ${seq}: state hash ${loaded.stateHash}, replay from the log gives ${mine}`);
  }
  if (loaded.commands !== replayer.commands) {
    found.add('checkpoint', seq, `checkpoint ${seq}: ${loaded.commands} commands, replay from the log counts ${replayer.commands}`);
  }
  if (loaded.digest !== replayer.digest.value) {
    found.add('checkpoint', seq, `checkpoint ${seq}: event digest ${loaded.digest}, replay from the log gives ${replayer.digest.value}`);
  }
  if (found.count === before) counts.matched++;
}

/**
 * A mark with a state hash describes the state after command `upto`, which is the replica's
 * state exactly when no command was applied after `upto`: the mark's command count equals the
 * replica's.
 */
function checkHashMark(
  replayer: Replayer,
  seq: number,
  mark: MarkRecord,
  counts: { verified: number; unverifiable: number },
  found: Findings,
): void {
  if (mark.commands !== replayer.commands) {
    counts.unverifiable++;
    return;
  }
  const mine = replayer.engine.stateHash();
  if (mine !== mark.stateHash) {
    found.add('hash-mark', seq, `mark at seq ${seq} (upto ${mark.upto}): state hash ${mark.stateHash}, replay gives ${mine}`);
    return;
  }
  counts.verified++;
}

export function formatVerify(result: VerifyResult): string {
  const s = result.start;
  const c = result.checkpoints;
  const lines = [
    `${result.ok ? 'OK' : 'FAILED'}: verify ${result.dir}`,
    formatFields([
      [
        'log range',
        result.log === null
          ? 'no log (checkpoints-only directory): each checkpoint checked against its own state hash'
          : result.log.records > 0
            ? `${formatCount(result.log.firstSeq)}..${formatCount(result.log.lastSeq)}`
            : 'empty',
      ],
      ['started from', s === null ? 'nowhere' : s.kind === 'log-start' ? 'an empty engine (log starts at 1)' : `checkpoint at seq ${formatCount(s.seq)}`],
      [
        'replayed',
        `${formatCount(result.replayed.records)} records, ${formatCount(result.replayed.commands)} commands ` +
          `(${formatCount(result.replayed.commandsPerS)} commands/s), through seq ${formatCount(result.replayed.lastSeq)}`,
      ],
      ['digest marks', `${formatCount(result.marks.verified)} verified, ${formatCount(result.marks.unverifiable)} unverifiable`],
      ['hash marks', `${formatCount(result.hashMarks.verified)} verified, ${formatCount(result.hashMarks.unverifiable)} unverifiable`],
      ['checkpoints', `${c.total} total, ${c.compared} compared, ${c.matched} matched, ${c.invalid.length} invalid, ${c.notCompared.length} not compared`],
      ['mismatches', formatCount(result.mismatchCount)],
      ['elapsed', formatMs(result.elapsedMs)],
    ]),
  ];
  for (const note of c.invalid) lines.push(`  error: checkpoint ${note.seq} is invalid: ${note.reason}`);
  for (const note of c.notCompared) lines.push(`  note: checkpoint ${note.seq} not compared: ${note.reason}`);
  if (result.mismatches.length > 0) {
    const table = new Table({ head: ['seq', 'kind', 'what'], colAligns: ['right', 'left', 'left'], style: { head: [], border: [] } });
    for (const m of result.mismatches) table.push([m.seq === 0 ? '-' : formatCount(m.seq), m.kind, m.message]);
    lines.push('', result.mismatchCount > result.mismatches.length ? `first ${result.mismatches.length} mismatches` : 'mismatches', table.toString());
  }
  return `${lines.join('\n')}\n`;
}

export function printVerify(result: VerifyResult, output: Output, json: boolean): void {
  output.out(json ? toJson(result) : formatVerify(result));
}
