// Why this file exists: the backup replica is sent records up to the last RELEASED command only — not up to the
// log's durable seq, which may already cover commands whose workers have not answered (issue 9). So while
// thousands of commands are in flight, at any moment between two turns of the event loop, the state the queries
// read must be exactly the state after the commands acknowledged so far (stats().acknowledged of the stream),
// never one a command later. The stream is long enough that the backup's gathering buffer fills and an item
// straddles the acknowledged point.

import { afterEach, describe, expect, it } from 'vitest';
import { MULTI, Reference, Scope } from '../fixtures/common.js';
import { generate } from '../fixtures/load.js';

describe('the backup replica is the acknowledged state, under load', () => {
  const scope = new Scope();
  afterEach(() => scope.dispose());

  it('a query between event-loop turns sees exactly the commands acknowledged so far', async () => {
    const ex = await scope.open({ dir: scope.dir(), instruments: MULTI, workers: 2, batchMax: 64, markEvery: 50 });
    const commands = generate(77, MULTI, 3_000);
    const reference = new Reference(MULTI);
    // Hash after each prefix: prefix[n] is the state after the first n commands.
    const prefix = [reference.stateHash()];
    for (const command of commands) {
      reference.apply(command);
      prefix.push(reference.stateHash());
    }
    const chunks = Array.from({ length: 30 }, (_, i) => ex.submitMany(commands.slice(i * 100, i * 100 + 100)));
    let checks = 0;
    let mismatch: string | null = null;
    let done = false;
    const all = Promise.all(chunks).finally(() => (done = true));
    // Bounded by the stream: every turn acknowledges something or the loop ends with it.
    while (!done && mismatch === null) {
      await new Promise((resolve) => setImmediate(resolve));
      const acknowledged = ex.stats().acknowledged;
      if (ex.stateHash() !== prefix[acknowledged]) mismatch = `after ${acknowledged} acknowledged commands`;
      checks++;
    }
    await all;
    expect(mismatch).toBeNull();
    expect(checks).toBeGreaterThan(1);
    expect(ex.stateHash()).toBe(prefix[commands.length]);
  });
});
