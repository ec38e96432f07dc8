// Why this file exists: durability 'memory' with a data directory: no log, checkpoints only (the report's "hot" VM
// snapshot, done by the backup thread). A restart comes back exactly at the newest checkpoint —
// everything acknowledged after it is gone — and numbering continues above every number ever
// handed out, so none is reused.

import { cpSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ExchangeOptionsError, RecoveryError } from '../../index.js';
import { SEQ_RESERVE_BLOCK } from '../../exchange/seq-reservation.js';
import { eventually, MULTI, Reference, Scope } from './fixtures/common.js';
import { generate } from './fixtures/load.js';

const checkpointSeqs = (dir: string): number[] =>
  readdirSync(join(dir, 'checkpoints'))
    .filter((name) => name.endsWith('.bin'))
    .map((name) => Number(name.slice('checkpoint-'.length, -'.bin'.length)))
    .sort((a, b) => a - b);

describe("durability 'memory' with a dir: checkpoints, no log", () => {
  const scope = new Scope();
  afterEach(() => scope.dispose());

  it('restarts from the newest checkpoint: the state as of that command, later ones lost', async () => {
    const dir = scope.dir();
    const ex = await scope.open({ dir, durability: 'memory', instruments: MULTI, checkpointEvery: 100, checkpointsKept: 2 });
    const commands = generate(41, MULTI, 450);
    // In chunks: the backup thread considers a checkpoint after each batch it is sent.
    for (let i = 0; i < commands.length; i += 50) await Promise.all(commands.slice(i, i + 50).map((c) => ex.submit(c)));
    expect(await eventually(() => ex.stats().checkpoints.taken >= 4, 5_000)).toBe(true);
    expect(ex.stats().checkpoints.mode).toBe('backup');
    expect(ex.stats().checkpoints.pauseMsMax).toBe(0);
    // A crash image: the directory as it is now, while the exchange still runs.
    const image = scope.dir();
    rmSync(image, { recursive: true });
    cpSync(dir, image, { recursive: true, filter: (source) => basename(source) !== 'LOCK' });
    const again = await scope.open({ dir: image, durability: 'memory' });
    const recovered = again.stats();
    expect(recovered.recovery.checkpointSeq).toBe(Math.max(...checkpointSeqs(image)));
    expect(recovered.recovery.replayedCommands).toBe(0);
    expect(recovered.commands).toBeGreaterThanOrEqual(400);
    expect(recovered.commands).toBeLessThan(450);
    const reference = new Reference(MULTI);
    for (const c of commands.slice(0, recovered.commands)) reference.apply(c);
    expect(again.stateHash()).toBe(reference.stateHash());
    // Numbers up to 450 were handed out before the crash: none is reused; the gap is reported.
    const next = await again.submit(commands[recovered.commands]);
    expect(next.seq).toBe(SEQ_RESERVE_BLOCK + 1);
    expect(next.seq).toBe(recovered.lastSeq + 1);
    expect(recovered.recovery.seqsSkipped).toBe(SEQ_RESERVE_BLOCK - recovered.recovery.checkpointSeq!);
    expect(next.events).toEqual(reference.apply(commands[recovered.commands]));
    await again.close();
    expect(Math.max(...checkpointSeqs(image))).toBeGreaterThanOrEqual(next.seq!);
  });

  it('close writes a last checkpoint, so a clean restart loses nothing', async () => {
    const dir = scope.dir();
    const ex = await scope.open({ dir, durability: 'memory', instruments: MULTI, checkpointEvery: 1_000_000 });
    const commands = generate(42, MULTI, 300);
    await Promise.all(commands.map((c) => ex.submit(c)));
    await ex.close();
    const again = await scope.open({ dir, durability: 'memory' });
    const reference = new Reference(MULTI);
    for (const c of commands) reference.apply(c);
    expect(again.stats().commands).toBe(300);
    expect(again.stateHash()).toBe(reference.stateHash());
  });

  it('falls back past a damaged newest checkpoint, keeping the damaged file for inspection', async () => {
    const dir = scope.dir();
    const ex = await scope.open({ dir, durability: 'memory', instruments: MULTI, checkpointEvery: 100, checkpointsKept: 5 });
    const commands = generate(43, MULTI, 350);
    for (let i = 0; i < commands.length; i += 50) await Promise.all(commands.slice(i, i + 50).map((c) => ex.submit(c)));
    await ex.close();
    const seqs = checkpointSeqs(dir);
    expect(seqs.length).toBeGreaterThanOrEqual(2);
    const newest = seqs[seqs.length - 1];
    writeFileSync(join(dir, 'checkpoints', `checkpoint-${String(newest).padStart(16, '0')}.bin`), 'garbage');
    const warnings: string[] = [];
    const again = await scope.open({ dir, durability: 'memory', onWarning: (m) => warnings.push(m) });
    expect(again.stats().recovery.checkpointSeq).toBe(seqs[seqs.length - 2]);
    expect(again.stats().recovery.checkpointsSkipped).toBe(1);
    expect(checkpointSeqs(dir)).toContain(newest);
    expect(warnings.some((m) => m.startsWith(`recovery: skipping checkpoint ${newest}`))).toBe(true);
    // New checkpoints are numbered above the reservation, so they outrank the damaged one.
    await again.submit(commands[0]);
    await again.close();
    expect(Math.max(...checkpointSeqs(dir))).toBeGreaterThan(SEQ_RESERVE_BLOCK);
  });

  it('refuses to start empty when checkpoints exist but none verifies, and deletes nothing', async () => {
    const dir = scope.dir();
    const ex = await scope.open({ dir, durability: 'memory', instruments: MULTI, checkpointEvery: 100 });
    await Promise.all(generate(44, MULTI, 150).map((c) => ex.submit(c)));
    await ex.close();
    const seqs = checkpointSeqs(dir);
    for (const seq of seqs) writeFileSync(join(dir, 'checkpoints', `checkpoint-${String(seq).padStart(16, '0')}.bin`), 'garbage');
    const opening = scope.open({ dir, durability: 'memory', onWarning: () => undefined });
    await expect(opening).rejects.toBeInstanceOf(RecoveryError);
    await expect(opening).rejects.toThrow(`none of the ${seqs.length} checkpoints in ${join(dir, 'checkpoints')} verifies; nothing was deleted`);
    expect(checkpointSeqs(dir)).toEqual(seqs);
  });

  it('refuses to open a logged directory without its log, and the reverse', async () => {
    const logged = scope.dir();
    await (await scope.open({ dir: logged, instruments: MULTI })).close();
    await expect(scope.open({ dir: logged, durability: 'memory' })).rejects.toThrow(
      new ExchangeOptionsError(`${logged} holds a write-ahead log: open it with durability sync or async, not memory`),
    );
    const memory = scope.dir();
    await (await scope.open({ dir: memory, durability: 'memory', instruments: MULTI })).close();
    await expect(scope.open({ dir: memory, durability: 'async' })).rejects.toThrow(
      new ExchangeOptionsError(`${memory} is a checkpoints-only directory (durability memory): open it with durability memory`),
    );
    // The refusal released the directory: it opens with the right mode.
    await (await scope.open({ dir: memory, durability: 'memory' })).close();
  });
});
