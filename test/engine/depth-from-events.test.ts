// Why this file exists: the promise of the `rested` event (SEMANTICS.md "Rested") is that a
// market-data builder can keep depth from the events alone, without inferring what rested. This
// checks it the strong way: seeded random streams (limits, takers, cancels, modifies, stops, OCO,
// icebergs, GTT expiry, halts and instruments listed mid-stream) go through the engine, every
// event goes through DepthFromEvents, and after EVERY command its depth and top must equal the
// engine's for every instrument. A second builder loaded from `l3()` mid-stream must agree too.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DepthFromEvents, Engine, EngineError } from '../../engine/index.js';
import type { OrderCommand as Command, EngineEvent, EngineOptions } from '../../engine/types.js';
import {
  DEEP_MIX,
  TEST_TIMEOUT_MS,
  fcParams,
  growingOptionsArb,
  optionsArb,
  resolveStream,
  show,
  streamArb,
  streamWithAdminArb,
  type Plan,
} from './generators.js';
import { ACME, accepted, acmeOptions, limit, market, modify, rested, restedOf, stop } from './harness.js';

const LEVELS = 1_000_000;

function runStream(plans: Plan[], options: EngineOptions): void {
  const commands = resolveStream(plans, options);
  const engine = new Engine(options);
  const view = new DepthFromEvents(engine.instruments.map((spec) => spec.symbol));
  let late: DepthFromEvents | null = null;
  const loadAt = commands.length >>> 1;
  for (let i = 0; i < commands.length; i++) {
    if (i === loadAt) {
      late = new DepthFromEvents();
      for (const spec of engine.instruments) late.loadL3(spec.symbol, engine.l3(spec.symbol, LEVELS));
    }
    const events = engine.apply(commands[i] as Command);
    view.applyAll(events);
    late?.applyAll(events);
    for (const { symbol } of engine.instruments) {
      const want = engine.depth(symbol, LEVELS);
      const got = view.depth(symbol, LEVELS);
      if (JSON.stringify(got) !== JSON.stringify(want) || JSON.stringify(view.top(symbol)) !== JSON.stringify(engine.top(symbol))) {
        throw new Error(`depth(${symbol}) from events differs after command #${i} ${show(commands[i])}\nevents: ${show(events)}\nengine: ${show(want)}\nevents: ${show(got)}`);
      }
      if (late !== null && JSON.stringify(late.depth(symbol, LEVELS)) !== JSON.stringify(want)) {
        throw new Error(`depth(${symbol}) of the builder loaded from l3 at #${loadAt} differs after command #${i}`);
      }
    }
    let resting = 0;
    for (const { symbol } of engine.instruments) {
      const book = engine.l3(symbol, LEVELS);
      for (const level of [...book.bids, ...book.asks]) resting += level.orders.length;
    }
    if (view.orders !== resting) throw new Error(`builder tracks ${view.orders} resting orders, the engine has ${resting} (command #${i})`);
  }
}

function check(streams: fc.Arbitrary<Plan[]>, options: fc.Arbitrary<EngineOptions>, numRuns: number): void {
  fc.assert(
    fc.property(streams, options, (plans, opts) => runStream(plans, opts)),
    fcParams<[Plan[], EngineOptions]>(numRuns),
  );
}

describe('depth from events (DepthFromEvents)', () => {
  it('equals engine.depth() and top() after every command of random streams', () => {
    check(streamArb(0, 300), optionsArb, 100);
  }, TEST_TIMEOUT_MS);

  it('equals engine.depth() on long deep streams (icebergs refilling, stops, OCO, GTT expiry, modifies)', () => {
    check(streamArb(800, 1500, DEEP_MIX), optionsArb, 6);
  }, TEST_TIMEOUT_MS);

  it('follows instruments listed mid-stream and halts', () => {
    check(streamWithAdminArb(0, 300, 2), growingOptionsArb, 80);
  }, TEST_TIMEOUT_MS);

  it('an iceberg refill is a rested event after the trade that emptied the slice', () => {
    const engine = new Engine(acmeOptions());
    const view = new DepthFromEvents(['ACME', 'WIDE']);
    const ice = limit('i', 'ivy', 'sell', 100, 5, { displayQty: 2 });
    const first = engine.apply(ice);
    expect(first).toEqual([accepted(ice), rested(ice, 2, 3)]);
    view.applyAll(first);
    const events = engine.apply(market('m', 'bob', 'buy', 3));
    expect(events.map((e) => e.type)).toEqual(['accepted', 'trade', 'rested', 'trade']);
    expect(events[2]).toEqual(restedOf('i', 'ivy', 'sell', 100, 2, 1));
    view.applyAll(events);
    expect(view.depth('ACME')).toEqual(engine.depth('ACME'));
    expect(view.resting('i')).toEqual({ side: 'sell', price: 100, qty: 1 });
  });

  it('a triggered stop-limit that rests and a priority-losing modify both say rested', () => {
    const engine = new Engine(acmeOptions());
    const view = new DepthFromEvents(['ACME', 'WIDE']);
    const feed = (events: EngineEvent[]): EngineEvent[] => {
      view.applyAll(events);
      return events;
    };
    feed(engine.apply(stop('s', 'sam', 'buy', 101, 101, 5)));
    feed(engine.apply(limit('a', 'ann', 'sell', 101, 1)));
    const trig = feed(engine.apply(limit('t', 'tom', 'buy', 101, 1)));
    expect(trig.slice(-2)).toEqual([
      expect.objectContaining({ type: 'triggered', id: 's' }),
      restedOf('s', 'sam', 'buy', 101, 5),
    ]);
    const moved = feed(engine.apply(modify('s', 'sam', 99, 7)));
    expect(moved.map((e) => e.type)).toEqual(['modified', 'rested']);
    expect(view.depth('ACME')).toEqual(engine.depth('ACME'));
    const kept = feed(engine.apply(modify('s', 'sam', 99, 4)));
    expect(kept.map((e) => e.type)).toEqual(['modified']);
    expect(view.depth('ACME')).toEqual({ bids: [[99, 4]], asks: [] });
  });

  it('depth and top refuse an unknown symbol and bad levels like the engine', () => {
    const view = new DepthFromEvents([ACME.symbol]);
    expect(() => view.depth('NOPE')).toThrow(EngineError);
    expect(() => view.depth('ACME', 0)).toThrow(/positive safe integer/);
    expect(view.top('ACME')).toEqual({ bid: null, bidQty: 0, ask: null, askQty: 0 });
  });
});
