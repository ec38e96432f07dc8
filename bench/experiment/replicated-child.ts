// Why this file exists: the report's primary-primary answer is only honest when a member really
// dies. This child is one member of a replicated venue (JetStream R3): it opens the Exchange with
// `replication`, offers its share of the seeded experiment workload at a fixed rate (open loop),
// and journals every acknowledgement — seq and wall-clock time — to a file, synchronously and in
// batches, so what it acknowledged survives its own SIGKILL. With `killAtAcked` it SIGKILLs itself
// the moment that many of its commands are acknowledged; otherwise it finishes its share, waits to
// have applied the whole stream and reports its state hash.
//
//   node --import tsx bench/experiment/replicated-child.ts '<ReplicatedChildConfig as JSON>'

import { closeSync, existsSync, openSync, writeSync } from 'node:fs';
import { Exchange } from '../../exchange/exchange.js';
import type { SubmitResult } from '../../exchange/exchange.js';
import { regenerateExperimentWorkload } from './workload.js';

export interface ReplicatedChildConfig {
  servers: string[];
  stream: string;
  /** The member's label in file names (not a trimming name: the run keeps the stream whole so
   * it can be checked record by record) and its directory (checkpoints). */
  member: string;
  dir: string;
  commands: number;
  seed: number;
  fingerprint: string;
  /** This member offers the workload's commands whose index % members === part. */
  part: number;
  members: number;
  rate_per_s: number;
  checkpointEveryCommands: number;
  /** SIGKILL itself once this many of its commands are acknowledged; null: run to the end. */
  killAtAcked: number | null;
  /** Journal: one line per batch of acks, "seq epochMs" pairs; then a final JSON line. */
  out: string;
  /** Written by the parent once every member is open: load starts at the same moment in all. */
  go: string;
}

/** What the last journal line says about a member that ran to the end. */
export interface ReplicatedChildEnd {
  type: 'end';
  lastSeq: number;
  stateHash: string;
  refused: number;
}

const SUBMITS_PER_TICK_MAX = 1_024;
const config = JSON.parse(process.argv[2]) as ReplicatedChildConfig;
const out = openSync(config.out, 'w');
let journal = '';
const flush = (): void => {
  if (journal.length === 0) return;
  writeSync(out, journal);
  journal = '';
};

async function main(): Promise<void> {
  const workload = regenerateExperimentWorkload(config.commands, config.seed, config.fingerprint);
  const mine = workload.commands.filter((_, i) => i % config.members === config.part);
  const ex = await Exchange.open({
    dir: config.dir,
    instruments: workload.specs,
    ordersMax: config.commands + 1,
    checkpointEveryCommands: config.checkpointEveryCommands,
    replication: { servers: config.servers, stream: config.stream, replicas: 3 },
  });
  // Opened: say so, then wait for the parent's go (bounded by the parent's own timeout).
  writeSync(out, `${JSON.stringify({ type: 'ready' })}\n`);
  while (!existsSync(config.go)) await new Promise((wake) => setTimeout(wake, 10));
  const interval_ms = 1000 / config.rate_per_s;
  let next = 0;
  let acked = 0;
  let refused = 0;
  let settled = 0;
  const t0 = performance.now();
  const epoch = (): number => performance.timeOrigin + performance.now();

  await new Promise<void>((done, fail) => {
    const onResult = (result: SubmitResult): void => {
      settled++;
      if (result.seq === null) refused++;
      else {
        acked++;
        journal += `${result.seq} ${epoch().toFixed(1)}\n`;
        if (config.killAtAcked !== null && acked >= config.killAtAcked) {
          flush();
          closeSync(out);
          process.kill(process.pid, 'SIGKILL');
        }
      }
      if (settled === mine.length) done();
    };
    const pump = (): void => {
      const due = Math.min(mine.length, Math.floor((performance.now() - t0) / interval_ms) + 1);
      for (let n = 0; next < due && n < SUBMITS_PER_TICK_MAX; n++) ex.submit(mine[next++]).then(onResult, fail);
      flush();
      if (next >= mine.length) return;
      const wait_ms = t0 + next * interval_ms - performance.now();
      if (wait_ms > 1) setTimeout(pump, Math.floor(wait_ms));
      else setImmediate(pump);
    };
    pump();
  });
  flush();
  // Every record the stream holds, the other member's included, before the hash is taken.
  await ex.caughtUp();
  const end: ReplicatedChildEnd = { type: 'end', lastSeq: ex.lastSeq, stateHash: ex.stateHash(), refused };
  writeSync(out, `${JSON.stringify(end)}\n`);
  closeSync(out);
  await ex.close();
}

main().catch((error: unknown) => {
  flush();
  writeSync(out, `${JSON.stringify({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) })}\n`);
  process.exit(1);
});
