// Why this file exists: A malformed command is refused at once with its reason code and seq null, and is never
// logged: lastSeq, stats().commands and the books do not move.

import { afterEach, describe, expect, it } from 'vitest';
import type { ExchangeCommand } from '../../index.js';
import { ACME, Scope, wire } from './fixtures/common.js';

const ok: ExchangeCommand = { op: 'new', id: 'ok', account: 'alice', symbol: 'ACME', side: 'buy', type: 'limit', price: 100, qty: 5 };

const MALFORMED: Array<[string, unknown, { op: string | null; id: unknown; reason: string; detail?: object }]> = [
  ['null', null, { op: null, id: null, reason: 'MALFORMED_COMMAND' }],
  ['an array', [ok], { op: null, id: null, reason: 'MALFORMED_COMMAND' }],
  ['a string', 'new', { op: null, id: null, reason: 'MALFORMED_COMMAND' }],
  ['an unknown op', { ...ok, op: 'replace' }, { op: null, id: null, reason: 'UNKNOWN_OP' }],
  ['an empty id', { ...ok, id: '' }, { op: 'new', id: null, reason: 'INVALID_ID' }],
  ['a fractional id', { ...ok, id: 1.5 }, { op: 'new', id: null, reason: 'INVALID_ID' }],
  ['no account', { ...ok, account: undefined }, { op: 'new', id: 'ok', reason: 'INVALID_ACCOUNT' }],
  ['an unknown symbol', { ...ok, symbol: 'NOPE' }, { op: 'new', id: 'ok', reason: 'UNKNOWN_SYMBOL' }],
  ['a bad side', { ...ok, side: 'long' }, { op: 'new', id: 'ok', reason: 'INVALID_SIDE' }],
  ['a bad type', { ...ok, type: 'stop' }, { op: 'new', id: 'ok', reason: 'INVALID_ORDER_TYPE' }],
  ['GTC on a market order', { ...ok, type: 'market', price: undefined, tif: 'GTC' }, { op: 'new', id: 'ok', reason: 'INVALID_TIF' }],
  ['postOnly with IOC', { ...ok, tif: 'IOC', postOnly: true }, { op: 'new', id: 'ok', reason: 'INVALID_POST_ONLY' }],
  ['a bad stp', { ...ok, stp: 'cancel_all' }, { op: 'new', id: 'ok', reason: 'INVALID_STP' }],
  ['a price off the band', { ...ok, price: 0 }, { op: 'new', id: 'ok', reason: 'PRICE_OUT_OF_RANGE', detail: { symbol: 'ACME', minPrice: 1, maxPrice: 1_000_000 } }],
  ['a string price', { ...ok, price: '100' }, { op: 'new', id: 'ok', reason: 'INVALID_PRICE' }],
  ['a market order with a price', { ...ok, type: 'market' }, { op: 'new', id: 'ok', reason: 'INVALID_PRICE' }],
  ['a zero qty', { ...ok, qty: 0 }, { op: 'new', id: 'ok', reason: 'INVALID_QTY' }],
  ['a modify with nothing to change', { op: 'modify', id: 'ok', account: 'alice' }, { op: 'modify', id: 'ok', reason: 'INVALID_QTY' }],
  ['a modify with a fractional price', { op: 'modify', id: 'ok', account: 'alice', price: 1.5 }, { op: 'modify', id: 'ok', reason: 'INVALID_PRICE' }],
  ['a stop order without stopPrice', { ...ok, type: 'stop_limit' }, { op: 'new', id: 'ok', reason: 'INVALID_STOP_PRICE' }],
  ['an iceberg on an IOC order', { ...ok, tif: 'IOC', displayQty: 1 }, { op: 'new', id: 'ok', reason: 'INVALID_DISPLAY_QTY' }],
  ['a GTT order without expireTime', { ...ok, tif: 'GTT' }, { op: 'new', id: 'ok', reason: 'INVALID_EXPIRE_TIME' }],
  ['a modify with qty 0', { op: 'modify', id: 'ok', account: 'alice', price: 1, qty: 0 }, { op: 'modify', id: 'ok', reason: 'INVALID_QTY' }],
  ['a cancel with a long account', { op: 'cancel', id: 'ok', account: 'x'.repeat(65) }, { op: 'cancel', id: 'ok', reason: 'INVALID_ACCOUNT' }],
];

describe('malformed commands', () => {
  const scope = new Scope();
  afterEach(() => scope.dispose());

  it('are refused at once with seq null and the reason, and are not logged', async () => {
    const ex = await scope.open({ dir: scope.dir(), instruments: [ACME] });
    const first = await ex.submit(ok);
    expect(first.seq).toBe(1);
    const hash = ex.stateHash();
    for (const [what, command, rejected] of MALFORMED) {
      const result = await ex.submit(wire(command));
      expect(result, what).toEqual({ seq: null, time: null, events: [{ type: 'rejected', ...rejected }] });
      expect(ex.lastSeq, what).toBe(1);
    }
    expect(ex.stats().commands).toBe(1);
    expect(ex.stats().appendedSeq).toBe(1);
    expect(ex.stats().rejectedBeforeLog).toBe(MALFORMED.length);
    expect(ex.stateHash()).toBe(hash);
    // The next well-formed command takes the very next seq: nothing was skipped.
    expect((await ex.submit({ op: 'cancel', id: 'ok', account: 'alice' })).seq).toBe(2);
  });

  it('are not in the log after a reopen either', async () => {
    const dir = scope.dir();
    const ex = await scope.open({ dir, instruments: [ACME] });
    const results = await Promise.all([ex.submit(ok), ...MALFORMED.map(([, c]) => ex.submit(wire(c))), ex.submit({ ...ok, id: 'ok2' })]);
    expect(results.filter((r) => r.seq !== null).map((r) => r.seq)).toEqual([1, 2]);
    const hash = ex.stateHash();
    await ex.close();
    const again = await scope.open({ dir });
    expect(again.stats().commands).toBe(2);
    expect(again.stateHash()).toBe(hash);
  });
});
