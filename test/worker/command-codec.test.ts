// Why this file exists: commands cross to the matching workers and the backup thread as numbers;
// decoding must give back exactly the logged (normalized) command, and executing from the parsed
// numbers must behave exactly like executing the command object.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Engine, type OrderCommand as Command } from '../../engine/index.js';
import { ParsedCommand, parseCommand } from '../../engine/validate.js';
import { CommandReader, decodeCommands, encodeCommands, toCommand } from '../../engine/worker/command-codec.js';

const OPTIONS = {
  instruments: [
    { symbol: 'ACME', tickSize: 1, lotSize: 1, minPrice: 1, maxPrice: 1_000 },
    { symbol: 'BETA', tickSize: 5, lotSize: 10, minPrice: 5, maxPrice: 1_000 },
  ],
};

const id = fc.oneof(fc.integer({ min: -5, max: 40 }), fc.constantFrom('a', 'order-7', 'x'.repeat(64)), fc.constant(2 ** 40));
const account = fc.constantFrom('alice', 'bob', 'ünïcødé');
const command = fc.oneof(
  fc.record(
    {
      op: fc.constant('new'),
      id,
      account,
      symbol: fc.constantFrom('ACME', 'BETA'),
      side: fc.constantFrom('buy', 'sell'),
      type: fc.constantFrom('limit', 'market'),
      price: fc.integer({ min: 1, max: 200 }).map((p) => p * 5),
      qty: fc.integer({ min: 1, max: 9 }).map((q) => q * 10),
      tif: fc.constantFrom('GTC', 'IOC', 'FOK'),
      postOnly: fc.boolean(),
      stp: fc.constantFrom('none', 'cancel_taker', 'cancel_maker', 'cancel_both'),
      time: fc.nat(),
    },
    { requiredKeys: ['op', 'id', 'account', 'symbol', 'side', 'type', 'qty', 'time'] },
  ),
  fc.record({ op: fc.constant('cancel'), id, account, time: fc.nat() }),
  fc.record({ op: fc.constant('modify'), id, account, price: fc.integer({ min: 1, max: 200 }).map((p) => p * 5), qty: fc.integer({ min: 1, max: 9 }).map((q) => q * 10), time: fc.nat() }),
);

/** What the exchange logs for a command that passed the shape checks (null if it would not). */
function logged(engine: Engine, raw: unknown): Command | null {
  const p = new ParsedCommand();
  return parseCommand(raw, engine.instrumentIndex, engine.instruments, p, true) === null ? (toCommand(p) as Command) : null;
}

describe('command codec', () => {
  it('round-trips every logged command exactly', () => {
    const engine = new Engine(OPTIONS);
    fc.assert(
      fc.property(fc.array(command, { maxLength: 100 }), (raws) => {
        const commands = raws.map((raw) => logged(engine, raw)).filter((c): c is Command => c !== null);
        const decoded = decodeCommands(encodeCommands(commands, engine.instrumentIndex), engine.instruments);
        expect(decoded).toEqual(commands);
        // Logging is idempotent: the logged form parses to itself.
        expect(commands.map((c) => logged(engine, c))).toEqual(commands);
      }),
      { numRuns: 300 },
    );
  });

  it('executing from the numbers equals executing the objects', () => {
    fc.assert(
      fc.property(fc.array(command, { maxLength: 300 }), (raws) => {
        const byObject = new Engine(OPTIONS);
        const byNumbers = new Engine(OPTIONS);
        const commands = raws.map((raw) => logged(byObject, raw)).filter((c): c is Command => c !== null);
        const reader = new CommandReader(encodeCommands(commands, byNumbers.instrumentIndex), byNumbers.instruments);
        const p = new ParsedCommand();
        for (const c of commands) {
          const expected = byObject.apply(c);
          reader.next(p);
          const events: unknown[] = [];
          const sink = {
            accepted: (...a: unknown[]) => events.push(['accepted', ...a]),
            rejected: (...a: unknown[]) => events.push(['rejected', ...a]),
            trade: (...a: unknown[]) => events.push(['trade', ...a]),
            cancelled: (...a: unknown[]) => events.push(['cancelled', ...a]),
            modified: (...a: unknown[]) => events.push(['modified', ...a]),
            triggered: (...a: unknown[]) => events.push(['triggered', ...a]),
            rested: (...a: unknown[]) => events.push(['rested', ...a]),
            instrumentAdded: (...a: unknown[]) => events.push(['instrument_added', ...a]),
            halted: (...a: unknown[]) => events.push(['halted', ...a]),
            resumed: (...a: unknown[]) => events.push(['resumed', ...a]),
          };
          byNumbers.executeParsed(p, sink);
          expect(events.map((e) => (e as unknown[])[0])).toEqual(expected.map((e) => e.type));
        }
        expect(byNumbers.stateHash()).toBe(byObject.stateHash());
      }),
      { numRuns: 200 },
    );
  });
});
