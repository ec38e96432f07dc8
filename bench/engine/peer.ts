// Why this file exists: the peer comparison (issue 2) runs our exact command streams through
// nodejs-order-book. Commands are translated to the peer's own call arguments before timing, so
// the timed loop is the peer's work only, exactly like ours. Mapping: new limit (GTC) → limit(),
// new market → market(), cancel → cancel(). The peer needs string ids (ours are numbers) and has
// no accounts or STP here (our workloads use STP `none`, so accounts never change an outcome).

import { OrderBook, Side } from 'nodejs-order-book';
import type { LimitOrderOptions, MarketOrderOptions } from 'nodejs-order-book';
import type { OrderCommand as Command } from '../../engine/index.js';

export const PEER_NAME = 'nodejs-order-book@10.1.1';

const KIND_LIMIT = 0;
const KIND_MARKET = 1;
const KIND_CANCEL = 2;

/** The peer's arguments, one per command, as parallel arrays (no per-command tagging objects). */
export interface PeerOps {
  kinds: Uint8Array;
  args: Array<LimitOrderOptions | MarketOrderOptions | string>;
}

export function buildPeerOps(commands: readonly Command[], count = commands.length): PeerOps {
  const kinds = new Uint8Array(count);
  const args = new Array<LimitOrderOptions | MarketOrderOptions | string>(count);
  for (let i = 0; i < count; i++) {
    const command = commands[i];
    if (command.op === 'cancel') {
      kinds[i] = KIND_CANCEL;
      args[i] = String(command.id);
    } else if (command.op === 'new') {
      const side = command.side === 'buy' ? Side.BUY : Side.SELL;
      if (command.type === 'market') {
        kinds[i] = KIND_MARKET;
        args[i] = { side, size: command.qty };
      } else {
        if ((command.tif !== undefined && command.tif !== 'GTC') || command.postOnly === true) {
          throw new Error('peer mapping supports GTC limit orders only');
        }
        kinds[i] = KIND_LIMIT;
        args[i] = { id: String(command.id), side, size: command.qty, price: command.price as number };
      }
    } else {
      throw new Error(`peer mapping does not support op ${command.op}`);
    }
  }
  return { kinds, args };
}

export interface PeerRun {
  book: OrderBook;
  elapsed_ms: number;
  /** Process CPU time of the timed loop (see ThroughputResult in run.ts). */
  cpu_ms: number;
  /** Cancels the peer refused (order unknown to it): 0 when it agrees with us on the live set. */
  cancel_failures: number;
  /** Limit/market calls that returned an error. */
  errors: number;
}

/** Applies all ops to a fresh peer book, timing only the loop. */
export function runPeer(ops: PeerOps): PeerRun {
  const book = new OrderBook();
  const { kinds, args } = ops;
  const count = kinds.length;
  let cancelFailures = 0;
  let errors = 0;
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const kind = kinds[i];
    if (kind === KIND_LIMIT) {
      if (book.limit(args[i] as LimitOrderOptions).err !== null) errors++;
    } else if (kind === KIND_MARKET) {
      if (book.market(args[i] as MarketOrderOptions).err !== null) errors++;
    } else if (book.cancel(args[i] as string) === undefined) {
      cancelFailures++;
    }
  }
  const elapsed = performance.now() - started;
  const cpu = process.cpuUsage(cpu0);
  return { book, elapsed_ms: elapsed, cpu_ms: (cpu.user + cpu.system) / 1000, cancel_failures: cancelFailures, errors };
}

/** The peer's book as [price, total qty] levels, bids then asks, each sorted by ascending price. */
export function peerLevels(book: OrderBook): { bids: Array<[number, number]>; asks: Array<[number, number]> } {
  const [asks, bids] = book.depth();
  const byPrice = (a: [number, number], b: [number, number]): number => a[0] - b[0];
  return { bids: [...bids].sort(byPrice), asks: [...asks].sort(byPrice) };
}
