// Why this file exists: logs carry digest marks of the event stream as it was when they were
// written, and replay of an old log must still verify them. Adding the `rested` event must not
// change the digest of any stream (SEMANTICS.md "Rested": it is not folded). The pinned value was
// computed by the engine before `rested` existed (main at a9cbf2a) on the same deterministic
// stream: if it changes, old logs stop verifying — version the digest instead.

import { describe, expect, it } from 'vitest';
import { Engine, EventDigest } from '../../engine/index.js';
import type { Command } from '../../engine/types.js';

/** 3,000 commands from a fixed LCG: limits, icebergs, markets, stop-limits, cancels, modifies. */
function digestStream(): Command[] {
  let x = 12345;
  const rand = (n: number): number => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return (x >>> 8) % n;
  };
  const cmds: Array<Record<string, unknown>> = [];
  for (let i = 1; i <= 3000; i++) {
    const r = rand(10);
    const side = rand(2) === 0 ? 'buy' : 'sell';
    const price = 95 + rand(11);
    const id = rand(400);
    const base = { id, account: `a${rand(5)}`, time: i };
    if (r < 4) cmds.push({ op: 'new', ...base, symbol: 'ACME', side, type: 'limit', price, qty: 1 + rand(20) });
    else if (r < 5) cmds.push({ op: 'new', ...base, symbol: 'ACME', side, type: 'limit', price, qty: 10 + rand(30), displayQty: 5 });
    else if (r < 6) cmds.push({ op: 'new', ...base, symbol: 'ACME', side, type: 'market', qty: 1 + rand(30) });
    else if (r < 7) cmds.push({ op: 'new', ...base, symbol: 'ACME', side, type: 'stop_limit', stopPrice: price, price, qty: 1 + rand(10) });
    else if (r < 8) cmds.push({ op: 'cancel', ...base });
    else cmds.push({ op: 'modify', ...base, price, qty: 1 + rand(25) });
  }
  return cmds as unknown as Command[];
}

describe('event digest across the rested event', () => {
  it('is the digest the engine produced before rested existed (old logs verify)', () => {
    const engine = new Engine({
      instruments: [{ symbol: 'ACME', tickSize: 1, lotSize: 1, minPrice: 1, maxPrice: 1000 }],
      idsRememberedPerInstrumentMax: 0,
    });
    const digest = new EventDigest();
    const withoutRested = new EventDigest();
    let seq = 0;
    let rested = 0;
    for (const cmd of digestStream()) {
      const events = engine.apply(cmd);
      seq++;
      digest.command(seq);
      withoutRested.command(seq);
      for (const event of events) {
        digest.event(event);
        if (event.type === 'rested') rested++;
        else withoutRested.event(event);
      }
    }
    expect(rested).toBeGreaterThan(1000);
    expect(digest.value).toBe(withoutRested.value);
    expect(digest.value).toBe('c7ed455515195372');
    expect(engine.stateHash()).toBe('ae40aedba22b3e28e3cb0b6ac84b9c25f0d241c51d3ddfb301198013552c1a6b');
  });
});
