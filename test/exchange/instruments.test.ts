// Why this file exists: issue 12's "instruments that grow and can be halted" on the durable
// exchange. addInstrument, halt and resume are logged commands: their outcomes are sequenced,
// queries see them, they survive close and reopen, and every recovery path (live, checkpoint plus
// replay, an older checkpoint plus a longer replay; workers 1 and 2) reaches the same state hash
// as a plain engine fed the same story. The SIGKILL / replay-from-zero path is in
// instruments-crash.test.ts.

import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Engine, Exchange, ExchangeOptionsError, RejectCode, type ExchangeEvent } from '../../index.js';
import { ACME, MULTI, Scope, wire } from './fixtures/common.js';
import { feedOf, take } from './fixtures/feed.js';
import { NEWX, NEWY, replayOn, runOn, STEPS } from './fixtures/instruments-scenario.js';

const R = RejectCode;

/** The plain engine's state after the story (the hash every path must reach). */
function reference(): Engine {
  const engine = new Engine({ instruments: MULTI });
  replayOn(engine);
  return engine;
}

describe('addInstrument, halt, resume (Exchange)', () => {
  const scope = new Scope();
  afterEach(() => scope.dispose());

  it('are logged commands with events; queries and stats see the new instrument and the halts', async () => {
    const ex = await scope.open({ dir: scope.dir(), instruments: MULTI });
    const results = await runOn(ex);
    const expected = replayOn(new Engine({ instruments: MULTI }));
    expect(results.map((r) => r.events)).toEqual(expected);
    // Every outcome is sequenced, in submission order, rejects on halted instruments included.
    expect(results.map((r) => r.seq)).toEqual(STEPS.map((_, i) => i + 1));
    expect(results[0].events).toEqual([
      { type: 'instrument_added', symbol: 'NEWX', index: 4, spec: { ...NEWX, maxQty: 1_000_000_000 } },
    ]);
    expect(results[4].events).toEqual([{ type: 'halted', symbol: 'NEWX' }]);
    expect(results[5].events).toEqual([{ type: 'rejected', op: 'new', id: 'x3', reason: R.INSTRUMENT_HALTED }]);
    expect(results[6].events).toEqual([{ type: 'rejected', op: 'modify', id: 'x1', reason: R.INSTRUMENT_HALTED }]);
    expect(results[7].events[0]).toMatchObject({ type: 'cancelled', id: 'x2', reason: 'USER' });
    expect(results[11].events).toEqual([{ type: 'resumed', symbol: 'NEWX' }]);
    expect(results[12].events.map((e) => e.type)).toEqual(['accepted', 'trade']);
    expect(results[13].events).toEqual([{ type: 'rejected', op: 'new', id: 'a2', reason: R.INSTRUMENT_HALTED }]);
    expect(results[14].events[0]).toMatchObject({ type: 'cancelled', id: 'a1' });

    expect(ex.depth('NEWX')).toEqual({ bids: [[100, 10]], asks: [] });
    expect(ex.top('NEWY')).toEqual({ bid: 10, bidQty: 5, ask: null, askQty: 0 });
    expect(ex.l3('NEWX').bids[0].orders).toEqual([{ id: 'x1', qty: 10 }]);
    expect(ex.order('y1')?.symbol).toBe('NEWY');
    expect(ex.stats().instruments).toEqual({ count: 6, instrumentsMax: 4096, halted: ['ACME', 'NEWY'] });
    expect(ex.instruments().map((i) => [i.symbol, i.halted])).toEqual([
      ['ACME', true],
      ['BETA', false],
      ['GAMA', false],
      ['DELT', false],
      ['NEWX', false],
      ['NEWY', true],
    ]);
    expect(ex.stateHash()).toBe(reference().stateHash());
  });

  it('the events() feed carries instrument_added, halted and resumed with their seq', async () => {
    const ex = await scope.open({ dir: scope.dir(), instruments: [ACME] });
    const feed = ex.events();
    await ex.addInstrument(NEWX);
    await ex.halt('NEWX');
    await ex.resume('NEWX');
    const seen: ExchangeEvent[] = [];
    for (let i = 0; i < 3; i++) seen.push((await feed.next()).value as ExchangeEvent);
    expect(seen.map((e) => [e.type, e.seq])).toEqual([
      ['instrument_added', 1],
      ['halted', 2],
      ['resumed', 3],
    ]);
  });

  it('events({ fromSeq: 1 }) regenerates the admin events exactly as they were delivered live (from seq 0 config, also after reopen)', async () => {
    const dir = scope.dir();
    const ex = await scope.open({ dir, instruments: MULTI, workers: 2, feedRetentionCommands: 1_000 });
    const results = await runOn(ex);
    const live = feedOf(results);
    expect(live.some((e) => e.type === 'instrument_added')).toBe(true);
    expect(await take(ex.events({ fromSeq: 1 }), live.length)).toEqual(live);
    await ex.close();
    const again = await scope.open({ dir, feedRetentionCommands: 1_000 });
    expect(await take(again.events({ fromSeq: 1 }), live.length)).toEqual(live);
  });

  it.each([1, 2])('every recovery path reaches the same state hash (workers %i)', async (workers) => {
    const dir = scope.dir();
    // A checkpoint every 3 commands: recovery can start from several points of the story. A mark
    // after every command: the backup replica checks its digest (admin events included) each time.
    const options = { dir, workers, checkpointEveryCommands: 3, checkpointsKept: 3, markEveryCommands: 1 };
    const ex = await scope.open({ ...options, instruments: MULTI });
    await runOn(ex);
    const hash = reference().stateHash();
    expect(ex.stateHash()).toBe(hash);
    await ex.close();

    // Reopen from the close checkpoint (which holds the added instruments and halts).
    const again = await scope.open(options);
    expect(again.stateHash()).toBe(hash);
    expect(again.instruments().map((i) => i.symbol)).toEqual(['ACME', 'BETA', 'GAMA', 'DELT', 'NEWX', 'NEWY']);
    expect(again.stats().instruments.halted).toEqual(['ACME', 'NEWY']);
    // The recovered workers know the new instruments and the halts.
    const halted = await again.submit({ op: 'new', id: 'y2', account: 'a', symbol: 'NEWY', side: 'buy', type: 'limit', price: 10, qty: 1 });
    expect(halted.events).toEqual([{ type: 'rejected', op: 'new', id: 'y2', reason: R.INSTRUMENT_HALTED }]);
    const traded = await again.submit({ op: 'new', id: 'x5', account: 'b', symbol: 'NEWX', side: 'sell', type: 'limit', price: 100, qty: 10 });
    expect(traded.events.map((e) => e.type)).toEqual(['accepted', 'trade']);
    const after = again.stateHash();
    await again.close();

    // Drop every checkpoint but the oldest kept: recovery restores it and replays the log after it.
    const checkpoints = join(dir, 'checkpoints');
    const files = readdirSync(checkpoints).filter((name) => !name.startsWith('.') && name !== 'ahead-of-log').sort();
    expect(files.length).toBeGreaterThan(1);
    for (const name of files.slice(1)) rmSync(join(checkpoints, name));
    const older = await scope.open(options);
    expect(older.stats().recovery.replayedCommands).toBeGreaterThan(0);
    expect(older.stateHash()).toBe(after);
    expect(older.stats().recovery.marksVerified).toBeGreaterThan(0);
    expect(older.stats().checkpoints.divergence).toBeNull();
    await older.close();
  });

  it('with workers 2, an order on an instrument added moments before is remembered dead on its worker (TOO_LATE_TO_CANCEL)', async () => {
    const ex = await scope.open({ dir: scope.dir(), instruments: MULTI, workers: 2 });
    // NEWX takes index 4 (worker 0), NEWY index 5 (worker 1); nothing awaited in between.
    const all = await Promise.all([
      ex.addInstrument(NEWX),
      ex.addInstrument(NEWY),
      ex.submit({ op: 'new', id: 'y-maker', account: 'a', symbol: 'NEWY', side: 'buy', type: 'limit', price: 10, qty: 5 }),
      ex.submit({ op: 'new', id: 'y-taker', account: 'b', symbol: 'NEWY', side: 'sell', type: 'limit', price: 10, qty: 5 }),
    ]);
    expect(all[3].events.map((e) => e.type)).toEqual(['accepted', 'trade']);
    // The router sends the cancel of the dead maker to NEWY's worker, whose engine remembers it.
    expect((await ex.submit({ op: 'cancel', id: 'y-maker', account: 'a' })).events).toEqual([
      { type: 'rejected', op: 'cancel', id: 'y-maker', reason: R.TOO_LATE_TO_CANCEL },
    ]);
  });

  it('an order right behind an add is admitted and matched on the new instrument (no await in between)', async () => {
    const ex = await scope.open({ dir: scope.dir(), instruments: MULTI, workers: 2 });
    const [added, order] = await Promise.all([
      ex.addInstrument(NEWY),
      ex.submit({ op: 'new', id: 'now', account: 'a', symbol: 'NEWY', side: 'buy', type: 'limit', price: 5, qty: 5 }),
    ]);
    expect(added.events[0]).toMatchObject({ type: 'instrument_added', index: 4 });
    expect(order.events[0]).toMatchObject({ type: 'accepted', symbol: 'NEWY' });
  });
});

describe('reopening after an instrument was added at run time', () => {
  const scope = new Scope();
  afterEach(() => scope.dispose());

  it("the venue's list is matchlog.json plus the added ones: the given list must be that, and the error says which differs", async () => {
    const dir = scope.dir();
    const ex = await scope.open({ dir, instruments: MULTI });
    await ex.addInstrument(NEWX);
    await ex.close();
    const refused = async (instruments: typeof MULTI): Promise<string> => {
      const error = await Exchange.open({ dir, instruments }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ExchangeOptionsError);
      return (error as Error).message;
    };
    expect(await refused(MULTI)).toContain('plus instruments added at run time: venue instrument NEWX missing from the given list.');
    expect(await refused([...MULTI, { ...NEWX, tickSize: 1 }])).toContain(': NEWX changed tickSize 5 → 1.');
    expect(await refused([...MULTI, NEWX, NEWY])).toContain(': instrument NEWY not listed on the venue (added: list it with addInstrument).');
    const same = await scope.open({ dir, instruments: [...MULTI, NEWX] });
    expect(same.instruments().map((i) => i.symbol)).toEqual(['ACME', 'BETA', 'GAMA', 'DELT', 'NEWX']);
    await same.close();
    const none = await scope.open({ dir });
    expect(none.instruments().length).toBe(5);
  });

  it("'memory' with a directory: the checkpoint carries the added instrument and the halt", async () => {
    const dir = scope.dir();
    const ex = await scope.open({ dir, durability: 'memory', instruments: [ACME] });
    await ex.addInstrument(NEWX);
    await ex.halt('NEWX');
    const hash = ex.stateHash();
    await ex.close();
    const again = await scope.open({ dir, durability: 'memory' });
    expect(again.stateHash()).toBe(hash);
    expect(again.stats().instruments.halted).toEqual(['NEWX']);
  });
});

describe('refused before the log (seq null), or sequenced', () => {
  const scope = new Scope();
  afterEach(() => scope.dispose());

  it('INSTRUMENT_EXISTS: adding a symbol already listed (configured or added)', async () => {
    const ex = await scope.open({ dir: scope.dir(), instruments: MULTI });
    expect(await ex.addInstrument({ ...NEWX, symbol: 'BETA' })).toEqual({
      seq: null,
      time: null,
      events: [{ type: 'rejected', op: 'add_instrument', id: null, reason: R.INSTRUMENT_EXISTS }],
    });
    const pending = ex.addInstrument(NEWX);
    // Refused from admission's list, before the first add is even acknowledged.
    expect((await ex.addInstrument(NEWX)).events[0]).toMatchObject({ reason: R.INSTRUMENT_EXISTS });
    expect((await pending).seq).toBe(1);
  });

  it('INVALID_INSTRUMENT: the detail says which rule', async () => {
    const ex = await scope.open({ dir: scope.dir(), instruments: MULTI });
    const result = await ex.addInstrument({ ...NEWX, minPrice: 7 });
    expect(result.seq).toBeNull();
    expect(result.events).toEqual([
      {
        type: 'rejected',
        op: 'add_instrument',
        id: null,
        reason: R.INVALID_INSTRUMENT,
        detail: { symbol: 'NEWX', problem: 'spec (NEWX).minPrice and maxPrice must be multiples of tickSize (got 7 and 100000, tick 5)' },
      },
    ]);
    expect(ex.stats().instruments.count).toBe(4);
  });

  it('INSTRUMENT_CAPACITY: past instrumentsMax', async () => {
    const ex = await scope.open({ dir: scope.dir(), instruments: MULTI, instrumentsMax: 5 });
    expect((await ex.addInstrument(NEWX)).seq).toBe(1);
    expect(await ex.addInstrument(NEWY)).toEqual({
      seq: null,
      time: null,
      events: [{ type: 'rejected', op: 'add_instrument', id: null, reason: R.INSTRUMENT_CAPACITY }],
    });
  });

  it('UNKNOWN_SYMBOL (refused) for halt and resume; ALREADY_HALTED and NOT_HALTED are sequenced', async () => {
    const ex = await scope.open({ dir: scope.dir(), instruments: MULTI });
    expect(await ex.halt('NOPE')).toEqual({ seq: null, time: null, events: [{ type: 'rejected', op: 'halt', id: null, reason: R.UNKNOWN_SYMBOL }] });
    expect((await ex.resume('NOPE')).events[0]).toMatchObject({ op: 'resume', reason: R.UNKNOWN_SYMBOL });
    expect((await ex.resume('ACME')).events).toEqual([{ type: 'rejected', op: 'resume', id: null, reason: R.NOT_HALTED }]);
    await ex.halt('ACME');
    const twice = await ex.halt('ACME');
    expect(twice.seq).toBe(3);
    expect(twice.events).toEqual([{ type: 'rejected', op: 'halt', id: null, reason: R.ALREADY_HALTED }]);
  });

  it('submit() does not take admin commands (UNKNOWN_OP): a trader connection cannot halt the venue', async () => {
    const ex = await scope.open({ dir: scope.dir(), instruments: MULTI });
    for (const command of [{ op: 'halt', symbol: 'ACME' }, { op: 'resume', symbol: 'ACME' }, { op: 'add_instrument', spec: NEWX }]) {
      expect(await ex.submit(wire(command))).toEqual({ seq: null, time: null, events: [{ type: 'rejected', op: null, id: null, reason: R.UNKNOWN_OP }] });
    }
    expect(ex.stats().instruments).toEqual({ count: 4, instrumentsMax: 4096, halted: [] });
  });

  it('cancels are accepted on a halted instrument; resting orders stay', async () => {
    const ex = await scope.open({ dir: scope.dir(), instruments: [ACME] });
    await ex.submit({ op: 'new', id: 1, account: 'a', symbol: 'ACME', side: 'buy', type: 'limit', price: 10, qty: 5 });
    await ex.submit({ op: 'new', id: 2, account: 'a', symbol: 'ACME', side: 'buy', type: 'limit', price: 9, qty: 5 });
    await ex.halt('ACME');
    expect(ex.depth('ACME').bids).toEqual([[10, 5], [9, 5]]);
    expect((await ex.submit({ op: 'cancel', id: 1, account: 'a' })).events[0]).toMatchObject({ type: 'cancelled', id: 1 });
    expect(ex.depth('ACME').bids).toEqual([[9, 5]]);
  });

  // idsRememberedPerInstrumentMax 0: only the router's live routes know 'L' is live on worker 1.
  it.each([
    [1, undefined],
    [2, undefined],
    [2, 0],
  ])(
    'a new refused by a halt uses up no id and leaves a live order of that id alone (workers %i, ids remembered %s): same hash as one engine',
    async (workers, remembered) => {
      const dir = scope.dir();
      const ids = remembered === undefined ? {} : { idsRememberedPerInstrumentMax: remembered };
      const ex = await scope.open({ dir, instruments: MULTI, workers, ...ids });
      const live = { op: 'new', id: 'L', account: 'a', symbol: 'BETA', side: 'buy', type: 'limit', price: 50, qty: 10 } as const;
      const onAcme = { op: 'new', id: 'L', account: 'a', symbol: 'ACME', side: 'buy', type: 'limit', price: 5, qty: 1 } as const;
      const fresh = { op: 'new', id: 'F', account: 'a', symbol: 'ACME', side: 'buy', type: 'limit', price: 5, qty: 1 } as const;
      expect((await ex.submit(live)).events[0].type).toBe('accepted');
      await ex.halt('ACME');
      // 'L' is live on BETA (worker 1 when workers is 2): the halt answers first, as in one engine.
      expect((await ex.submit(onAcme)).events).toEqual([{ type: 'rejected', op: 'new', id: 'L', reason: R.INSTRUMENT_HALTED }]);
      expect((await ex.submit(fresh)).events).toEqual([{ type: 'rejected', op: 'new', id: 'F', reason: R.INSTRUMENT_HALTED }]);
      await ex.resume('ACME');
      // 'L' is still known live (the halted reject did not make it look dead) ...
      expect((await ex.submit(onAcme)).events[0]).toMatchObject({ type: 'rejected', reason: R.DUPLICATE_ORDER_ID });
      expect((await ex.submit({ op: 'cancel', id: 'L', account: 'a' })).events[0]).toMatchObject({ type: 'cancelled', id: 'L' });
      // ... and 'F' was not used up: its retry is accepted, not DUPLICATE_ID.
      expect((await ex.submit(fresh)).events[0].type).toBe('accepted');
      const engine = new Engine({ instruments: MULTI, ...ids });
      const t = { time: 1 };
      for (const command of [live, { op: 'halt', symbol: 'ACME' }, onAcme, fresh, { op: 'resume', symbol: 'ACME' }, onAcme, { op: 'cancel', id: 'L', account: 'a' }, fresh]) {
        engine.apply({ ...command, ...t } as never);
      }
      expect(ex.stateHash()).toBe(engine.stateHash());
      await ex.close();
      const again = await scope.open({ dir, instruments: MULTI, workers, ...ids });
      expect(again.stateHash()).toBe(engine.stateHash());
    },
  );
});
