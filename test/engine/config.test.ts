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

const A = 'instruments[0] (ACME)';

const BAD: BadConfig[] = [
  { name: 'options not an object', options: null, mentions: 'options', message: 'options must be an object' },
  { name: 'instruments missing', options: {}, mentions: 'instruments', message: 'instruments must be a non-empty array' },
  {
    name: 'instruments empty',
    options: { instruments: [] },
    mentions: 'instruments',
    message: 'instruments must be a non-empty array',
  },
  {
    name: 'duplicate symbol',
    options: { instruments: [ACME, { ...ACME }] },
    mentions: 'ACME',
    message: 'instruments: duplicate symbol ACME',
  },
  {
    name: 'empty symbol',
    options: withInstrument({ symbol: '' }),
    mentions: 'symbol',
    message: 'instruments[0].symbol must be a string of 1 to 32 characters',
  },
  {
    name: 'symbol of 33 characters',
    options: withInstrument({ symbol: 'S'.repeat(33) }),
    mentions: 'symbol',
    message: 'instruments[0].symbol must be a string of 1 to 32 characters',
  },
  {
    name: 'tickSize 0',
    options: withInstrument({ tickSize: 0 }),
    mentions: 'tickSize',
    message: `${A}.tickSize must be a positive safe integer`,
  },
  {
    name: 'tickSize fractional',
    options: withInstrument({ tickSize: 0.5 }),
    mentions: 'tickSize',
    message: `${A}.tickSize must be a positive safe integer`,
  },
  {
    name: 'tickSize a string',
    options: withInstrument({ tickSize: '1' }),
    mentions: 'tickSize',
    message: `${A}.tickSize must be a positive safe integer`,
  },
  {
    name: 'lotSize negative',
    options: withInstrument({ lotSize: -1 }),
    mentions: 'lotSize',
    message: `${A}.lotSize must be a positive safe integer`,
  },
  {
    name: 'minPrice 0',
    options: withInstrument({ minPrice: 0 }),
    mentions: 'minPrice',
    message: `${A}.minPrice must be a positive safe integer`,
  },
  {
    name: 'maxPrice NaN',
    options: withInstrument({ maxPrice: Number.NaN }),
    mentions: 'maxPrice',
    message: `${A}.maxPrice must be a positive safe integer`,
  },
  {
    name: 'minPrice > maxPrice',
    options: withInstrument({ minPrice: 10, maxPrice: 5 }),
    mentions: 'minPrice',
    message: `${A}.minPrice must not exceed maxPrice`,
  },
  {
    name: 'maxPrice above 2^48',
    options: withInstrument({ maxPrice: 2 ** 48 + 1 }),
    mentions: 'maxPrice',
    message: `${A}.maxPrice must not exceed 2^48`,
  },
  {
    name: 'minPrice not a multiple of tickSize',
    options: withInstrument({ tickSize: 5, minPrice: 7, maxPrice: 100 }),
    mentions: 'minPrice',
    message: `${A}.minPrice and maxPrice must be multiples of tickSize`,
  },
  {
    name: 'maxPrice not a multiple of tickSize',
    options: withInstrument({ tickSize: 5, minPrice: 5, maxPrice: 101 }),
    mentions: 'maxPrice',
    message: `${A}.minPrice and maxPrice must be multiples of tickSize`,
  },
  {
    name: 'maxQty above 2^32 - 1',
    options: withInstrument({ maxQty: 2 ** 32 }),
    mentions: 'maxQty',
    message: `${A}.maxQty must be a positive integer of at most 2^32 - 1`,
  },
  {
    name: 'maxQty below lotSize',
    options: withInstrument({ lotSize: 10, maxQty: 5 }),
    mentions: 'maxQty',
    message: `${A}.maxQty must be at least lotSize`,
  },
  {
    name: 'maxOrders 0',
    options: { instruments: [ACME], maxOrders: 0 },
    mentions: 'maxOrders',
    message: 'maxOrders must be a positive integer of at most 2^30',
  },
  {
    name: 'maxOrders fractional',
    options: { instruments: [ACME], maxOrders: 2.5 },
    mentions: 'maxOrders',
    message: 'maxOrders must be a positive integer of at most 2^30',
  },
  {
    name: 'maxOrders Infinity',
    options: { instruments: [ACME], maxOrders: Infinity },
    mentions: 'maxOrders',
    message: 'maxOrders must be a positive integer of at most 2^30',
  },
  {
    name: 'initialOrders above maxOrders',
    options: { instruments: [ACME], maxOrders: 4, initialOrders: 8 },
    mentions: 'initialOrders',
    message: 'initialOrders must be a positive integer not above maxOrders',
  },
  {
    name: 'maxQty × maxOrders above 2^53',
    options: { instruments: [{ ...ACME, maxQty: 2 ** 32 - 1 }], maxOrders: 2 ** 22 },
    mentions: 'maxQty',
    message: 'instruments (ACME): maxQty × maxOrders must not exceed 2^53 so level totals stay exact',
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
      .toEqual([{ type: 'accepted', id: 1, account: 'a', symbol: 'ONE', side: 'buy', orderType: 'limit', price: 14, qty: 3 }]);
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
