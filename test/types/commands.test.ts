// Why this file exists: commands are typed (a union discriminated on `op`, and on `type` for new
// orders) so that a misspelled side, order type or time in force is a compile error, not a
// run-time reject. The `@ts-expect-error` lines are checked by the typecheck run (`tsc --noEmit`
// includes test/): if one of them stopped being an error, tsc fails. vitest's expectTypeOf checks
// the shapes; at run time the same values are still validated (the last test).

import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  Engine,
  type CancelCommand,
  type OrderCommand as Command,
  type EngineEvent,
  type ExchangeCommand,
  type ExchangeEvent,
  type LimitOrderCommand,
  type MarketOrderCommand,
  type ModifyCommand,
  type NewOrderCommand,
  type StopLimitOrderCommand,
  type StopMarketOrderCommand,
  type OcoOrderCommand,
  type SubmitResult,
} from '../../index.js';

const ACME = { symbol: 'ACME', tickSize: 1, lotSize: 1, minPrice: 1, maxPrice: 1_000 };

describe('typed commands', () => {
  it('Command is a union discriminated on op, and NewOrderCommand on type', () => {
    expectTypeOf<Command>().toEqualTypeOf<NewOrderCommand | CancelCommand | ModifyCommand>();
    expectTypeOf<Command['op']>().toEqualTypeOf<'new' | 'cancel' | 'modify'>();
    expectTypeOf<NewOrderCommand>().toEqualTypeOf<
      LimitOrderCommand | MarketOrderCommand | StopLimitOrderCommand | StopMarketOrderCommand | OcoOrderCommand
    >();
    expectTypeOf<NewOrderCommand['type']>().toEqualTypeOf<'limit' | 'market' | 'stop_limit' | 'stop_market' | 'oco'>();
    expectTypeOf<NewOrderCommand['side']>().toEqualTypeOf<'buy' | 'sell'>();
    // Narrowing on the discriminants gives the fields each kind requires.
    const narrow = (c: Command): number => (c.op === 'new' && c.type === 'stop_limit' ? c.stopPrice + c.price : 0);
    expectTypeOf(narrow).returns.toEqualTypeOf<number>();
  });

  it('a misspelled side, type, op or time in force, or a missing price / stop price, does not compile', () => {
    const base = { op: 'new', id: 1, account: 'a', symbol: 'ACME', qty: 1, time: 1 } as const;
    const ok: Command[] = [
      { ...base, side: 'buy', type: 'limit', price: 10 },
      { ...base, side: 'sell', type: 'market', tif: 'FOK' },
      { ...base, side: 'buy', type: 'stop_limit', price: 10, stopPrice: 9 },
      { ...base, side: 'buy', type: 'stop_market', stopPrice: 9 },
      { op: 'cancel', id: 1, account: 'a', time: 2 },
      { op: 'modify', id: 1, account: 'a', qty: 3, time: 3 },
    ];
    const bad: Command[] = [
      // @ts-expect-error misspelled side
      { ...base, side: 'buyy', type: 'limit', price: 10 },
      // @ts-expect-error misspelled order type
      { ...base, side: 'buy', type: 'limt', price: 10 },
      // @ts-expect-error misspelled time in force
      { ...base, side: 'buy', type: 'limit', price: 10, tif: 'GTD' },
      // @ts-expect-error misspelled op
      { op: 'cancle', id: 1, account: 'a', time: 2 },
      // @ts-expect-error a limit order needs a price
      { ...base, side: 'buy', type: 'limit' },
      // @ts-expect-error a stop order needs a stop price
      { ...base, side: 'buy', type: 'stop_market' },
      // @ts-expect-error the engine has no clock: time is required by Engine.apply
      { op: 'cancel', id: 1, account: 'a' },
    ];
    expect(ok.length + bad.length).toBe(13);
  });

  it('Exchange.submit takes time as optional (the exchange stamps it); results and feed events carry seq and time', () => {
    const untimed: ExchangeCommand = { op: 'new', id: 'c-1', account: 'a', symbol: 'ACME', side: 'buy', type: 'limit', price: 10, qty: 1 };
    expectTypeOf(untimed).toMatchTypeOf<ExchangeCommand>();
    // @ts-expect-error misspelled side on the exchange path too
    const misspelled: ExchangeCommand = { op: 'new', id: 'c-1', account: 'a', symbol: 'ACME', side: 'bid', type: 'limit', price: 10, qty: 1 };
    expect(misspelled).toBeDefined();
    expectTypeOf<SubmitResult['seq']>().toEqualTypeOf<number | null>();
    expectTypeOf<SubmitResult['time']>().toEqualTypeOf<number | null>();
    expectTypeOf<ExchangeEvent['seq']>().toEqualTypeOf<number>();
    expectTypeOf<ExchangeEvent['time']>().toEqualTypeOf<number>();
  });

  it('at run time, untyped input (e.g. from JSON) is still validated and rejected with a reason code', () => {
    const engine = new Engine({ instruments: [ACME] });
    const fromWire = JSON.parse('{"op":"new","id":1,"account":"a","symbol":"ACME","side":"buyy","type":"limit","price":10,"qty":1,"time":1}') as Command;
    const events: EngineEvent[] = engine.apply(fromWire);
    expect(events).toEqual([{ type: 'rejected', op: 'new', id: 1, reason: 'INVALID_SIDE' }]);
  });
});
