// Why this file exists: the strongest check we have on the fast engine is agreement with an
// independent, obviously-correct implementation of the same contract. Long random streams of
// valid and invalid commands are applied to both; after EVERY command the events must be equal,
// the depth of every instrument must be equal, live counts and the touched order's view must be
// equal, and the engine's own invariant checker must pass; state hashes are compared regularly
// and at the end, and the engine regularly continues from its own snapshot (so a snapshot that
// drops any state — a pending stop, a hidden reserve, an expiry, a remembered id — shows up as a
// diff); orderStatus of the touched id is compared too, and the options vary the id memory's cap,
// windows and full policy. A failure prints the seed and the shrunk, concrete command stream.
//
// FC_SEED=<n> replays a seed; FC_RUNS_SCALE=<k> multiplies the number of runs (soak testing).

import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../engine/index.js';
import type { OrderCommand as Command, EngineEvent, EngineOptions, OrderId } from '../../engine/types.js';
import { NaiveBookEngine } from '../oracle/naive-book.js';
import {
  DEEP_MIX,
  MODEL_INSTRUMENTS,
  StreamContext,
  TEST_TIMEOUT_MS,
  fcParams,
  growingOptionsArb,
  optionsArb,
  show,
  showCommands,
  streamArb,
  streamWithAdminArb,
  type Plan,
} from './generators.js';

const DEPTH_LEVELS = 1000;
const HASH_EVERY = 16;
/** Every this many commands the engine continues from its own snapshot (stops, icebergs, GTT, dead ids). */
const RESTORE_EVERY = 37;

/** Cheap structural equality first (the common, passing case); vitest's toEqual as the judge. */
function same(actual: unknown, expected: unknown): boolean {
  if (isDeepStrictEqual(actual, expected)) return true;
  try {
    expect(actual).toEqual(expected);
    return true;
  } catch {
    return false;
  }
}

/**
 * Apply one stream to engine and oracle, comparing after every command. With `verbose` false the
 * failure is a short message (fast-check calls this thousands of times while shrinking); with
 * `verbose` true it prints the whole concrete stream and both outputs, for the final report.
 */
function runModel(plans: Plan[], options: EngineOptions, verbose: boolean): void {
  const oracle = new NaiveBookEngine(options);
  let engine = new Engine(options);
  const ctx = new StreamContext();
  const history: unknown[] = [];

  const fail = (what: string, detail: () => string): never => {
    const where = `${what} at command #${history.length - 1}`;
    if (!verbose) throw new Error(where);
    throw new Error(`${where}\noptions: ${show(options)}\nstream:\n${showCommands(history)}\n${detail()}`);
  };

  for (const plan of plans) {
    const cmd = ctx.resolve(plan, oracle);
    history.push(cmd);
    let expected: EngineEvent[] = [];
    try {
      expected = oracle.apply(cmd);
    } catch (error) {
      fail('ORACLE threw (oracle bug)', () => (error instanceof Error ? (error.stack ?? error.message) : String(error)));
    }
    let actual: EngineEvent[] = [];
    try {
      actual = engine.apply(cmd as Command);
    } catch (error) {
      fail('engine.apply threw', () => `oracle: ${show(expected)}\nerror: ${error instanceof Error ? error.stack : String(error)}`);
    }
    if (!same(actual, expected)) {
      fail('events differ', () => `expected (oracle): ${show(expected)}\nactual (engine): ${show(actual)}`);
    }
    try {
      engine.checkInvariants();
    } catch (error) {
      fail('engine invariant violated', () => (error instanceof Error ? (error.stack ?? error.message) : String(error)));
    }
    // Instruments the stream has not added yet are unknown to both (checked by the events above).
    const known = new Set(oracle.instruments.map((spec) => spec.symbol));
    for (const { symbol } of MODEL_INSTRUMENTS) {
      if (!known.has(symbol)) continue;
      const want = oracle.depth(symbol, DEPTH_LEVELS);
      const got = engine.depth(symbol, DEPTH_LEVELS);
      if (!same(got, want)) fail(`depth(${symbol}) differs`, () => `expected: ${show(want)}\nactual: ${show(got)}`);
      const l3Want = oracle.l3(symbol, DEPTH_LEVELS);
      const l3Got = engine.l3(symbol, DEPTH_LEVELS);
      if (!same(l3Got, l3Want)) fail(`l3(${symbol}) differs`, () => `expected: ${show(l3Want)}\nactual: ${show(l3Got)}`);
      const topWant = oracle.top(symbol);
      const topGot = engine.top(symbol);
      if (!same(topGot, topWant)) fail(`top(${symbol}) differs`, () => `expected: ${show(topWant)}\nactual: ${show(topGot)}`);
    }
    if (engine.liveOrders !== oracle.liveOrders) {
      fail('liveOrders differs', () => `expected ${oracle.liveOrders}, actual ${engine.liveOrders}`);
    }
    if (typeof cmd === 'object' && cmd !== null && 'id' in cmd) {
      const id = (cmd as { id: unknown }).id;
      if (typeof id === 'string' || typeof id === 'number') {
        const want = oracle.order(id as OrderId);
        const got = engine.order(id as OrderId);
        if (!same(got, want)) fail(`order(${show(id)}) differs`, () => `expected: ${show(want)}\nactual: ${show(got)}`);
        const statusWant = oracle.orderStatus(id as OrderId);
        const statusGot = engine.orderStatus(id as OrderId);
        if (!same(statusGot, statusWant)) fail(`orderStatus(${show(id)}) differs`, () => `expected: ${show(statusWant)}\nactual: ${show(statusGot)}`);
      }
    }
    if (history.length % HASH_EVERY === 0 && engine.stateHash() !== oracle.stateHash()) fail('stateHash differs', () => '');
    if (history.length % RESTORE_EVERY === 0) {
      const hash = engine.stateHash();
      try {
        engine = Engine.restore(engine.snapshot());
      } catch (error) {
        fail('Engine.restore threw', () => (error instanceof Error ? (error.stack ?? error.message) : String(error)));
      }
      if (engine.stateHash() !== hash) fail('stateHash differs after snapshot + restore', () => '');
    }
  }
  if (engine.stateHash() !== oracle.stateHash()) fail('final stateHash differs', () => '');
}

/** fc.check + a verbose replay of the shrunk counterexample, so the report holds a concrete repro. */
function checkModel(streams: fc.Arbitrary<Plan[]>, options: fc.Arbitrary<EngineOptions>, numRuns: number): void {
  const property = fc.property(streams, options, (plans, opts) => runModel(plans, opts, false));
  // fcParams bounds the whole check, shrinking included, so a slow shrink still ends in a report.
  const details = fc.check(property, fcParams<[Plan[], EngineOptions]>(numRuns));
  if (!details.failed) return;
  let repro = '(no counterexample)';
  if (details.counterexample !== null) {
    try {
      runModel(details.counterexample[0], details.counterexample[1], true);
      repro = '(the counterexample passed when replayed — flaky?)';
    } catch (error) {
      repro = error instanceof Error ? error.message : String(error);
    }
  }
  throw new Error(`${fc.defaultReportMessage(details) ?? 'property failed'}\n\nminimal repro:\n${repro}`);
}

const tinyCapacity = fc
  .record({ maxOrders: fc.integer({ min: 1, max: 6 }), initialOrders: fc.integer({ min: 1, max: 2 }) })
  .map(
    ({ maxOrders, initialOrders }): EngineOptions => ({
      instruments: MODEL_INSTRUMENTS.map((spec) => ({ ...spec })),
      maxOrders,
      initialOrders: Math.min(initialOrders, maxOrders),
    }),
  );

describe('engine vs oracle (model-based)', () => {
  it('agree on random streams of up to 300 commands', () => {
    checkModel(streamArb(0, 300), optionsArb, 500);
  }, TEST_TIMEOUT_MS);

  it('agree at tiny capacity (ORDER_CAPACITY, slot reuse, pool growth)', () => {
    checkModel(streamArb(0, 200), tinyCapacity, 150);
  }, TEST_TIMEOUT_MS);

  it('agree with halt, resume and add_instrument in the stream (halted rejects, cancels, expiry, an instrument listed mid-stream)', () => {
    checkModel(streamWithAdminArb(0, 300, 2), growingOptionsArb, 300);
  }, TEST_TIMEOUT_MS);

  it('agree on a few long streams (deep books, long histories)', () => {
    checkModel(streamArb(1500, 3000, DEEP_MIX), optionsArb, 12);
  }, TEST_TIMEOUT_MS);
});
