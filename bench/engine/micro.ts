// Why this file exists: per-operation costs of the engine (issue 2), with Benchmark.js: add a
// resting order, cancel, an aggressive order sweeping N = 1, 10, 100 levels, modify (quantity down
// keeps priority; price change moves the order). Each benchmark times only the engine call:
// books and command arrays are built in Benchmark.js `setup`, which runs untimed before every
// sample with the sample's iteration count known, so a sample never runs out of prepared work.
// "Drain" fixtures start each sample from a fresh book sized for that sample (adds grow it,
// cancels and sweeps consume it); "steady" fixtures (modify, add+cancel) keep the book's size
// constant forever, so results cannot drift.
//
//   npm run bench:engine:micro -- [--filter sweep] [--path execute|apply] [--max-time 2] [--out DIR]

import Benchmark from 'benchmark';
import Table from 'cli-table3';
import { Command as Cli, InvalidArgumentError, Option } from 'commander';
import { Engine } from '../../engine/index.js';
import type { OrderCommand as Command, InstrumentSpec, Side } from '../../engine/index.js';
import { isMainModule } from '../common/main.js';
import { describeEnvironment, environmentLine, markdownTable, writeResults, type BenchEnvironment } from '../common/results.js';
import { SeededRng } from '../common/rng.js';
import { formatInt, formatNs } from '../common/stats.js';
import { CountingSink, ENGINE_PATHS, type EnginePath } from './run.js';

// Benchmark.js would otherwise inline the *source text* of setup/fn into a generated function,
// where our closures do not exist; without decompilation it calls them as methods of the
// benchmark (so `this.count` is the sample's iteration count inside setup).
Benchmark.support.decompilation = false;

/** A wide price band so sweep ladders fit; maxQty keeps maxQty × maxOrders ≤ 2^53. */
export const MICRO_INSTRUMENT: Readonly<InstrumentSpec> = Object.freeze({
  symbol: 'MICRO',
  tickSize: 1,
  lotSize: 1,
  minPrice: 1,
  maxPrice: 2 ** 40,
  maxQty: 100_000_000,
});
/** Explicit limit on orders any fixture builds (memory; the engine allows maxOrders). */
export const FIXTURE_ORDERS_MAX = 8_000_000;
const ENGINE_MAX_ORDERS = 16_777_216;
const SYMBOL = MICRO_INSTRUMENT.symbol;

/** Resting base book of the add/cancel/modify fixtures: 50 levels a side, 100 orders each. */
const BASE_LEVELS_PER_SIDE = 50;
const BASE_ORDERS_PER_LEVEL = 100;
const BASE_ORDERS = 2 * BASE_LEVELS_PER_SIDE * BASE_ORDERS_PER_LEVEL;
const MID = 1_000_000;
const BASE_QTY = 1_000_000;
const SWEEP_LEVEL_QTY = 10;
const RING_ORDERS = 1024;
const ACCOUNTS = Array.from({ length: 16 }, (_, i) => `acct-${i}`);
const SEED = 7;

interface Driver {
  /** Applies one command the way the selected path does. */
  run(command: Command): void;
}

function driverFor(path: EnginePath, engine: Engine): Driver {
  if (path === 'apply') {
    return {
      run(command: Command): void {
        engine.apply(command);
      },
    };
  }
  const sink = new CountingSink();
  return {
    run(command: Command): void {
      engine.execute(command, sink);
    },
  };
}

function freshEngine(ordersNeeded: number): Engine {
  if (ordersNeeded > FIXTURE_ORDERS_MAX) {
    throw new RangeError(`fixture needs ${ordersNeeded} orders (limit ${FIXTURE_ORDERS_MAX}); lower --min-time`);
  }
  return new Engine({
    instruments: [{ ...MICRO_INSTRUMENT }],
    maxOrders: ENGINE_MAX_ORDERS,
    // Sized up front so no sample pays for pool doubling (that is a one-off, not the op's cost).
    initialOrders: Math.max(1024, ordersNeeded + 1024),
  });
}

function limit(id: number, side: Side, price: number, qty: number, account = ACCOUNTS[id % ACCOUNTS.length]): Command {
  return { op: 'new', id, account, symbol: SYMBOL, side, type: 'limit', price, qty, time: id };
}

function mustRest(engine: Engine, command: Command): void {
  const events = engine.apply(command);
  if (events.length !== 1 || events[0].type !== 'accepted') {
    throw new Error(`fixture order did not rest: ${JSON.stringify(events)}`);
  }
}

/** Base book: ids 1..BASE_ORDERS, bids MID-1..MID-50, asks MID+1..MID+50, qty BASE_QTY. */
function baseOrder(k: number): Command {
  const level = Math.floor(k / BASE_ORDERS_PER_LEVEL); // 0..99
  const side: Side = level < BASE_LEVELS_PER_SIDE ? 'buy' : 'sell';
  const depth = (level % BASE_LEVELS_PER_SIDE) + 1;
  return limit(k + 1, side, side === 'buy' ? MID - depth : MID + depth, BASE_QTY);
}

function buildBase(engine: Engine): void {
  for (let k = 0; k < BASE_ORDERS; k++) mustRest(engine, baseOrder(k));
}

/** Grow-only cache of prepared command arrays: samples reuse objects instead of rebuilding. */
class Prepared {
  private items: Command[] = [];
  constructor(private readonly make: (index: number) => Command) {}
  /** At least `count` commands (grown with 25% headroom, so few rebuilds). */
  take(count: number): Command[] {
    if (this.items.length < count) {
      const length = Math.ceil(count * 1.25);
      for (let i = this.items.length; i < length; i++) this.items.push(this.make(i));
    }
    return this.items;
  }
}

export interface MicroCase {
  name: string;
  /** What the timed op is and what the book looks like. */
  book: string;
  /** Untimed: prepares engine and commands for `count` ops. */
  setup(count: number, path: EnginePath): void;
  /** Timed: one op. */
  op(): void;
}

function drainCase(
  name: string,
  book: string,
  prepare: (count: number) => { engine: Engine; commands: Command[]; opsPerCall: number },
): MicroCase {
  let driver: Driver = { run: () => {} };
  let commands: Command[] = [];
  let next = 0;
  let per = 1;
  return {
    name,
    book,
    setup(count: number, path: EnginePath): void {
      const prepared = prepare(count);
      driver = driverFor(path, prepared.engine);
      commands = prepared.commands;
      per = prepared.opsPerCall;
      next = 0;
    },
    op(): void {
      for (let k = 0; k < per; k++) driver.run(commands[next++]);
    },
  };
}

export function microCases(): MicroCase[] {
  const rng = new SeededRng(SEED);
  const cases: MicroCase[] = [];

  // --- baseline: the cost of the benchmark loop and one driver call on a trivial command -------
  cases.push(
    drainCase('baseline: cancel of an unknown id (rejected)', 'empty book; measures loop + call + validation floor', (count) => {
      const engine = freshEngine(0);
      const cancel: Command = { op: 'cancel', id: 999_999_999, account: ACCOUNTS[0], time: 1 };
      return { engine, commands: new Array<Command>(count).fill(cancel), opsPerCall: 1 };
    }),
  );

  // --- add a resting order ------------------------------------------------------------------
  const adds = new Prepared((i) => {
    const side: Side = i % 2 === 0 ? 'buy' : 'sell';
    const depth = 1 + ((i >> 1) % BASE_LEVELS_PER_SIDE);
    return limit(BASE_ORDERS + 1 + i, side, side === 'buy' ? MID - depth : MID + depth, 1 + (i % 100));
  });
  cases.push(
    drainCase('add resting limit', '10,000-order base book (100 levels); each op appends to one of those levels, so the book grows by the sample size (typically 10k→110k orders; id index and slots spill out of cache)', (count) => {
      const engine = freshEngine(BASE_ORDERS + count);
      buildBase(engine);
      return { engine, commands: adds.take(count), opsPerCall: 1 };
    }),
  );

  // --- cancel ---------------------------------------------------------------------------------
  let cancelPlan: { length: number; cancels: Command[] } = { length: 0, cancels: [] };
  cases.push(
    drainCase('cancel resting order', 'base book + one extra order per op on the same 100 levels, cancelled in random order (random slots of a ~100k-order book: cache-cold)', (count) => {
      if (cancelPlan.length < count) {
        const length = Math.ceil(count * 1.25);
        const order = rng.shuffle(Array.from({ length }, (_, i) => i));
        const cancels = order.map((i): Command => {
          const add = adds.take(length)[i];
          return { op: 'cancel', id: add.id, account: add.account, time: i };
        });
        cancelPlan = { length, cancels };
      }
      const engine = freshEngine(BASE_ORDERS + cancelPlan.length);
      buildBase(engine);
      const toAdd = adds.take(cancelPlan.length);
      for (let i = 0; i < cancelPlan.length; i++) mustRest(engine, toAdd[i]);
      return { engine, commands: cancelPlan.cancels, opsPerCall: 1 };
    }),
  );

  // --- add + cancel, steady state ------------------------------------------------------------
  {
    const ringAdds = Array.from({ length: RING_ORDERS }, (_, k) => {
      const side: Side = k % 2 === 0 ? 'buy' : 'sell';
      const depth = 1 + (k % BASE_LEVELS_PER_SIDE);
      return limit(10_000_000 + k, side, side === 'buy' ? MID - depth : MID + depth, 1 + (k % 100));
    });
    const ringCancels = ringAdds.map((add): Command => ({ op: 'cancel', id: add.id, account: add.account, time: 1 }));
    let engine = freshEngine(0);
    let driver: Driver = { run: () => {} };
    let slot = 0;
    cases.push({
      name: 'add + cancel pair (steady state)',
      book: `base book + ${RING_ORDERS} ring orders; each op cancels the oldest ring order and adds it back at the tail`,
      setup(_count: number, path: EnginePath): void {
        engine = freshEngine(BASE_ORDERS + RING_ORDERS);
        buildBase(engine);
        for (const add of ringAdds) mustRest(engine, add);
        driver = driverFor(path, engine);
        slot = 0;
      },
      op(): void {
        driver.run(ringCancels[slot]);
        driver.run(ringAdds[slot]);
        slot = (slot + 1) % RING_ORDERS;
      },
    });
  }

  // --- sweeps ----------------------------------------------------------------------------------
  for (const levels of [1, 10, 100]) {
    const sweeps = new Prepared((i): Command => {
      const id = 100_000_000 + i;
      return { op: 'new', id, account: ACCOUNTS[id % ACCOUNTS.length], symbol: SYMBOL, side: 'buy', type: 'limit', price: MID + (i + 1) * levels, qty: levels * SWEEP_LEVEL_QTY, time: id };
    });
    cases.push(
      drainCase(
        `aggressive limit sweeping ${levels} level${levels === 1 ? '' : 's'}`,
        `ask ladder of one ${SWEEP_LEVEL_QTY}-lot order per tick, built for the sample (levels × iterations deep, so swept levels are cache-cold), 500-order bid side; each op fills exactly ${levels} level${levels === 1 ? '' : 's'} (${levels} trade${levels === 1 ? '' : 's'}) and does not rest`,
        (count) => {
          const commands = sweeps.take(count);
          const ladder = commands.length * levels;
          const engine = freshEngine(ladder + 500);
          for (let k = 0; k < 500; k++) mustRest(engine, limit(k + 1, 'buy', MID - 1 - (k % 50), 10));
          // Worst price first, so every insert lands at the end of the sorted level array.
          for (let t = ladder; t >= 1; t--) mustRest(engine, limit(1_000_000_000 + t, 'sell', MID + t, SWEEP_LEVEL_QTY));
          return { engine, commands, opsPerCall: 1 };
        },
      ),
    );
  }

  // --- sweeps, steady state: the same N levels are swept and rebuilt, so they stay in cache ----
  for (const levels of [1, 10, 100]) {
    const taker: Command = { op: 'new', id: 500_000_000, account: ACCOUNTS[0], symbol: SYMBOL, side: 'buy', type: 'limit', price: MID + levels, qty: levels * SWEEP_LEVEL_QTY, time: 1 };
    // Rebuilt worst price first so each new level lands at the end of the sorted level array.
    const makers = Array.from({ length: levels }, (_, k) => limit(600_000_000 + k, 'sell', MID + levels - k, SWEEP_LEVEL_QTY, ACCOUNTS[1 + (k % 15)]));
    let engine = freshEngine(0);
    let driver: Driver = { run: () => {} };
    cases.push({
      name: `sweep ${levels} level${levels === 1 ? '' : 's'} + re-add ${levels} maker${levels === 1 ? '' : 's'} (steady state)`,
      book: `${levels} one-order ask levels at the top, 50 deeper ask levels and 50 bid levels of 100 orders; each op is the sweep plus the ${levels} adds that restore the book (hot cache)`,
      setup(_count: number, path: EnginePath): void {
        engine = freshEngine(BASE_ORDERS + levels);
        for (let k = 0; k < BASE_ORDERS; k++) {
          const base = baseOrder(k);
          if (base.op !== 'new') throw new Error('unreachable');
          // Shift the base asks beyond the swept ladder.
          mustRest(engine, base.side === 'sell' ? { ...base, price: (base.price as number) + levels } : base);
        }
        for (const maker of makers) mustRest(engine, maker);
        driver = driverFor(path, engine);
      },
      op(): void {
        driver.run(taker);
        for (let k = 0; k < levels; k++) driver.run(makers[k]);
      },
    });
  }

  // --- modify: quantity down keeps priority (steady: the book never changes shape) -------------
  {
    const modifies = new Prepared((j): Command => {
      const base = baseOrder(j % BASE_ORDERS);
      if (base.op !== 'new') throw new Error('unreachable');
      const qty = BASE_QTY - 1 - Math.floor(j / BASE_ORDERS);
      return { op: 'modify', id: base.id, account: base.account, price: base.price as number, qty, time: j };
    });
    cases.push(
      drainCase('modify qty down (keeps priority)', 'base book; each op lowers one order’s qty by 1 in place', (count) => {
        if (count >= BASE_ORDERS * (BASE_QTY - 1)) throw new RangeError('modify fixture exhausted');
        const engine = freshEngine(BASE_ORDERS);
        buildBase(engine);
        return { engine, commands: modifies.take(count), opsPerCall: 1 };
      }),
    );
  }

  // --- modify: price change loses priority (steady: orders hop between two levels) -------------
  {
    const modifies = new Prepared((j): Command => {
      const base = baseOrder(j % BASE_ORDERS);
      if (base.op !== 'new') throw new Error('unreachable');
      const price = base.price as number;
      // Round r: move one tick further from the mid on odd rounds, back on even rounds.
      const away = Math.floor(j / BASE_ORDERS) % 2 === 0 ? 1 : 0;
      const moved = base.side === 'buy' ? price - away : price + away;
      return { op: 'modify', id: base.id, account: base.account, price: moved, qty: BASE_QTY, time: j };
    });
    cases.push(
      drainCase('modify price (loses priority, moves level)', 'base book; each op moves one order one tick away from the mid or back (never crosses)', (count) => {
        const engine = freshEngine(BASE_ORDERS);
        buildBase(engine);
        return { engine, commands: modifies.take(count), opsPerCall: 1 };
      }),
    );
  }
  return cases;
}

export interface MicroResult {
  name: string;
  path: EnginePath;
  book: string;
  ops_per_s: number;
  ns_per_op: number;
  /** Relative margin of error (%), Benchmark.js at 95% confidence. */
  rme_percent: number;
  samples: number;
  /** Iterations in the last sample. */
  iterations_per_sample: number;
}

export interface MicroOptions {
  paths: EnginePath[];
  /** Substring filter on case names (case-insensitive); empty = all. */
  filter: string;
  /** Benchmark.js maxTime (s) per case and path. */
  max_time_s: number;
  /** Benchmark.js minTime (s) per sample: bounds fixture sizes. */
  min_time_s: number;
  log?: (line: string) => void;
}

export const MICRO_DEFAULTS: Readonly<Omit<MicroOptions, 'log'>> = Object.freeze({
  paths: ['execute'] as EnginePath[],
  filter: '',
  max_time_s: 3,
  min_time_s: 0.05,
});

export interface MicroBenchResult {
  bench: 'engine-micro';
  environment: BenchEnvironment;
  options: Omit<MicroOptions, 'log'>;
  results: MicroResult[];
}

export async function runMicroBench(partial: Partial<MicroOptions> = {}): Promise<MicroBenchResult> {
  const options: MicroOptions = { ...MICRO_DEFAULTS, ...partial };
  const log = options.log ?? ((): void => {});
  const filter = options.filter.toLowerCase();
  const results: MicroResult[] = [];
  const cases = microCases().filter((c) => c.name.toLowerCase().includes(filter));
  for (const path of options.paths) {
    for (const micro of cases) {
      const bench = new Benchmark(`${micro.name} [${path}]`, {
        fn: micro.op,
        setup(this: Benchmark): void {
          micro.setup(this.count, path);
        },
        minTime: options.min_time_s,
        maxTime: options.max_time_s,
      });
      bench.run({ async: false });
      if (bench.error !== undefined) throw bench.error;
      const result: MicroResult = {
        name: micro.name,
        path,
        book: micro.book,
        ops_per_s: bench.hz,
        ns_per_op: 1e9 / bench.hz,
        rme_percent: bench.stats.rme,
        samples: bench.stats.sample.length,
        iterations_per_sample: bench.count,
      };
      results.push(result);
      log(`${String(bench)}  (${formatNs(result.ns_per_op)}/op)`);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
  const { log: _omit, ...recorded } = options;
  return { bench: 'engine-micro', environment: describeEnvironment(), options: recorded, results };
}

function rows(result: MicroBenchResult): string[][] {
  return result.results.map((r) => [
    r.name,
    r.path,
    formatInt(r.ops_per_s),
    formatNs(r.ns_per_op),
    `±${r.rme_percent.toFixed(1)}%`,
    String(r.samples),
  ]);
}

const HEAD = ['op', 'path', 'ops/s', 'time/op', 'rme', 'samples'];

export function formatMicroMarkdown(result: MicroBenchResult): string {
  const books = result.results
    .filter((r, i, all) => all.findIndex((o) => o.name === r.name) === i)
    .map((r) => `- **${r.name}**: ${r.book}`);
  return [
    '# Engine microbenchmarks',
    '',
    environmentLine(result.environment),
    '',
    markdownTable(HEAD, rows(result)),
    '',
    '## Fixtures',
    '',
    ...books,
    '',
    'Benchmark.js; setup (untimed) prepares each sample; times include the benchmark loop and one method call per op (see the baseline row).',
    '',
  ].join('\n');
}

function parsePositive(name: string): (value: string) => number {
  return (value: string): number => {
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed <= 0 || parsed > 600) throw new InvalidArgumentError(`${name} must be in (0, 600] seconds`);
    return parsed;
  };
}

export async function main(argv: string[] = process.argv): Promise<MicroBenchResult> {
  const cli = new Cli()
    .name('bench:engine:micro')
    .description('matchlog engine per-operation microbenchmarks (Benchmark.js)')
    .addOption(new Option('--path <name>', 'engine entry point').choices(['all', ...ENGINE_PATHS]).default('execute'))
    .option('--filter <text>', 'only cases whose name contains text', '')
    .option('--max-time <s>', `Benchmark.js maxTime per case (default ${MICRO_DEFAULTS.max_time_s})`, parsePositive('max-time'))
    .option('--min-time <s>', `Benchmark.js minTime per sample (default ${MICRO_DEFAULTS.min_time_s})`, parsePositive('min-time'))
    .option('--out <DIR>', 'write DIR/engine-micro.json and .md')
    .parse(argv);
  const o = cli.opts<{ path: 'all' | EnginePath; filter: string; maxTime?: number; minTime?: number; out?: string }>();
  const result = await runMicroBench({
    paths: o.path === 'all' ? [...ENGINE_PATHS] : [o.path],
    filter: o.filter,
    max_time_s: o.maxTime ?? MICRO_DEFAULTS.max_time_s,
    min_time_s: o.minTime ?? MICRO_DEFAULTS.min_time_s,
    log: (line) => console.error(line),
  });
  const table = new Table({ head: HEAD, style: { head: [], border: [] } });
  for (const row of rows(result)) table.push(row);
  console.log(`\n${environmentLine(result.environment)}\n${table.toString()}`);
  if (o.out !== undefined) {
    const written = writeResults(o.out, 'engine-micro', result, formatMicroMarkdown(result));
    console.log(`\nwrote ${written.json_path} and ${written.markdown_path}`);
  }
  return result;
}

if (isMainModule(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
