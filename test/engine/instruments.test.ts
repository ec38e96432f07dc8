// Why this file exists: SEMANTICS.md "Instruments" on both implementations (engine and oracle):
// add_instrument appends an empty, running instrument whose configuration is state (an engine
// that listed it at run time hashes, snapshots and restores like one configured with it); halt
// rejects new orders and modifies with INSTRUMENT_HALTED and keeps cancels, resting orders,
// pending stops and the GTT expiry sweep (run by cancels and modifies; a halted-rejected `new` uses up
// no id and sweeps nothing); resume triggers nothing; neither sweeps.

import { describe, expect, it } from 'vitest';
import { Engine } from '../../engine/index.js';
import type { EngineEvent, InstrumentSpec } from '../../engine/types.js';
import { ACME, IMPLS, RejectCode, WIDE, acmeOptions, applyRaw, cancel, limit, modify, rejected, stop, type EngineLike } from './harness.js';

const NEWX: InstrumentSpec = { symbol: 'NEWX', tickSize: 5, lotSize: 10, minPrice: 5, maxPrice: 10_000 };
const add = (spec: InstrumentSpec, time = 1): unknown => ({ op: 'add_instrument', spec, time });
const halt = (symbol: string, time = 1): unknown => ({ op: 'halt', symbol, time });
const resume = (symbol: string, time = 1): unknown => ({ op: 'resume', symbol, time });

describe.each(IMPLS)('instruments ($name)', (impl) => {
  const create = (): EngineLike => impl.create(acmeOptions());

  it('add_instrument appends the next index, empty and running; orders on it match', () => {
    const e = create();
    expect(applyRaw(e, add(NEWX))).toEqual([{ type: 'instrument_added', symbol: 'NEWX', index: 2, spec: { ...NEWX, maxQty: 1_000_000_000 } }]);
    expect(e.depth('NEWX')).toEqual({ bids: [], asks: [] });
    expect(e.top('NEWX')).toEqual({ bid: null, bidQty: 0, ask: null, askQty: 0 });
    e.apply(limit('b', 'alice', 'buy', 100, 20, { symbol: 'NEWX' }));
    const events = e.apply(limit('s', 'bob', 'sell', 100, 10, { symbol: 'NEWX' }));
    expect(events.map((ev) => ev.type)).toEqual(['accepted', 'trade']);
    expect(e.l3('NEWX').bids).toEqual([{ price: 100, qty: 10, orders: [{ id: 'b', qty: 10 }] }]);
    // Its rules apply: off its tick.
    expect(e.apply(limit('t', 'bob', 'sell', 101, 10, { symbol: 'NEWX' }))).toEqual([rejected('new', 't', RejectCode.PRICE_NOT_ON_TICK, NEWX)]);
    e.checkInvariants();
  });

  it('the configuration is state: listing an instrument at run time hashes and snapshots like configuring it', () => {
    const grown = create();
    applyRaw(grown, add(NEWX));
    const configured = impl.create({ instruments: [ACME, WIDE, NEWX] });
    expect(grown.stateHash()).toBe(configured.stateHash());
    for (const e of [grown, configured]) e.apply(limit('r', 'alice', 'buy', 50, 10, { symbol: 'NEWX' }));
    expect(grown.stateHash()).toBe(configured.stateHash());
    const restored = impl.restore(grown.snapshot());
    expect(restored.stateHash()).toBe(grown.stateHash());
    expect(restored.depth('NEWX')).toEqual({ bids: [[50, 10]], asks: [] });
    // The restored engine knows the instrument is there: adding it again is refused.
    expect(applyRaw(restored, add(NEWX))).toEqual([rejected('add_instrument', null, RejectCode.INSTRUMENT_EXISTS)]);
  });

  it('halt: new orders and modifies are rejected INSTRUMENT_HALTED, cancels accepted, other instruments trade', () => {
    const e = create();
    e.apply(limit('r1', 'alice', 'buy', 100, 10));
    e.apply(limit('r2', 'alice', 'buy', 99, 10));
    expect(applyRaw(e, halt('ACME'))).toEqual([{ type: 'halted', symbol: 'ACME' }]);
    expect(e.apply(limit('n', 'bob', 'sell', 100, 10))).toEqual([rejected('new', 'n', RejectCode.INSTRUMENT_HALTED)]);
    expect(e.apply(modify('r1', 'alice', 101, 10))).toEqual([rejected('modify', 'r1', RejectCode.INSTRUMENT_HALTED)]);
    // A modify by another account is still NOT_OWNER (ownership is checked first).
    expect(e.apply(modify('r1', 'bob', 101, 10))).toEqual([rejected('modify', 'r1', RejectCode.NOT_OWNER)]);
    expect(e.apply(cancel('r1', 'alice'))[0]).toMatchObject({ type: 'cancelled', id: 'r1', reason: 'USER' });
    expect(e.depth('ACME').bids).toEqual([[99, 10]]);
    expect(e.apply(limit('w', 'bob', 'sell', 500, 10, { symbol: 'WIDE' }))[0].type).toBe('accepted');
    expect(applyRaw(e, resume('ACME'))).toEqual([{ type: 'resumed', symbol: 'ACME' }]);
    expect(e.apply(limit('n2', 'bob', 'sell', 99, 10)).map((ev) => ev.type)).toEqual(['accepted', 'trade']);
  });

  it('halt is state (hashed, snapshotted); resume restores the running hash', () => {
    const e = create();
    e.apply(limit('r', 'alice', 'buy', 100, 10));
    const running = e.stateHash();
    applyRaw(e, halt('WIDE'));
    const halted = e.stateHash();
    expect(halted).not.toBe(running);
    const restored = impl.restore(e.snapshot());
    expect(restored.stateHash()).toBe(halted);
    expect(restored.apply(limit('w', 'bob', 'sell', 500, 10, { symbol: 'WIDE' }))).toEqual([rejected('new', 'w', RejectCode.INSTRUMENT_HALTED)]);
    applyRaw(e, resume('WIDE'));
    expect(e.stateHash()).toBe(running);
  });

  it('stops stay pending on a halted instrument; resume triggers nothing; modify of a pending stop is refused', () => {
    const e = create();
    e.apply(limit('m', 'alice', 'sell', 100, 5));
    e.apply(limit('t', 'bob', 'buy', 100, 5)); // last price 100
    e.apply(stop('s', 'carol', 'buy', 105, undefined, 5));
    applyRaw(e, halt('ACME'));
    expect(e.apply(modify('s', 'carol', 106, 5))).toEqual([rejected('modify', 's', RejectCode.INSTRUMENT_HALTED)]);
    expect(applyRaw(e, resume('ACME'))).toEqual([{ type: 'resumed', symbol: 'ACME' }]);
    expect(e.order('s')?.stopPrice).toBe(105);
    expect(e.liveOrders).toBe(1);
  });

  it('GTT expiry still runs on a halted instrument when a cancel reaches it (the halt and a halted-rejected new sweep nothing)', () => {
    const e = create();
    e.apply(limit('g', 'alice', 'buy', 100, 10, { tif: 'GTT', expireTime: 50, time: 10 }));
    e.apply(limit('keep', 'alice', 'buy', 90, 10, { time: 11 }));
    // Halted at time 60, past the expiry: nothing is swept by the halt.
    expect(applyRaw(e, halt('ACME', 60))).toEqual([{ type: 'halted', symbol: 'ACME' }]);
    expect(e.order('g')).toBeDefined();
    // A new order is refused by the halt before the id step and the sweep (SEMANTICS.md step 16a).
    expect(e.apply(limit('n', 'bob', 'sell', 100, 10, { time: 61 }))).toEqual([rejected('new', 'n', RejectCode.INSTRUMENT_HALTED)]);
    expect(e.order('g')).toBeDefined();
    // A cancel reaching the instrument sweeps it: halting stops trading, not time.
    const events: EngineEvent[] = e.apply(cancel('keep', 'alice', 62));
    expect(events).toEqual([
      { type: 'cancelled', id: 'g', account: 'alice', symbol: 'ACME', side: 'buy', reason: 'EXPIRED', qty: 10 },
      { type: 'cancelled', id: 'keep', account: 'alice', symbol: 'ACME', side: 'buy', reason: 'USER', qty: 10 },
    ]);
  });

  it('a new refused by a halt does not use up its id: its retry after resume is accepted, not DUPLICATE_ID', () => {
    const e = create();
    applyRaw(e, halt('ACME'));
    const before = e.stateHash();
    expect(e.apply(limit('r1', 'bob', 'buy', 100, 10))).toEqual([rejected('new', 'r1', RejectCode.INSTRUMENT_HALTED)]);
    // Nothing remembered: the state is what it was.
    expect(e.stateHash()).toBe(before);
    applyRaw(e, resume('ACME'));
    expect(e.apply(limit('r1', 'bob', 'buy', 100, 10)).map((ev) => ev.type)).toEqual(['accepted', 'rested']);
  });

  it('instrumentsMax bounds the configured plus added instruments', () => {
    const e = impl.create(acmeOptions({ instrumentsMax: 3 }));
    expect(applyRaw(e, add(NEWX))[0].type).toBe('instrument_added');
    expect(applyRaw(e, add({ ...NEWX, symbol: 'NEWY' }))).toEqual([rejected('add_instrument', null, RejectCode.INSTRUMENT_CAPACITY)]);
  });

  it('halt and resume of an unknown or malformed symbol, and admin commands without a valid time', () => {
    const e = create();
    expect(applyRaw(e, halt('NOPE'))).toEqual([rejected('halt', null, RejectCode.UNKNOWN_SYMBOL)]);
    expect(applyRaw(e, { op: 'resume', symbol: 7, time: 1 })).toEqual([rejected('resume', null, RejectCode.INVALID_SYMBOL)]);
    expect(applyRaw(e, { op: 'halt', symbol: 'ACME' })).toEqual([rejected('halt', null, RejectCode.INVALID_TIME)]);
    expect(applyRaw(e, { op: 'add_instrument', spec: NEWX, time: -1 })).toEqual([rejected('add_instrument', null, RejectCode.INVALID_TIME)]);
  });
});

describe('Engine.isHalted', () => {
  it('answers per symbol and throws for an unknown one', () => {
    const e = new Engine(acmeOptions());
    e.apply({ op: 'halt', symbol: 'WIDE', time: 1 });
    expect([e.isHalted('ACME'), e.isHalted('WIDE')]).toEqual([false, true]);
    expect(() => e.isHalted('NOPE')).toThrow('unknown symbol: NOPE');
  });
});
