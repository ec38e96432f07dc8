// Why this file exists: close, then open the same directory again (with only `dir`): the exchange comes back with the
// same books, state hash, lastSeq and command count, and carries on numbering where it stopped.

import { afterEach, describe, expect, it } from 'vitest';
import { MULTI, Reference, Scope } from './fixtures/common.js';
import { generate } from './fixtures/load.js';

describe('close and reopen', () => {
  const scope = new Scope();
  afterEach(() => scope.dispose());

  it('recovers the same stateHash, lastSeq, commands and depth; seqs continue', async () => {
    const dir = scope.dir();
    const ex = await scope.open({ dir, instruments: MULTI, markEvery: 50 });
    const reference = new Reference(MULTI);
    const commands = generate(3, MULTI, 1_200);
    const results = await Promise.all(commands.map((c) => ex.submit(c)));
    for (const c of commands) reference.apply(c);
    const hash = ex.stateHash();
    const lastAcked = results[results.length - 1].seq!;
    const depths = MULTI.map((s) => ex.depth(s.symbol, 100));
    expect(hash).toBe(reference.stateHash());
    await ex.close();
    // The close mark (a check record, not a command) follows the last command.
    expect(ex.lastSeq).toBeGreaterThan(lastAcked);

    const again = await scope.open({ dir });
    expect(again.stateHash()).toBe(hash);
    expect(again.lastSeq).toBe(ex.lastSeq);
    expect(again.stats().commands).toBe(1_200);
    expect(MULTI.map((s) => again.depth(s.symbol, 100))).toEqual(depths);
    expect(again.stats().recovery.warnings).toEqual([]);

    const more = generate(4, MULTI, 40).map((c) => ({ ...c, id: `second-${String(c.id)}` }));
    const next = await Promise.all(more.map((c) => again.submit(c)));
    expect(next.map((r) => r.seq)).toEqual(more.map((_, i) => ex.lastSeq + 1 + i));
    for (let i = 0; i < more.length; i++) expect(next[i].events).toEqual(reference.apply(more[i]));
    expect(again.stateHash()).toBe(reference.stateHash());
  });

  it('reopens twice in a row with nothing new in between', async () => {
    const dir = scope.dir();
    const ex = await scope.open({ dir, instruments: MULTI });
    await Promise.all(generate(5, MULTI, 200).map((c) => ex.submit(c)));
    const hash = ex.stateHash();
    await ex.close();
    const second = await scope.open({ dir });
    await second.close();
    const third = await scope.open({ dir });
    expect(third.stateHash()).toBe(hash);
    expect(third.lastSeq).toBe(second.lastSeq);
    expect(third.stats().commands).toBe(200);
  });

  it('an empty directory that was opened and closed reopens empty', async () => {
    const dir = scope.dir();
    const ex = await scope.open({ dir, instruments: MULTI });
    const emptyHash = ex.stateHash();
    await ex.close();
    const again = await scope.open({ dir });
    expect(again.lastSeq).toBe(0);
    expect(again.stateHash()).toBe(emptyHash);
    expect((await again.submit({ op: 'cancel', id: 1, account: 'a' })).seq).toBe(1);
  });
});
