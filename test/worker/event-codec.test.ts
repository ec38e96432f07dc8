// Why this file exists: events cross from a matching worker as numbers plus a few strings and are
// rebuilt from the commands on the caller's side; this proves the rebuilt events equal what
// Engine.apply returns, for random streams of every command kind (fast-check; icebergs and stops
// included, whose `rested` events are about orders other than the command's). Through a real worker
// thread: test/exchange/matching/worker-reads-records.test.ts.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Engine, type OrderCommand as Command, type EngineEvent, type EngineOptions } from '../../engine/index.js';
import { decodeEvents, EventEncoder } from '../../engine/worker/event-codec.js';

const OPTIONS: EngineOptions = {
  instruments: [
    { symbol: 'ACME', tickSize: 1, lotSize: 1, minPrice: 1, maxPrice: 1_000 },
    { symbol: 'BETA', tickSize: 5, lotSize: 10, minPrice: 5, maxPrice: 1_000 },
  ],
};

const account = fc.constantFrom('alice', 'bob', 'carol');
const id = fc.integer({ min: 1, max: 40 });
const newOrder = fc.record({
  op: fc.constant('new' as const),
  id,
  account,
  symbol: fc.constantFrom('ACME', 'BETA'),
  side: fc.constantFrom('buy' as const, 'sell' as const),
  type: fc.constantFrom('limit' as const, 'limit' as const, 'market' as const),
  price: fc.integer({ min: 90, max: 110 }).map((p) => p * 5),
  qty: fc.integer({ min: 1, max: 5 }).map((q) => q * 10),
  tif: fc.constantFrom('GTC' as const, 'IOC' as const, 'FOK' as const),
  postOnly: fc.boolean(),
  stp: fc.constantFrom('none' as const, 'cancel_taker' as const, 'cancel_maker' as const, 'cancel_both' as const),
  time: fc.constant(1),
});
/** Stop-limits (a triggered one that rests sends its id: not the command's own order). */
const stopLimit = fc.record({
  op: fc.constant('new' as const),
  id,
  account,
  symbol: fc.constantFrom('ACME', 'BETA'),
  side: fc.constantFrom('buy' as const, 'sell' as const),
  type: fc.constant('stop_limit' as const),
  price: fc.integer({ min: 90, max: 110 }).map((p) => p * 5),
  stopPrice: fc.integer({ min: 90, max: 110 }).map((p) => p * 5),
  qty: fc.integer({ min: 1, max: 5 }).map((q) => q * 10),
  time: fc.constant(1),
});
/** Icebergs (a refill's `rested` is about a maker, not the command's order). */
const iceberg = fc.record({
  op: fc.constant('new' as const),
  id,
  account,
  symbol: fc.constantFrom('ACME', 'BETA'),
  side: fc.constantFrom('buy' as const, 'sell' as const),
  type: fc.constant('limit' as const),
  price: fc.integer({ min: 90, max: 110 }).map((p) => p * 5),
  qty: fc.integer({ min: 2, max: 8 }).map((q) => q * 10),
  displayQty: fc.constant(10),
  time: fc.constant(1),
});
const cancel = fc.record({ op: fc.constant('cancel' as const), id, account, time: fc.constant(1) });
const modify = fc.record({
  op: fc.constant('modify' as const),
  id,
  account,
  price: fc.integer({ min: 90, max: 110 }).map((p) => p * 5),
  qty: fc.integer({ min: 1, max: 5 }).map((q) => q * 10),
  time: fc.constant(1),
});

/** Market orders carry no price; the exchange logs them without one. */
function wellFormed(command: Command): Command {
  if (command.op === 'new' && command.type === 'market') {
    const { price: _price, ...rest } = command;
    return { ...rest, tif: command.tif === 'GTC' ? 'IOC' : command.tif, postOnly: false };
  }
  if (command.op === 'new' && command.postOnly) return { ...command, tif: 'GTC' };
  return command;
}

/**
 * Workers report a reject's code only; its `detail` (a pure function of the instrument, or the
 * original order's seq from the exchange's own view) is added by the exchange after decoding
 * (exchange.ts). The reference's events are compared without it.
 */
function withoutDetail(events: EngineEvent[]): EngineEvent[] {
  return events.map((event) => {
    if (event.type !== 'rejected' || event.detail === undefined) return event;
    const { detail: _detail, ...rest } = event;
    return rest as EngineEvent;
  });
}

const stream = fc.array(fc.oneof(newOrder, newOrder, stopLimit, iceberg, cancel, modify).map(wellFormed), { minLength: 1, maxLength: 200 });

describe('event codec', () => {
  it('rebuilds exactly the events Engine.apply returns', () => {
    fc.assert(
      fc.property(stream, (commands) => {
        const reference = new Engine(OPTIONS);
        const encoded = new Engine(OPTIONS);
        const encoder = new EventEncoder(encoded.instrumentIndex);
        encoder.reset();
        for (const command of commands) {
          encoder.begin(command.id, command.account);
          encoded.execute(command, encoder);
        }
        const decoded = decodeEvents(commands, encoder.take(), encoder.refs, encoded.instruments);
        expect(decoded).toEqual(commands.map((command) => withoutDetail(reference.apply(command))));
      }),
      { numRuns: 200 },
    );
  });
});
