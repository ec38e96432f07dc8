// Why this file exists: the property tests need long, nasty command streams — every op, order
// type, tif, post-only, every STP mode, few accounts (so self-trades happen), a narrow price band
// (so books cross all the time), ids that are live, dead, never seen or type-confused ('7' vs 7),
// and malformed input of every kind. fast-check generates *plans* (pure data, shrinkable); a plan
// is resolved into a concrete command against the oracle's current state (e.g. "cancel the 3rd
// live order"), which is deterministic, so a shrunk plan list still yields a small, exact repro.

import { inspect } from 'node:util';
import fc from 'fast-check';
import type { EngineOptions, InstrumentSpec, OrderId, Side, StpMode, TimeInForce } from '../../engine/types.js';
import { NaiveBookEngine } from '../oracle/naive-book.js';

/** Three instruments with different tick/lot sizes and narrow bands (off-band prices are near). */
export const MODEL_INSTRUMENTS: Array<Required<InstrumentSpec>> = [
  { symbol: 'ACME', tickSize: 1, lotSize: 1, minPrice: 90, maxPrice: 110, maxQty: 1_000_000_000 },
  { symbol: 'BETA', tickSize: 5, lotSize: 10, minPrice: 500, maxPrice: 600, maxQty: 500 },
  { symbol: 'GAMMA', tickSize: 25, lotSize: 100, minPrice: 1000, maxPrice: 1500, maxQty: 100_000 },
];
const CENTER = [100, 550, 1250];

/**
 * Few accounts, so self-trades are frequent. Two of them are traps for implementations that key
 * plain objects by account ('__proto__') or mishandle non-ASCII strings in the hash.
 */
export const ACCOUNTS = ['alice', 'bob', '__proto__', 'çarol 😀'];
/** Ids that break lookups through a plain object's prototype chain. */
const PROTO_IDS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];

// -------------------------------------------------------------------------------------------------
// Plans

type IdRef =
  /** num: 7; str: 'o7'; digits: '7'; neg: -7; long: 64 units ending in 7; proto: '__proto__' … */
  | { kind: 'fresh'; style: 'num' | 'str' | 'digits' | 'neg' | 'long' | 'proto' }
  | { kind: 'live'; pick: number }
  | { kind: 'used'; pick: number }
  | { kind: 'ghost' }
  /** A live id with its type flipped: numeric 7 → '7', digit string '7' → 7. */
  | { kind: 'confusable'; pick: number };

interface NewPlan {
  op: 'new';
  id: IdRef;
  account: number;
  instrument: number;
  side: Side;
  type: 'limit' | 'market' | 'stop_limit' | 'stop_market' | 'oco';
  /** Stops: stop price in ticks from the centre. OCO: ticks from the last trade price (or the centre). */
  stopTicks?: number;
  /** OCO: the stop leg's limit price, in ticks from its stop price. */
  stopLimitTicks?: number;
  /** OCO: place the legs around the last trade price (mostly valid) rather than around the centre. */
  aroundLast?: boolean;
  /** Icebergs: display size in lots (may exceed qty: a bad-input case). */
  displayLots?: number;
  /** GTT: expireTime = the command's time + this (≤ 0: already expired). */
  expireIn?: number;
  /** undefined = absent (default). */
  tif: TimeInForce | undefined;
  postOnly: boolean | undefined;
  stp: StpMode | undefined;
  priceTicks: number;
  lots: number | 'max';
}

interface CancelPlan {
  op: 'cancel';
  id: IdRef;
  /** undefined = the order's owner; otherwise this account (which may still be the owner). */
  account: number | undefined;
}

interface ModifyPlan {
  op: 'modify';
  id: IdRef;
  account: number | undefined;
  /** 'keep' = the order's current price (exercises the priority-kept path); 'absent' = size-only amend. */
  priceTicks: number | 'keep' | 'absent';
  /** Relative to the current open qty, or an absolute number of lots; 'absent' = price-only amend. */
  qty: 'keep' | 'less' | 'more' | 'max' | 'absent' | number;
  /** Stops: a new stop price in ticks from the centre (undefined = absent). */
  stopTicks?: number;
}

type ValidPlan = NewPlan | CancelPlan | ModifyPlan;

/** A mutation applied to the resolved command: set a field to a bad value, or delete it. */
type Corruption =
  | { kind: 'set'; field: string; value: unknown }
  | { kind: 'delete'; field: string }
  | { kind: 'offTick' }
  | { kind: 'outOfRange'; high: boolean }
  | { kind: 'offLot' }
  | { kind: 'tooMuch' };

/**
 * An operator command: halt or resume a model instrument, or add one (the last model instrument,
 * which `growingOptionsArb` leaves out of the configuration; orders on it are UNKNOWN_SYMBOL
 * until it is added, and a second add is INSTRUMENT_EXISTS).
 */
export interface AdminPlan {
  kind: 'admin';
  op: 'halt' | 'resume' | 'add';
  instrument: number;
}

export type Plan =
  | { kind: 'valid'; plan: ValidPlan }
  | { kind: 'corrupt'; plan: ValidPlan; corruption: Corruption }
  | { kind: 'garbage'; value: unknown }
  | AdminPlan;

const sideArb = fc.constantFrom<Side>('buy', 'sell');
const stpArb = fc.oneof(
  { arbitrary: fc.constant(undefined), weight: 3 },
  { arbitrary: fc.constantFrom<StpMode>('none', 'cancel_taker', 'cancel_maker', 'cancel_both'), weight: 4 },
);
const accountArb = fc.integer({ min: 0, max: ACCOUNTS.length - 1 });
const pickArb = fc.nat(1000);

const idRefArb: fc.Arbitrary<IdRef> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('live' as const), pick: pickArb }), weight: 10 },
  { arbitrary: fc.record({ kind: fc.constant('used' as const), pick: pickArb }), weight: 3 },
  { arbitrary: fc.constant({ kind: 'ghost' as const }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('confusable' as const), pick: pickArb }), weight: 1 },
);

const freshIdArb: fc.Arbitrary<IdRef> = fc.oneof(
  { arbitrary: fc.constantFrom<IdRef>({ kind: 'fresh', style: 'num' }, { kind: 'fresh', style: 'str' }), weight: 12 },
  {
    arbitrary: fc.constantFrom<IdRef>(
      { kind: 'fresh', style: 'digits' },
      { kind: 'fresh', style: 'neg' },
      { kind: 'fresh', style: 'long' },
      { kind: 'fresh', style: 'proto' },
    ),
    weight: 3,
  },
  { arbitrary: fc.record({ kind: fc.constant('used' as const), pick: pickArb }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('live' as const), pick: pickArb }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('confusable' as const), pick: pickArb }), weight: 1 },
);

const instrumentArb = fc.integer({ min: 0, max: MODEL_INSTRUMENTS.length - 1 });
/** Mostly near the centre (books cross), sometimes far (clamped to the band edges: min/maxPrice). */
const priceTicksArb = fc.oneof(
  { arbitrary: fc.integer({ min: -6, max: 6 }), weight: 12 },
  { arbitrary: fc.integer({ min: -12, max: 12 }), weight: 3 },
  { arbitrary: fc.constantFrom(-1000, 1000), weight: 1 },
);
const lotsArb = fc.oneof({ arbitrary: fc.integer({ min: 1, max: 8 }), weight: 5 }, { arbitrary: fc.integer({ min: 9, max: 40 }), weight: 1 });
/** Sometimes exactly the instrument's maxQty (ACME: 1e9, so level totals get large). */
const newLotsArb: fc.Arbitrary<number | 'max'> = fc.oneof({ arbitrary: lotsArb, weight: 30 }, { arbitrary: fc.constant('max' as const), weight: 1 });

const limitGtcArb: fc.Arbitrary<NewPlan> = fc.record({
  op: fc.constant('new' as const),
  id: freshIdArb,
  account: accountArb,
  instrument: instrumentArb,
  side: sideArb,
  type: fc.constant('limit' as const),
  tif: fc.constantFrom<TimeInForce | undefined>(undefined, 'GTC'),
  postOnly: fc.oneof({ arbitrary: fc.constant(undefined), weight: 4 }, { arbitrary: fc.boolean(), weight: 2 }),
  stp: stpArb,
  priceTicks: priceTicksArb,
  lots: newLotsArb,
});

const takerArb: fc.Arbitrary<NewPlan> = fc.record({
  op: fc.constant('new' as const),
  id: freshIdArb,
  account: accountArb,
  instrument: instrumentArb,
  side: sideArb,
  type: fc.constantFrom<'limit' | 'market'>('limit', 'market'),
  tif: fc.constantFrom<TimeInForce | undefined>(undefined, 'IOC', 'FOK'),
  postOnly: fc.constantFrom<boolean | undefined>(undefined, false),
  stp: stpArb,
  priceTicks: priceTicksArb,
  lots: newLotsArb,
});

const stopTicksArb = fc.integer({ min: -5, max: 5 });
const expireInArb = fc.oneof({ arbitrary: fc.integer({ min: 1, max: 40 }), weight: 8 }, { arbitrary: fc.integer({ min: -2, max: 0 }), weight: 1 });

const stopArb: fc.Arbitrary<NewPlan> = fc
  .record({
    op: fc.constant('new' as const),
    id: freshIdArb,
    account: accountArb,
    instrument: instrumentArb,
    side: sideArb,
    type: fc.constantFrom<'stop_limit' | 'stop_market'>('stop_limit', 'stop_market'),
    tif: fc.constantFrom<TimeInForce | undefined>(undefined, undefined, 'IOC', 'FOK', 'GTT'),
    postOnly: fc.constant(undefined),
    stp: stpArb,
    priceTicks: priceTicksArb,
    lots: newLotsArb,
    stopTicks: stopTicksArb,
    expireIn: expireInArb,
  })
  .map((plan) => {
    // GTT only on stop-limits (a stop-market GTT is a bad-input case kept at a low rate).
    const { expireIn, ...rest } = plan;
    return plan.tif === 'GTT' && (plan.type === 'stop_limit' || plan.lots === 1) ? { ...rest, expireIn } : { ...rest, tif: plan.tif === 'GTT' ? undefined : plan.tif };
  });

/**
 * OCO: mostly legs on both sides of the last trade price (limit leg 1-4 ticks on the passive side,
 * stop leg 1-4 ticks on the other, sometimes 0: OCO_PRICES_INVALID), sometimes around the centre.
 */
const ocoArb: fc.Arbitrary<NewPlan> = fc.record({
  op: fc.constant('new' as const),
  id: freshIdArb,
  account: accountArb,
  instrument: instrumentArb,
  side: sideArb,
  type: fc.constant('oco' as const),
  tif: fc.constantFrom<TimeInForce | undefined>(undefined, undefined, undefined, 'GTC', 'IOC'),
  postOnly: fc.constant(undefined),
  stp: stpArb,
  priceTicks: fc.integer({ min: 0, max: 4 }),
  lots: newLotsArb,
  stopTicks: fc.integer({ min: 0, max: 4 }),
  stopLimitTicks: fc.integer({ min: -2, max: 2 }),
  aroundLast: fc.oneof({ arbitrary: fc.constant(true), weight: 6 }, { arbitrary: fc.constant(false), weight: 1 }),
});

const icebergArb: fc.Arbitrary<NewPlan> = fc.record({
  op: fc.constant('new' as const),
  id: freshIdArb,
  account: accountArb,
  instrument: instrumentArb,
  side: sideArb,
  type: fc.constant('limit' as const),
  tif: fc.constant(undefined),
  postOnly: fc.oneof({ arbitrary: fc.constant(undefined), weight: 4 }, { arbitrary: fc.boolean(), weight: 1 }),
  stp: stpArb,
  priceTicks: priceTicksArb,
  lots: fc.integer({ min: 2, max: 20 }),
  displayLots: fc.oneof({ arbitrary: fc.integer({ min: 1, max: 4 }), weight: 8 }, { arbitrary: fc.constant(30), weight: 1 }),
});

const gttArb: fc.Arbitrary<NewPlan> = fc.record({
  op: fc.constant('new' as const),
  id: freshIdArb,
  account: accountArb,
  instrument: instrumentArb,
  side: sideArb,
  type: fc.constant('limit' as const),
  tif: fc.constant<TimeInForce>('GTT'),
  postOnly: fc.constantFrom<boolean | undefined>(undefined, undefined, true),
  stp: stpArb,
  priceTicks: priceTicksArb,
  lots: newLotsArb,
  expireIn: expireInArb,
  displayLots: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined, freq: 3 }),
});

const cancelArb: fc.Arbitrary<CancelPlan> = fc.record({
  op: fc.constant('cancel' as const),
  id: idRefArb,
  account: fc.oneof({ arbitrary: fc.constant(undefined), weight: 5 }, { arbitrary: accountArb, weight: 1 }),
});

const modifyArb: fc.Arbitrary<ModifyPlan> = fc.record({
  op: fc.constant('modify' as const),
  id: idRefArb,
  account: fc.oneof({ arbitrary: fc.constant(undefined), weight: 5 }, { arbitrary: accountArb, weight: 1 }),
  priceTicks: fc.oneof(
    { arbitrary: fc.constant('keep' as const), weight: 2 },
    { arbitrary: fc.constant('absent' as const), weight: 1 },
    { arbitrary: priceTicksArb, weight: 3 },
  ),
  qty: fc.oneof(
    { arbitrary: fc.constantFrom<'keep' | 'less' | 'more' | 'max' | 'absent'>('keep', 'less', 'more', 'keep', 'less', 'max', 'absent'), weight: 3 },
    { arbitrary: lotsArb, weight: 2 },
  ),
  stopTicks: fc.option(stopTicksArb, { nil: undefined, freq: 3 }),
});

/** Relative weights of the kinds of valid command; the long streams favour resting orders. */
export interface PlanMix {
  gtc: number;
  taker: number;
  cancel: number;
  modify: number;
  stop: number;
  iceberg: number;
  gtt: number;
  oco: number;
}
export const DEFAULT_MIX: PlanMix = { gtc: 9, taker: 5, cancel: 3, modify: 4, stop: 3, iceberg: 2, gtt: 2, oco: 3 };
/** More resting orders, fewer takers: books grow to dozens of levels and long FIFOs. */
export const DEEP_MIX: PlanMix = { gtc: 14, taker: 2, cancel: 2, modify: 4, stop: 2, iceberg: 2, gtt: 2, oco: 2 };

function validPlanArb(mix: PlanMix): fc.Arbitrary<ValidPlan> {
  return fc.oneof(
    { arbitrary: limitGtcArb, weight: mix.gtc },
    { arbitrary: takerArb, weight: mix.taker },
    { arbitrary: cancelArb, weight: mix.cancel },
    { arbitrary: modifyArb, weight: mix.modify },
    { arbitrary: stopArb, weight: mix.stop },
    { arbitrary: icebergArb, weight: mix.iceberg },
    { arbitrary: gttArb, weight: mix.gtt },
    { arbitrary: ocoArb, weight: mix.oco },
  );
}

/** Values that are wrong for (almost) every field: wrong types, non-integers, unsafe, specials. */
export const BAD_VALUES: unknown[] = [
  Number.NaN,
  Infinity,
  -Infinity,
  1.5,
  -1,
  0,
  2 ** 53,
  '100',
  '',
  'x'.repeat(65),
  null,
  undefined,
  true,
  {},
  [],
  [1],
  5n,
  'buy',
  'GTC',
  'NOPE',
  'acme',
  '__proto__',
  'toString',
];

const FIELDS = [
  'op',
  'id',
  'account',
  'time',
  'symbol',
  'side',
  'type',
  'tif',
  'postOnly',
  'stp',
  'price',
  'qty',
  'stopPrice',
  'stopLimitPrice',
  'displayQty',
  'expireTime',
];

const corruptionArb: fc.Arbitrary<Corruption> = fc.oneof(
  {
    arbitrary: fc.record({ kind: fc.constant('set' as const), field: fc.constantFrom(...FIELDS), value: fc.constantFrom(...BAD_VALUES) }),
    weight: 6,
  },
  { arbitrary: fc.record({ kind: fc.constant('delete' as const), field: fc.constantFrom(...FIELDS) }), weight: 2 },
  { arbitrary: fc.constant({ kind: 'offTick' as const }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('outOfRange' as const), high: fc.boolean() }), weight: 1 },
  { arbitrary: fc.constant({ kind: 'offLot' as const }), weight: 1 },
  { arbitrary: fc.constant({ kind: 'tooMuch' as const }), weight: 1 },
);

const garbageArb: fc.Arbitrary<unknown> = fc.constantFrom<unknown>(null, undefined, 42, 'new', [], [{ op: 'new' }], true, {});

export function planArbWith(mix: PlanMix): fc.Arbitrary<Plan> {
  const valid = validPlanArb(mix);
  return fc.oneof(
    { arbitrary: fc.record({ kind: fc.constant('valid' as const), plan: valid }), weight: 17 },
    { arbitrary: fc.record({ kind: fc.constant('corrupt' as const), plan: valid, corruption: corruptionArb }), weight: 3 },
    { arbitrary: fc.record({ kind: fc.constant('garbage' as const), value: garbageArb }), weight: 1 },
  );
}

export const planArb: fc.Arbitrary<Plan> = planArbWith(DEFAULT_MIX);

const adminPlanArb: fc.Arbitrary<Plan> = fc.record({
  kind: fc.constant('admin' as const),
  op: fc.constantFrom('halt' as const, 'resume' as const, 'add' as const),
  instrument: instrumentArb,
});

/** Order plans with operator commands among them (about one in `1 + 20 / adminWeight`). */
export function streamWithAdminArb(minLength: number, maxLength: number, adminWeight: number, mix: PlanMix = DEFAULT_MIX): fc.Arbitrary<Plan[]> {
  const plan = fc.oneof({ arbitrary: planArbWith(mix), weight: 20 }, { arbitrary: adminPlanArb, weight: adminWeight });
  return fc.array(plan, { minLength, maxLength, size: 'max' });
}

/**
 * A stream of plans. `size: 'max'` matters: fast-check's default size caps arrays at about ten
 * elements whatever maxLength says, which would make "up to 300 commands" a lie.
 */
export function streamArb(minLength: number, maxLength: number, mix: PlanMix = DEFAULT_MIX): fc.Arbitrary<Plan[]> {
  return fc.array(planArbWith(mix), { minLength, maxLength, size: 'max' });
}

/** The model instruments but the last, which an admin plan may add at run time. */
export const growingOptionsArb: fc.Arbitrary<EngineOptions> = fc.constant(null).map(() => ({
  instruments: MODEL_INSTRUMENTS.slice(0, -1).map((spec) => ({ ...spec })),
}));

/** Engine options for one run: sometimes a tiny maxOrders (capacity), sometimes a tiny pool. */
export const optionsArb: fc.Arbitrary<EngineOptions> = fc
  .record({
    maxOrders: fc.oneof({ arbitrary: fc.constant(undefined), weight: 3 }, { arbitrary: fc.integer({ min: 1, max: 12 }), weight: 1 }),
    initialOrders: fc.oneof({ arbitrary: fc.constant(undefined), weight: 2 }, { arbitrary: fc.integer({ min: 1, max: 4 }), weight: 1 }),
    // SEMANTICS.md "Order ids": small caps and windows so ids leave the memory (and go overdue) often.
    idsRemembered: fc.oneof({ arbitrary: fc.constant(undefined), weight: 2 }, { arbitrary: fc.integer({ min: 0, max: 6 }), weight: 1 }),
    idRetentionCommands: fc.oneof({ arbitrary: fc.constant(undefined), weight: 2 }, { arbitrary: fc.integer({ min: 1, max: 30 }), weight: 1 }),
    idRetentionMs: fc.oneof({ arbitrary: fc.constant(undefined), weight: 2 }, { arbitrary: fc.integer({ min: 1, max: 30 }), weight: 1 }),
    rejectWhenFull: fc.boolean(),
  })
  .map(({ maxOrders, initialOrders, idsRemembered, idRetentionCommands, idRetentionMs, rejectWhenFull }) => {
    const options: EngineOptions = { instruments: MODEL_INSTRUMENTS.map((spec) => ({ ...spec })) };
    if (maxOrders !== undefined) options.maxOrders = maxOrders;
    if (initialOrders !== undefined) options.initialOrders = Math.min(initialOrders, maxOrders ?? initialOrders);
    if (idsRemembered !== undefined) options.idsRememberedPerInstrumentMax = idsRemembered;
    if (idRetentionCommands !== undefined) options.idRetentionCommands = idRetentionCommands;
    if (idRetentionMs !== undefined) options.idRetentionMs = idRetentionMs;
    if (rejectWhenFull && (idRetentionCommands !== undefined || idRetentionMs !== undefined)) options.idsRememberedFull = 'reject';
    return options;
  });

// -------------------------------------------------------------------------------------------------
// Resolution against the oracle's state

/** Mutable context of one stream: fresh-id counter, every id ever used, the clock. */
export class StreamContext {
  private next = 1;
  private readonly used: OrderId[] = [];
  private time = 0;

  tick(): number {
    this.time += 1;
    return this.time;
  }

  private resolveId(ref: IdRef, live: OrderId[]): OrderId {
    switch (ref.kind) {
      case 'fresh': {
        const n = this.next++;
        const id: OrderId =
          ref.style === 'num'
            ? n
            : ref.style === 'digits'
              ? String(n)
              : ref.style === 'neg'
                ? -n
                : ref.style === 'long'
                  ? `${'ü'.repeat(60)}${String(n).padStart(4, '0')}`.slice(-64)
                  : ref.style === 'proto'
                    ? PROTO_IDS[n % PROTO_IDS.length]
                    : `o${n}`;
        this.used.push(id);
        return id;
      }
      case 'live':
        if (live.length > 0) return live[ref.pick % live.length];
        return this.used.length > 0 ? this.used[ref.pick % this.used.length] : 'ghost';
      case 'used':
        return this.used.length > 0 ? this.used[ref.pick % this.used.length] : 'ghost';
      case 'ghost':
        return 'ghost';
      case 'confusable': {
        if (live.length === 0) return 0;
        const id = live[ref.pick % live.length];
        return typeof id === 'number' ? String(id) : /^-?\d+$/.test(id) ? Number(id) : `${id}x`;
      }
    }
  }

  /** Turn a plan into a concrete command (valid or deliberately broken) for the current state. */
  resolve(plan: Plan, oracle: NaiveBookEngine): unknown {
    if (plan.kind === 'garbage') return plan.value;
    if (plan.kind === 'admin') {
      const time = this.tick();
      if (plan.op === 'add') return { op: 'add_instrument', spec: { ...MODEL_INSTRUMENTS[MODEL_INSTRUMENTS.length - 1] }, time };
      return { op: plan.op, symbol: MODEL_INSTRUMENTS[plan.instrument].symbol, time };
    }
    const cmd = this.resolveValid(plan.plan, oracle);
    if (plan.kind === 'corrupt') corrupt(cmd, plan.corruption, oracle);
    return cmd;
  }

  private resolveValid(plan: ValidPlan, oracle: NaiveBookEngine): Record<string, unknown> {
    const live = oracle.liveIds();
    const id = this.resolveId(plan.id, live);
    const time = this.tick();
    if (plan.op === 'new') {
      const spec = MODEL_INSTRUMENTS[plan.instrument];
      const cmd: Record<string, unknown> = {
        op: 'new',
        id,
        account: ACCOUNTS[plan.account],
        symbol: spec.symbol,
        side: plan.side,
        type: plan.type,
        qty: plan.lots === 'max' ? spec.maxQty : plan.lots * spec.lotSize,
        time,
      };
      if (plan.type === 'oco') {
        // Limit leg on the passive side of the reference price, stop leg on the other side.
        const last = plan.aroundLast === true ? oracle.lastPrice(spec.symbol) : null;
        const ref = last ?? priceAt(plan.instrument, 0);
        const dir = plan.side === 'buy' ? 1 : -1;
        const at = (ticks: number): number => Math.max(spec.minPrice, Math.min(spec.maxPrice, ref + ticks * spec.tickSize));
        cmd.price = at(-dir * plan.priceTicks);
        cmd.stopPrice = at(dir * (plan.stopTicks ?? 1));
        cmd.stopLimitPrice = Math.max(spec.minPrice, Math.min(spec.maxPrice, (cmd.stopPrice as number) + (plan.stopLimitTicks ?? 0) * spec.tickSize));
      } else {
        if (plan.type === 'limit' || plan.type === 'stop_limit') cmd.price = priceAt(plan.instrument, plan.priceTicks);
        if (plan.stopTicks !== undefined) cmd.stopPrice = priceAt(plan.instrument, plan.stopTicks);
      }
      if (plan.displayLots !== undefined) cmd.displayQty = plan.displayLots * spec.lotSize;
      if (plan.expireIn !== undefined) cmd.expireTime = Math.max(0, time + plan.expireIn);
      if (plan.tif !== undefined) cmd.tif = plan.tif;
      if (plan.postOnly !== undefined) cmd.postOnly = plan.postOnly;
      if (plan.stp !== undefined) cmd.stp = plan.stp;
      return cmd;
    }
    const order = oracle.order(id);
    const account = plan.account === undefined ? (order?.account ?? ACCOUNTS[0]) : ACCOUNTS[plan.account];
    if (plan.op === 'cancel') return { op: 'cancel', id, account, time };
    const index = order === undefined ? 0 : MODEL_INSTRUMENTS.findIndex((s) => s.symbol === order.symbol);
    const spec = MODEL_INSTRUMENTS[index];
    const price =
      plan.priceTicks === 'keep' && order !== undefined
        ? order.price
        : priceAt(index, plan.priceTicks === 'keep' || plan.priceTicks === 'absent' ? 0 : plan.priceTicks);
    const open = order?.qty ?? spec.lotSize;
    let qty: number | undefined;
    if (plan.qty === 'keep') qty = open;
    else if (plan.qty === 'absent') qty = undefined;
    else if (plan.qty === 'less') qty = Math.max(spec.lotSize, open - spec.lotSize);
    else if (plan.qty === 'more') qty = Math.min(spec.maxQty, open + spec.lotSize);
    else if (plan.qty === 'max') qty = spec.maxQty;
    else qty = plan.qty * spec.lotSize;
    const cmd: Record<string, unknown> = { op: 'modify', id, account, time };
    // A stop-market has no price: 'keep' leaves it out (an explicit price is a bad-input case).
    const keepOut = plan.priceTicks === 'absent' || (plan.priceTicks === 'keep' && order?.orderType === 'stop_market');
    if (!keepOut) cmd.price = price;
    if (qty !== undefined) cmd.qty = qty;
    if (plan.stopTicks !== undefined && (order === undefined || order.orderType !== undefined)) cmd.stopPrice = priceAt(index, plan.stopTicks);
    if (cmd.price === undefined && cmd.qty === undefined && cmd.stopPrice === undefined) cmd.qty = open;
    return cmd;
  }
}

/** Centre ± ticks, clamped into the instrument's band (so the edges themselves are generated). */
function priceAt(instrument: number, ticks: number): number {
  const spec = MODEL_INSTRUMENTS[instrument];
  return Math.max(spec.minPrice, Math.min(spec.maxPrice, CENTER[instrument] + ticks * spec.tickSize));
}

function corrupt(cmd: Record<string, unknown>, c: Corruption, oracle: NaiveBookEngine): void {
  const symbol = typeof cmd.symbol === 'string' ? cmd.symbol : oracle.order(cmd.id as OrderId)?.symbol;
  const spec = MODEL_INSTRUMENTS.find((s) => s.symbol === symbol) ?? MODEL_INSTRUMENTS[0];
  switch (c.kind) {
    case 'set':
      cmd[c.field] = c.value;
      return;
    case 'delete':
      delete cmd[c.field];
      return;
    case 'offTick':
      cmd.price = (typeof cmd.price === 'number' ? cmd.price : CENTER[0]) + 1;
      return;
    case 'outOfRange':
      cmd.price = c.high ? spec.maxPrice + spec.tickSize : spec.minPrice - spec.tickSize;
      return;
    case 'offLot':
      cmd.qty = (typeof cmd.qty === 'number' ? cmd.qty : spec.lotSize) + 1;
      return;
    case 'tooMuch':
      cmd.qty = spec.maxQty + spec.lotSize;
      return;
  }
}

/** Resolve a whole plan list against a fresh oracle: a concrete, replayable command stream. */
export function resolveStream(plans: Plan[], options: EngineOptions): unknown[] {
  const oracle = new NaiveBookEngine(options);
  const ctx = new StreamContext();
  return plans.map((plan) => {
    const cmd = ctx.resolve(plan, oracle);
    oracle.apply(cmd);
    return cmd;
  });
}

/** One command per line, with NaN/undefined/bigint visible (JSON would hide them). */
export function showCommands(cmds: unknown[]): string {
  return cmds.map((cmd, i) => `  ${i}: ${inspect(cmd, { depth: 4, breakLength: Infinity })}`).join('\n');
}

export function show(value: unknown): string {
  return inspect(value, { depth: 6, breakLength: Infinity });
}

/** FC_RUNS_SCALE multiplies every property's number of runs (soak testing); default 1. */
export const RUNS_SCALE = Math.max(0.01, Number(process.env.FC_RUNS_SCALE ?? 1) || 1);
/**
 * Time budgets of one property: fast-check stops (and reports the best counterexample so far)
 * after `fcLimitMs`, which includes shrinking; vitest's timeout must be longer, or it would kill
 * the test before fast-check could print the repro.
 */
export const FC_LIMIT_MS = Math.round(60_000 * Math.max(1, RUNS_SCALE));
export const TEST_TIMEOUT_MS = FC_LIMIT_MS + 60_000;

/** fast-check parameters: FC_SEED pins the seed, FC_PATH replays a path, FC_RUNS_SCALE scales runs. */
export function fcParams<T>(numRuns: number): fc.Parameters<T> {
  const params: fc.Parameters<T> = {
    numRuns: Math.max(1, Math.round(numRuns * RUNS_SCALE)),
    interruptAfterTimeLimit: FC_LIMIT_MS,
    // An interrupted run that found no failure is not a failure; one that did is reported as such.
    markInterruptAsFailure: false,
  };
  if (process.env.FC_SEED !== undefined && process.env.FC_SEED !== '') params.seed = Number(process.env.FC_SEED);
  if (process.env.FC_PATH !== undefined && process.env.FC_PATH !== '') params.path = process.env.FC_PATH;
  return params;
}
