// Why this file exists: the `matchlog` tool is what an operator trusts after a crash, so its
// answers are checked against the ground truth: the state hash of the exchange that wrote the
// directory, checkpoints damaged on purpose (a flipped byte, a consistent-but-wrong state, a
// snapshot that no longer matches its header) and a log with a forged mark.

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { open } from 'lmdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInspect } from '../../cli/inspect.js';
import { run } from '../../cli/program.js';
import { runRecover } from '../../cli/recover.js';
import { runVerify } from '../../cli/verify.js';
import { Engine } from '../../engine/index.js';
import { CheckpointStore } from '../../replay/checkpoint-store.js';
import { key_seq } from '../../wal/frame.js';
import { segment_name } from '../../wal/lmdb-store.js';
import { INSTRUMENTS, removeDir, tempDir, writeExchangeDir, writeLogDir, type ExchangeDirInfo, type LogDirInfo } from './fixtures/dirs.js';

const created: string[] = [];
afterAll(() => {
  for (const dir of created) removeDir(dir);
});

function fresh(name: string): string {
  const dir = tempDir(name);
  created.push(dir);
  return dir;
}

function copyOf(source: string, name: string): string {
  const dir = fresh(name);
  cpSync(source, dir, { recursive: true });
  return dir;
}

function checkpointFile(dir: string, seq: number): string {
  const name = readdirSync(join(dir, 'checkpoints')).find((n) => n === `checkpoint-${String(seq).padStart(16, '0')}.bin`);
  if (name === undefined) throw new Error(`no checkpoint ${seq} in ${dir}`);
  return join(dir, 'checkpoints', name);
}

function flipByte(file: string): void {
  const bytes = readFileSync(file);
  const at = bytes.length - 100; // inside the snapshot body
  bytes[at] ^= 0x40;
  writeFileSync(file, bytes);
}

/** Rewrites checkpoint `seq` with one more resting order; the header hash is the new state's or the old one. */
function tamperCheckpoint(dir: string, seq: number, headerHash: 'consistent' | 'stale'): void {
  const store = new CheckpointStore(join(dir, 'checkpoints'));
  const { header, snapshot } = store.read(seq);
  const engine = Engine.restore(snapshot);
  const events = engine.apply({ op: 'new', id: 'intruder', account: 'x', symbol: 'AAA', side: 'buy', type: 'limit', price: 2, qty: 1, time: 1 });
  expect(events[0].type).toBe('accepted');
  const stateHash = headerHash === 'consistent' ? engine.stateHash() : header.stateHash;
  store.write({ seq, commands: header.commands, digest: header.digest, stateHash, writtenAtMs: header.writtenAtMs }, engine.snapshot());
}

function capture(): { out: string[]; err: string[]; output: { out(t: string): void; err(t: string): void } } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, output: { out: (t) => void out.push(t), err: (t) => void err.push(t) } };
}

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

describe('a directory written by an Exchange (checkpoints, marks, reclaimed log, close mark)', () => {
  let base: string;
  let info: ExchangeDirInfo;

  beforeAll(async () => {
    base = fresh('exchange');
    info = await writeExchangeDir(base);
    expect(info.checkpointsTaken).toBeGreaterThanOrEqual(3);
  });

  it('recover returns the state hash, sequence and command count of the closed exchange, and writes nothing', async () => {
    const dir = copyOf(base, 'recover');
    const walFile = join(dir, 'wal', 'data.mdb');
    const walBefore = sha256(walFile);
    const checkpointsBefore = readdirSync(join(dir, 'checkpoints')).map((n) => `${n}:${sha256(join(dir, 'checkpoints', n))}`);

    const result = await runRecover(dir);
    expect(result.stateHash).toBe(info.stateHash);
    expect(result.seq).toBe(info.lastSeq);
    expect(result.commands).toBe(info.commands);
    expect(result.recovery.checkpointSeq).toBe(info.lastSeq); // the checkpoint taken on close
    expect(result.recovery.warnings).toEqual([]);
    expect(result.books.map((b) => b.symbol)).toEqual(INSTRUMENTS.map((s) => s.symbol));
    expect(result.books.reduce((sum, b) => sum + b.liveOrders, 0)).toBe(result.liveOrders);
    for (const book of result.books) {
      expect(book.liveOrders).toBe(book.bidOrders + book.askOrders);
      expect(book.bids.length).toBeLessThanOrEqual(5);
      expect(book.asks.length).toBeLessThanOrEqual(5);
      expect(book.bids.length).toBe(Math.min(5, book.bidLevels));
      expect(book.bestBid).toBe(book.bids[0]?.[0] ?? null);
      expect(book.bestAsk).toBe(book.asks[0]?.[0] ?? null);
      if (book.bestBid !== null && book.bestAsk !== null) expect(book.bestBid).toBeLessThan(book.bestAsk);
      for (let i = 1; i < book.bids.length; i++) expect(book.bids[i][0]).toBeLessThan(book.bids[i - 1][0]);
      for (let i = 1; i < book.asks.length; i++) expect(book.asks[i][0]).toBeGreaterThan(book.asks[i - 1][0]);
    }
    expect(result.books.some((b) => b.liveOrders > 0)).toBe(true);

    await runInspect(dir);
    await runVerify(dir);
    expect(sha256(walFile)).toBe(walBefore);
    expect(readdirSync(join(dir, 'checkpoints')).map((n) => `${n}:${sha256(join(dir, 'checkpoints', n))}`)).toEqual(checkpointsBefore);
  });

  it('inspect lists the log range, every checkpoint, sizes and the stored instruments', async () => {
    const result = await runInspect(base);
    const log = result.log!;
    expect(log.lastSeq).toBe(info.lastSeq);
    expect(result.checkpoints.length).toBe(3); // checkpointsKept
    const seqs = result.checkpoints.map((c) => c.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    expect(seqs[0]).toBe(info.lastSeq);
    // The exchange keeps the log back to its oldest checkpoint.
    expect(log.firstSeq).toBe(seqs[seqs.length - 1] + 1);
    expect(log.records).toBe(log.lastSeq - log.firstSeq + 1);
    for (const c of result.checkpoints) {
      expect(c).toMatchObject({ valid: true, usable: true, invalidReason: null });
      expect(c.bytes).toBeGreaterThan(0);
    }
    expect(result.checkpoints[0].commands).toBe(info.commands);
    expect(result.recoveryStart).toEqual({ kind: 'checkpoint', seq: info.lastSeq });
    expect(result.sizes.wal.bytes).toBeGreaterThan(0);
    expect(result.sizes.checkpoints.bytes).toBe(result.checkpoints.reduce((sum, c) => sum + c.bytes, 0));
    expect(result.config.instruments).toEqual(INSTRUMENTS);
  });

  it('verify replays from the oldest checkpoint and matches every newer checkpoint, mark and the close mark', async () => {
    const result = await runVerify(base);
    expect(result.mismatches).toEqual([]);
    expect(result.ok).toBe(true);
    const inspect = await runInspect(base);
    const oldest = inspect.checkpoints[inspect.checkpoints.length - 1];
    expect(result.start).toEqual({ kind: 'checkpoint', seq: oldest.seq, commands: oldest.commands });
    expect(result.checkpoints).toMatchObject({ total: 3, compared: 2, matched: 2, invalid: [], notCompared: [] });
    expect(result.replayed.lastSeq).toBe(info.lastSeq);
    expect(result.replayed.records).toBe(info.lastSeq - oldest.seq);
    expect(result.marks.verified).toBeGreaterThan(0);
    expect(result.hashMarks.verified).toBe(1);
  });

  it('a flipped byte in the newest checkpoint: inspect marks it invalid, recover falls back, verify fails naming it', async () => {
    const dir = copyOf(base, 'flip-newest');
    flipByte(checkpointFile(dir, info.lastSeq));

    const inspect = await runInspect(dir);
    expect(inspect.checkpoints[0]).toMatchObject({ seq: info.lastSeq, valid: false, invalidReason: 'checksum mismatch', usable: false });
    expect(inspect.recoveryStart).toEqual({ kind: 'checkpoint', seq: inspect.checkpoints[1].seq });

    const recovered = await runRecover(dir);
    expect(recovered.stateHash).toBe(info.stateHash);
    expect(recovered.recovery.checkpointsSkipped).toBe(1);
    expect(recovered.recovery.warnings[0]).toMatch(/skipping checkpoint .*checksum mismatch/);

    const verified = await runVerify(dir);
    expect(verified.ok).toBe(false);
    expect(verified.checkpoints.invalid).toEqual([{ seq: info.lastSeq, reason: 'checksum mismatch' }]);
    expect(verified.firstMismatch).toMatchObject({ kind: 'checkpoint-invalid', seq: info.lastSeq });
    expect(verified.checkpoints.compared).toBe(1);
    const { output, out } = capture();
    expect(await run(['verify', '--dir', dir], output)).toBe(1);
    expect(out.join('')).toMatch(/^FAILED: verify[\s\S]*error: checkpoint \d+ is invalid: checksum mismatch/);
  });

  it('a flipped byte in the oldest checkpoint: verify starts from the next one the log continues, and fails', async () => {
    const dir = copyOf(base, 'flip-oldest');
    const seqs = (await runInspect(dir)).checkpoints.map((c) => c.seq);
    flipByte(checkpointFile(dir, seqs[2]));
    const result = await runVerify(dir);
    expect(result.ok).toBe(false);
    expect(result.mismatches.map((m) => m.kind)).toEqual(['checkpoint-invalid']);
    expect(result.start).toMatchObject({ kind: 'checkpoint', seq: seqs[1] });
    expect(result.checkpoints.invalid.map((n) => n.seq)).toEqual([seqs[2]]);
    expect(result.checkpoints.compared).toBe(1);
  });

  it('a checkpoint rewritten with a consistent but wrong state: verify fails at its seq (recover cannot tell)', async () => {
    const dir = copyOf(base, 'wrong-state');
    tamperCheckpoint(dir, info.lastSeq, 'consistent');
    expect((await runInspect(dir)).checkpoints[0].valid).toBe(true);
    // Recovery trusts a checkpoint that verifies against itself: this is what `verify` is for.
    expect((await runRecover(dir)).stateHash).not.toBe(info.stateHash);

    const result = await runVerify(dir);
    expect(result.ok).toBe(false);
    expect(result.firstMismatch).toMatchObject({ kind: 'checkpoint', seq: info.lastSeq });
    expect(result.firstMismatch!.message).toContain(info.stateHash);
    expect(result.checkpoints).toMatchObject({ compared: 2, matched: 1 });

    const { output, out } = capture();
    expect(await run(['verify', '--dir', dir], output)).toBe(1);
    expect(out.join('')).toMatch(/^FAILED: verify/);
  });

  it('a checkpoint whose snapshot no longer matches its header: recover falls back, verify fails', async () => {
    const dir = copyOf(base, 'stale-header');
    tamperCheckpoint(dir, info.lastSeq, 'stale');
    const recovered = await runRecover(dir);
    expect(recovered.stateHash).toBe(info.stateHash);
    expect(recovered.recovery.warnings[0]).toMatch(/state hash does not match its snapshot/);
    const result = await runVerify(dir);
    expect(result.ok).toBe(false);
    expect(result.firstMismatch).toMatchObject({ kind: 'checkpoint-snapshot', seq: info.lastSeq });
  });
});

describe('a log that starts at 1 (written through the Wal, no reclaim)', () => {
  let base: string;
  let info: LogDirInfo;

  beforeAll(async () => {
    base = fresh('log');
    info = await writeLogDir(base, { commands: 300, markEvery: 20, checkpointAt: [100, 200] });
  });

  it('verify starts from an empty engine and checks every mark and checkpoint', async () => {
    const result = await runVerify(base);
    expect(result.mismatches).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.start).toEqual({ kind: 'log-start' });
    expect(result.replayed).toMatchObject({ records: info.lastSeq, commands: 300, lastSeq: info.lastSeq });
    expect(result.marks).toEqual({ verified: info.markSeqs.length, unverifiable: 0 });
    expect(result.hashMarks).toEqual({ verified: 1, unverifiable: 0 });
    expect(result.checkpoints).toMatchObject({ total: 2, compared: 2, matched: 2 });
  });

  it('recover replays from the newest checkpoint to the same state', async () => {
    const result = await runRecover(base);
    expect(result.stateHash).toBe(info.stateHash);
    expect(result.seq).toBe(info.lastSeq);
    expect(result.recovery.checkpointSeq).not.toBeNull();
    expect(result.recovery.replayedCommands).toBe(100);
  });

  it('a checkpoint beyond the log\'s end: inspect marks it unusable, verify and recover fail naming the missing records', async () => {
    const dir = copyOf(base, 'ahead');
    const store = new CheckpointStore(join(dir, 'checkpoints'));
    const { header, snapshot } = store.read(store.list()[0]);
    store.write({ ...header, seq: info.lastSeq + 7 }, snapshot);
    const inspect = await runInspect(dir);
    expect(inspect.checkpoints[0]).toMatchObject({ seq: info.lastSeq + 7, valid: true, usable: false });
    expect(inspect.checkpoints[0].unusableReason).toMatch(/ahead of the log/);
    const missing = `records ${info.lastSeq + 1}..${info.lastSeq + 7} are missing from the log`;
    const result = await runVerify(dir);
    expect(result.ok).toBe(false);
    expect(result.firstMismatch).toMatchObject({ kind: 'log-lost', seq: info.lastSeq + 7 });
    expect(result.firstMismatch!.message).toContain(missing);
    const recovered = await runRecover(dir);
    expect(recovered.stateHash).toBe(info.stateHash);
    expect(recovered.problems).toHaveLength(1);
    expect(recovered.problems[0]).toContain(missing);
    const { output, err } = capture();
    expect(await run(['recover', '--dir', dir], output)).toBe(1);
    expect(err.join('')).toContain(missing);
    // Read-only: the checkpoint recovery would have dropped is still there.
    expect(store.list()).toContain(info.lastSeq + 7);
  });

  it('a damaged record in the middle of the log: verify fails at its seq; recover, starting later, does not read it', async () => {
    const dir = copyOf(base, 'wal-damage');
    const newest = (await runInspect(dir)).checkpoints[0].seq;
    // Flip one payload byte of the second chunk directly in LMDB, as a disk fault would.
    const env = open({ path: join(dir, 'wal'), maxDbs: 16 });
    let chunkSeq = 0;
    try {
      const db = env.openDB({ name: segment_name(1), encoding: 'binary', keyEncoding: 'binary' });
      const keys = [...db.getKeys()] as Uint8Array[];
      chunkSeq = key_seq(keys[1]);
      // The damaged chunk must end before the newest checkpoint, which recovery starts from.
      expect(key_seq(keys[2])).toBeLessThanOrEqual(newest + 1);
      const chunk = Buffer.from(db.get(keys[1]) as Uint8Array);
      chunk[10] ^= 0x01; // inside the payload of the chunk's first record
      await db.put(keys[1], chunk);
    } finally {
      await env.close();
    }
    const result = await runVerify(dir);
    expect(result.ok).toBe(false);
    expect(result.firstMismatch).toMatchObject({ kind: 'log', seq: chunkSeq });
    expect(result.firstMismatch!.message).toMatch(/WAL corruption at seq \d+ .*checksum mismatch/);
    expect(result.checkpoints.notCompared.map((n) => n.reason)).toEqual([`replay stopped at ${chunkSeq - 1}`, `replay stopped at ${chunkSeq - 1}`]);
    expect((await runRecover(dir)).stateHash).toBe(info.stateHash);
    const { output, out } = capture();
    expect(await run(['verify', '--dir', dir], output)).toBe(1);
    expect(out.join('')).toMatch(/WAL corruption/);
  });

  it('a forged mark digest: verify fails at that mark, recover exits 1 with one line', async () => {
    const dir = fresh('forged');
    const forged = await writeLogDir(dir, { commands: 200, markEvery: 20, forgeMarkAt: 120 });
    const markSeq = forged.markSeqs[5]; // the mark after command 120
    const result = await runVerify(dir);
    expect(result.ok).toBe(false);
    expect(result.firstMismatch).toMatchObject({ kind: 'mark-digest', seq: markSeq });
    expect(result.marks.verified).toBe(5);
    expect(result.replayed.lastSeq).toBe(markSeq);

    const { output, err } = capture();
    expect(await run(['recover', '--dir', dir], output)).toBe(1);
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(/^matchlog recover: replica diverged from the primary at seq \d+/);
    const verbose = capture();
    expect(await run(['recover', '--dir', dir, '--verbose'], verbose.output)).toBe(1);
    expect(verbose.err.join('\n')).toMatch(/\n\s+at /);
  });

  it('an empty log inspects and recovers to sequence 0; verify fails, saying nothing could be compared', async () => {
    const dir = fresh('empty');
    await writeLogDir(dir, { commands: 0, markEvery: 20 });
    const verified = await runVerify(dir);
    expect(verified).toMatchObject({ ok: false, start: { kind: 'log-start' }, replayed: { records: 0 } });
    expect(verified.firstMismatch).toMatchObject({ kind: 'nothing-compared' });
    expect(verified.firstMismatch!.message).toMatch(/^nothing could be compared/);
    expect((await runInspect(dir)).log).toEqual({ firstSeq: 1, lastSeq: 0, records: 0 });
    const recovered = await runRecover(dir);
    expect(recovered.seq).toBe(0);
    expect(recovered.stateHash).toBe(new Engine({ instruments: INSTRUMENTS }).stateHash());
  });
});

describe('the command line', () => {
  it('usage errors exit 2 with one line and no stack', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['inspect'], /required option '--dir <dir>'/],
      [['inspect', '--dir', '/nonexistent/matchlog'], /^matchlog inspect: no such directory/],
      [['verify', '--dir', tempDirForUsage()], /is not a matchlog data directory/],
      [['frobnicate', '--dir', '.'], /unknown command/],
    ];
    for (const [args, message] of cases) {
      const { output, err } = capture();
      expect(await run(args, output), args.join(' ')).toBe(2);
      expect(err.join('')).toMatch(message);
      expect(err.join('')).not.toMatch(/\n\s+at /);
    }
  });

  it('--json prints the result (or the error) as JSON', async () => {
    const dir = fresh('json');
    const info = await writeLogDir(dir, { commands: 50, markEvery: 10 });
    const ok = capture();
    expect(await run(['recover', '--dir', dir, '--json'], ok.output)).toBe(0);
    expect(JSON.parse(ok.out.join(''))).toMatchObject({ seq: info.lastSeq, stateHash: info.stateHash });
    const failed = capture();
    expect(await run(['verify', '--dir', '/nonexistent/matchlog', '--json'], failed.output)).toBe(2);
    expect(JSON.parse(failed.out.join(''))).toMatchObject({ ok: false, exitCode: 2 });
  });

  it('the bin runs end to end: inspect --json exits 0, a failed verify exits 1', async () => {
    const dir = fresh('bin');
    const info = await writeLogDir(dir, { commands: 40, markEvery: 10, checkpointAt: [20] });
    const bin = join(import.meta.dirname, '..', '..', 'cli', 'matchlog.ts');
    const exec = promisify(execFile);
    const { stdout } = await exec(process.execPath, ['--import', 'tsx', bin, 'inspect', '--dir', dir, '--json']);
    const parsed = JSON.parse(stdout) as { log: { firstSeq: number; lastSeq: number }; checkpoints: Array<{ seq: number; valid: boolean }> };
    expect(parsed.log).toMatchObject({ firstSeq: 1, lastSeq: info.lastSeq });
    expect(parsed.checkpoints).toMatchObject([{ valid: true }]);

    tamperCheckpoint(dir, parsed.checkpoints[0].seq, 'consistent');
    const failure = await exec(process.execPath, ['--import', 'tsx', bin, 'verify', '--dir', dir]).then(
      () => null,
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stdout).toMatch(/^FAILED: verify/);
  });
});

function tempDirForUsage(): string {
  return fresh('not-a-data-dir');
}
