// Why this file exists: what a user feels is the member's submit → ack, not the log's append, and
// the issue asks for it against the local LMDB `sync` exchange in the same run. Two measures per
// exchange, over the same seeded commands:
//   - closed loop: windowMax submits in flight, the next one sent as one resolves (throughput);
//   - open loop at a steady offered rate: latency from each command's due time to its ack (a
//     stall counts in full: no coordinated omission).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExchangeCommand } from '../../engine/index.js';
import { Exchange } from '../../exchange/exchange.js';
import type { SubmitResult } from '../../exchange/pending.js';
import { MULTI } from '../../test/exchange/fixtures/common.js';
import { LoadGenerator } from '../../test/exchange/fixtures/load.js';
import { deleteStream } from '../../test/support/jetstream.js';
import type { ClusterManifest } from '../../test/support/nats-cluster.js';
import { summarizeLatencies, type LatencySummary } from '../common/stats.js';

interface Submitter {
  submit(command: ExchangeCommand): Promise<SubmitResult>;
  close(): Promise<void>;
}

export interface MemberLoadResult {
  closedRatePerS: number;
  steady: LatencySummary;
  refused: number;
}

const ORDERS_MAX = 1 << 20;

function commands(count: number, seed: number): ExchangeCommand[] {
  const generator = new LoadGenerator(seed, MULTI);
  return Array.from({ length: count }, () => generator.next());
}

async function closedLoop(ex: Submitter, list: ExchangeCommand[], windowMax: number): Promise<{ rate: number; refused: number }> {
  let next = 0;
  let done = 0;
  let refused = 0;
  const began = performance.now();
  await new Promise<void>((resolve, reject) => {
    const settle = (result: SubmitResult): void => {
      if (result.seq === null) refused++;
      if (++done === list.length) resolve();
      else pump();
    };
    const pump = (): void => {
      while (next < list.length && next - done < windowMax) ex.submit(list[next++]).then(settle, reject);
    };
    pump();
  });
  return { rate: list.length / ((performance.now() - began) / 1000), refused };
}

async function steady(ex: Submitter, list: ExchangeCommand[], ratePerS: number): Promise<{ latency: LatencySummary; refused: number }> {
  const samples = new Float64Array(list.length);
  const pending: Promise<void>[] = [];
  let refused = 0;
  const began = performance.now();
  let sent = 0;
  while (sent < list.length) {
    const due = Math.min(list.length, Math.floor(((performance.now() - began) * ratePerS) / 1000));
    for (; sent < due; sent++) {
      const n = sent;
      const dueAt = began + (n * 1000) / ratePerS;
      pending.push(
        ex.submit(list[n]).then((result) => {
          if (result.seq === null) refused++;
          samples[n] = (performance.now() - dueAt) * 1e6;
        }),
      );
    }
    await new Promise((done) => setTimeout(done, 1));
  }
  await Promise.all(pending);
  return { latency: summarizeLatencies(samples), refused };
}

/** Both measures on one exchange: a fresh one per measure, opened by `open`. */
async function measure(open: (tag: string) => Promise<Submitter>, closedCommands: number, windowMax: number, ratePerS: number, seconds: number): Promise<MemberLoadResult> {
  const closedEx = await open('closed');
  const closed = await closedLoop(closedEx, commands(closedCommands, 11), windowMax);
  await closedEx.close();
  const steadyEx = await open('steady');
  const s = await steady(steadyEx, commands(Math.round(ratePerS * seconds), 12), ratePerS);
  await steadyEx.close();
  return { closedRatePerS: closed.rate, steady: s.latency, refused: closed.refused + s.refused };
}

export async function memberLoad(
  cluster: ClusterManifest,
  options: { commands: number; windowMax: number; ratePerS: number; seconds: number },
): Promise<{ replicated: MemberLoadResult; lmdb: MemberLoadResult }> {
  const servers = [...cluster.servers];
  const dir = mkdtempSync(join(tmpdir(), 'matchlog-member-load-'));
  const streams: string[] = [];
  try {
    const replicated = await measure(
      async (tag) => {
        const stream = `MLOAD_${process.pid}_${tag}_${Date.now().toString(36)}`;
        streams.push(stream);
        return Exchange.open({ instruments: MULTI, ordersMax: ORDERS_MAX, replication: { servers, stream } });
      },
      options.commands,
      options.windowMax,
      options.ratePerS,
      options.seconds,
    );
    const lmdb = await measure(
      (tag) => Exchange.open({ dir: join(dir, tag), instruments: MULTI, ordersMax: ORDERS_MAX, durability: 'sync' }),
      options.commands,
      options.windowMax,
      options.ratePerS,
      options.seconds,
    );
    return { replicated, lmdb };
  } finally {
    for (const stream of streams) await deleteStream(servers, stream);
    rmSync(dir, { recursive: true, force: true });
  }
}
