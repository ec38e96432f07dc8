// Why this file exists: durability: 'memory' — no directory, no log on disk, no backup thread; the same results.

import { afterEach, describe, expect, it } from 'vitest';
import { MULTI, Reference, Scope, wire } from './fixtures/common.js';
import { generate } from './fixtures/load.js';

describe("durability: 'memory'", () => {
  const scope = new Scope();
  afterEach(() => scope.dispose());

  it('works without a dir and matches a plain Engine', async () => {
    const ex = await scope.open({ durability: 'memory', instruments: MULTI });
    const reference = new Reference(MULTI);
    const commands = generate(11, MULTI, 800);
    const results = await Promise.all(commands.map((c) => ex.submit(c)));
    results.forEach((r, i) => expect(r.events).toEqual(reference.apply(commands[i])));
    expect(results.map((r) => r.seq)).toEqual(commands.map((_, i) => i + 1));
    expect(ex.lastSeq).toBe(800);
    expect(ex.stateHash()).toBe(reference.stateHash());
    const stats = ex.stats();
    expect(stats.durability).toBe('memory');
    expect(stats.backup.running).toBe(false);
    expect(stats.commands).toBe(800);
    expect((await ex.submit(wire({ op: 'nope' }))).seq).toBeNull();
    expect(ex.lastSeq).toBe(800);
    await ex.close();
  });

  it('works with two workers too', async () => {
    const ex = await scope.open({ durability: 'memory', instruments: MULTI, workers: 2 });
    const reference = new Reference(MULTI);
    const commands = generate(12, MULTI, 600);
    const results = await Promise.all(commands.map((c) => ex.submit(c)));
    results.forEach((r, i) => expect(r.events).toEqual(reference.apply(commands[i])));
    expect(ex.stateHash()).toBe(reference.stateHash());
  });
});
