// Why this file exists: a bad engine configuration is a programming error that must fail loudly
// at construction with a ConfigError naming the option (a bad tick size found mid-session would
// corrupt a book). Both implementations must refuse the same configurations; the engine's exact
// messages (engine/config.ts) are pinned separately so callers can rely on them.

import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../engine/errors.js';
import type { EngineOptions, InstrumentSpec } from '../../engine/types.js';
import { ACME, IMPLS, engineImpl } from './harness.js';

function withInstrument(patch: Record<string, unknown>): EngineOptions {
  return { instruments: [{ ...ACME, ...patch } as InstrumentSpec] };
}

interface BadConfig {
  name: string;
  options: unknown;
  /** A word the message must contain (the option's name). */
  mentions: string;
  /** The engine's exact message (engine/config.ts). */
  message: string;
}

const A = 'options.instruments[0] (ACME)';

const BAD: BadConfig[] = [
  { name: 'options not an object', options: null, mentions: 'options', message: 'options must be an object (got null)' },
  { name: 'instruments missing', options: {}, mentions: 'instruments', message: 'options.instruments must be a non-empty array (got undefined)' },
  {
    name: 'instruments empty',
    options: { instruments: [] },
    mentions: 'instruments',
    message: 'options.instruments must be a non-empty array (got an empty array)',
  },
  {
    name: 'duplicate symbol',
    options: { instruments: [ACME, { ...ACME }] },
    mentions: 'ACME',
    message: 'options.instruments: duplicate symbol ACME',
  },
  {
    name: 'empty symbol',
    options: withInstrument({ symbol: '' }),
    mentions: 'symbol',
    message: "options.instruments[0].symbol must be a string of 1 to 32 characters (got '')",
  },
  {
    name: 'symbol of 33 characters',
    options: withInstrument({ symbol: 'S'.repeat(33) }),
    mentions: 'symbol',
    message: `options.instruments[0].symbol must be a string of 1 to 32 characters (got '${'S'.repeat(33)}')`,
  },
  {
    name: 'tickSize 0',
    options: withInstrument({ tickSize: 0 }),
    mentions: 'tickSize',
    message: `${A}.tickSize must be a positive safe integer (got 0)`,
  },
  {
    name: 'tickSize fractional',
    options: withInstrument({ tickSize: 0.5 }),
    mentions: 'tickSize',
    message: `${A}.tickSize must be a positive safe integer (got 0.5)`,
  },
  {
    name: 'tickSize a string',
    options: withInstrument({ tickSize: '1' }),
    mentions: 'tickSize',
    message: `${A}.tickSize must be a positive safe integer (got '1')`,
  },
  {
    name: 'lotSize negative',
    options: withInstrument({ lotSize: -1 }),
    mentions: 'lotSize',
    message: `${A}.lotSize must be a positive safe integer (got -1)`,
  },
  {
    name: 'minPrice 0',
    options: withInstrument({ minPrice: 0 }),
    mentions: 'minPrice',
    message: `${A}.minPrice must be a positive safe integer (got 0)`,
  },
  {
    name: 'maxPrice NaN',
    options: withInstrument({ maxPrice: Number.NaN }),
    mentions: 'maxPrice',
    message: `${A}.maxPrice must be a positive safe integer (got NaN)`,
  },
  {
    name: 'minPrice > maxPrice',
    options: withInstrument({ minPrice: 10, maxPrice: 5 }),
    mentions: 'minPrice',
    message: `${A}.minPrice must not exceed maxPrice (got 10 > 5)`,
  },
  {
    name: 'maxPrice above 2^48',
    options: withInstrument({ maxPrice: 2 ** 48 + 1 }),
    mentions: 'maxPrice',
    message: `${A}.maxPrice must not exceed 2^48 (got 281474976710657)`,
  },
  {
    name: 'minPrice not a multiple of tickSize',
    options: withInstrument({ tickSize: 5, minPrice: 7, maxPrice: 100 }),
    mentions: 'minPrice',
    message: `${A}.minPrice and maxPrice must be multiples of tickSize (got 7 and 100, tick 5)`,
  },
  {
    name: 'maxPrice not a multiple of tickSize',
    options: withInstrument({ tickSize: 5, minPrice: 5, maxPrice: 101 }),
    mentions: 'maxPrice',
    message: `${A}.minPrice and maxPrice must be multiples of tickSize (got 5 and 101, tick 5)`,
  },
  {
    name: 'maxQty above 2^32 - 1',
    options: withInstrument({ maxQty: 2 ** 32 }),
    mentions: 'maxQty',
    message: `${A}.maxQty must be a positive integer of at most 2^32 - 1 (got 4294967296)`,
  },
  {
    name: 'maxQty below lotSize',
    options: withInstrument({ lotSize: 10, maxQty: 5 }),
    mentions: 'maxQty',
    message: `${A}.maxQty must be at least lotSize (got 5 < 10)`,
  },
  {
    name: 'maxOrders 0',
    options: { instruments: [ACME], maxOrders: 0 },
    mentions: 'maxOrders',
    message: 'options.maxOrders (ordersMax) must be a positive integer of at most 2^30 (got 0)',
  },
  {
    name: 'maxOrders fractional',
    options: { instruments: [ACME], maxOrders: 2.5 },
    mentions: 'maxOrders',
    message: 'options.maxOrders (ordersMax) must be a positive integer of at most 2^30 (got 2.5)',
  },
  {
    name: 'maxOrders Infinity',
    options: { instruments: [ACME], maxOrders: Infinity },
    mentions: 'maxOrders',
    message: 'options.maxOrders (ordersMax) must be a positive integer of at most 2^30 (got Infinity)',
  },
  {
    name: 'initialOrders above maxOrders',
    options: { instruments: [ACME], maxOrders: 4, initialOrders: 8 },
    mentions: 'initialOrders',
    message: 'options.initialOrders (ordersInitial) must be a positive integer not above ordersMax 4 (got 8)',
  },
  {
    name: 'maxQty × maxOrders above 2^53',
    options: { instruments: [{ ...ACME, maxQty: 2 ** 32 - 1 }], maxOrders: 2 ** 22 },
    mentions: 'maxQty',
    message: 'options.instruments (ACME): maxQty × ordersMax must not exceed 2^53 so level totals stay exact (got 4294967295 × 4194304)',
  },
];

describe.each(IMPLS)('configuration ($name)', (impl) => {
  it.each(BAD)('refuses $name with a ConfigError naming the option', ({ options, mentions }) => {
    const attempt = (): unknown => impl.create(options as EngineOptions);
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(mentions);
  });

  it('accepts a minimal configuration with defaults', () => {
    const e = impl.create({ instruments: [ACME] });
    expect(e.liveOrders).toBe(0);
    expect(e.depth('ACME')).toEqual({ bids: [], asks: [] });
  });

  it('accepts edge values: minPrice = maxPrice, maxPrice = 2^48, maxQty = lotSize, maxOrders = 1', () => {
    const e = impl.create({
      instruments: [
        { symbol: 'ONE', tickSize: 7, lotSize: 3, minPrice: 14, maxPrice: 14, maxQty: 3 },
        { symbol: 'B'.repeat(32), tickSize: 1, lotSize: 1, minPrice: 1, maxPrice: 2 ** 48 },
      ],
      maxOrders: 1,
    });
    expect(e.apply({ op: 'new', id: 1, account: 'a', symbol: 'ONE', side: 'buy', type: 'limit', price: 14, qty: 3, time: 0 }))
      .toEqual([
        { type: 'accepted', id: 1, account: 'a', symbol: 'ONE', side: 'buy', orderType: 'limit', price: 14, qty: 3 },
        { type: 'rested', id: 1, account: 'a', symbol: 'ONE', side: 'buy', price: 14, qty: 3, hidden: 0 },
      ]);
  });
});

/** Messages only the engine gives (the oracle has no option idiom to match). */
const ENGINE_ONLY: Array<{ name: string; options: unknown; message: string }> = [
  {
    name: 'an unknown option (a typo)',
    options: { instruments: [ACME], maxOrder: 5 },
    message:
      "unknown option 'maxOrder' (known: instruments, ordersMax, ordersInitial, instrumentsMax, idsRememberedPerInstrumentMax, idRetentionCommands, idRetentionMs, idsRememberedFull)",
  },
  {
    name: 'a negative deadIdsPerInstrumentMax (the earlier name)',
    options: { instruments: [ACME], deadIdsPerInstrumentMax: -1 },
    message: 'options.deadIdsPerInstrumentMax (idsRememberedPerInstrumentMax) must be an integer from 0 to 4194304 (got -1)',
  },
  {
    name: 'a fractional idsRememberedPerInstrumentMax',
    options: { instruments: [ACME], idsRememberedPerInstrumentMax: 1.5 },
    message: 'options.idsRememberedPerInstrumentMax must be an integer from 0 to 4194304 (got 1.5)',
  },
  {
    name: 'both names of the id memory cap, differing',
    options: { instruments: [ACME], idsRememberedPerInstrumentMax: 5, deadIdsPerInstrumentMax: 6 },
    message: 'options.deadIdsPerInstrumentMax is the earlier name of options.idsRememberedPerInstrumentMax; give one (got 6 and 5)',
  },
  {
    name: 'a negative idRetentionCommands',
    options: { instruments: [ACME], idRetentionCommands: -1 },
    message: 'options.idRetentionCommands must be a safe integer >= 0, 0 for no bound (got -1)',
  },
  {
    name: 'a fractional idRetentionMs',
    options: { instruments: [ACME], idRetentionMs: 0.5 },
    message: 'options.idRetentionMs must be a safe integer >= 0, 0 for no bound (got 0.5)',
  },
  {
    name: 'an unknown idsRememberedFull',
    options: { instruments: [ACME], idsRememberedFull: 'evict' },
    message: "options.idsRememberedFull must be 'forget-oldest' or 'reject' (got 'evict')",
  },
  {
    name: "idsRememberedFull 'reject' without a window",
    options: { instruments: [ACME], idsRememberedFull: 'reject' },
    message:
      "options.idsRememberedFull 'reject' needs a retention window (idRetentionCommands or idRetentionMs above 0): without one a full memory would refuse every new order for ever",
  },
  {
    name: 'an unknown instrument key',
    options: withInstrument({ tick: 1 }),
    message: "options.instruments[0] (ACME): unknown key 'tick' (known: symbol, tickSize, lotSize, minPrice, maxPrice, maxQty)",
  },
  {
    name: 'an instrument that is not an object',
    options: { instruments: ['ACME'] },
    message: "options.instruments[0] must be an object (got 'ACME')",
  },
  {
    name: 'more instruments than the limit',
    options: { instruments: Array.from({ length: 4097 }, (_, i) => ({ ...ACME, symbol: `S${i}` })) },
    message: 'options.instruments must hold at most instrumentsMax 4096 entries (got 4097)',
  },
  {
    name: 'more instruments than instrumentsMax',
    options: { instruments: [ACME, { ...ACME, symbol: 'B' }], instrumentsMax: 1 },
    message: 'options.instruments must hold at most instrumentsMax 1 entries (got 2)',
  },
  {
    name: 'instrumentsMax 0',
    options: { instruments: [ACME], instrumentsMax: 0 },
    message: 'options.instrumentsMax must be an integer from 1 to 4096 (got 0)',
  },
  {
    name: 'instrumentsMax above 4096',
    options: { instruments: [ACME], instrumentsMax: 4097 },
    message: 'options.instrumentsMax must be an integer from 1 to 4096 (got 4097)',
  },
  {
    name: 'ordersMax above 2^30 (current name)',
    options: { instruments: [ACME], ordersMax: 2 ** 30 + 1 },
    message: 'options.ordersMax must be a positive integer of at most 2^30 (got 1073741825)',
  },
  {
    name: 'ordersInitial above ordersMax (current names)',
    options: { instruments: [ACME], ordersMax: 4, ordersInitial: 5 },
    message: 'options.ordersInitial must be a positive integer not above ordersMax 4 (got 5)',
  },
  {
    name: 'an alias and its name disagreeing',
    options: { instruments: [ACME], maxOrders: 4, ordersMax: 5 },
    message: 'options.maxOrders is the earlier name of options.ordersMax; give one (got 4 and 5)',
  },
];

describe('configuration messages (engine only)', () => {
  it.each(ENGINE_ONLY)('$name → exact message', ({ options, message }) => {
    expect(() => engineImpl.create(options as EngineOptions)).toThrow(new ConfigError(message));
  });

  it('the units-last names and their aliases configure the same engine', () => {
    const a = engineImpl.create({ instruments: [ACME], ordersMax: 1 });
    const b = engineImpl.create({ instruments: [ACME], maxOrders: 1, ordersMax: 1 });
    for (const engine of [a, b]) {
      engine.apply({ op: 'new', id: 1, account: 'a', symbol: 'ACME', side: 'buy', type: 'limit', price: 100, qty: 1, time: 0 });
      const second = engine.apply({ op: 'new', id: 2, account: 'a', symbol: 'ACME', side: 'buy', type: 'limit', price: 100, qty: 1, time: 0 });
      expect(second[0].type).toBe('rejected');
    }
  });
});

describe('configuration messages (engine)', () => {
  it.each(BAD)('$name → exact message', ({ options, message }) => {
    expect(() => engineImpl.create(options as EngineOptions)).toThrow(new ConfigError(message));
    try {
      engineImpl.create(options as EngineOptions);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toBe(message);
      expect((error as Error).name).toBe('ConfigError');
    }
  });
});
