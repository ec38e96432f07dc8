// Why this file exists: the soak (bench/replicated/soak.ts) needs venue members that really die,
// so each is a process the parent can SIGKILL. A member offers a seeded load at a fixed rate (at
// most windowMax submits in flight) until told to stop, and writes every acknowledgement to its
// journal with writeSync *before* anything else sees it: an ack this process was given is on disk
// even when the next instruction is a SIGKILL, so the parent can hold the stream to every one.
//
// Journal lines: "<seq> <epochMs> <op> <id as JSON>" per ack; "# ..." for notes.
// Talks to the parent over stdin/stdout, one line each way:
//   parent → "stop"        stop offering load, wait for every submit in flight → {"type":"stopped"}
//   parent → "sync <seq>"  wait until applied through stream (message) seq → {"type":"end", lastSeq, stateHash}, exit 0
// A submit that fails (the member failed closed: no quorum, checkpoint unwritable) is journaled and
// the process exits 3; nothing else is acknowledged after it.
//
//   node --import tsx bench/replicated/soak-member.ts '<SoakMemberConfig as JSON>'

import { openSync, writeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { Exchange } from '../../exchange/exchange.js';
import { MULTI } from '../../test/exchange/fixtures/common.js';
import { LoadGenerator } from '../../test/exchange/fixtures/load.js';

export interface SoakMemberConfig {
  servers: string[];
  stream: string;
  /** Seeds the load; a restarted member gets a new one (its old submits are not re-offered). */
  seed: number;
  dir: string;
  journal: string;
  ratePerS: number;
  windowMax: number;
  checkpointEveryCommands: number;
}

/** What the parent reads on stdout. */
export type SoakMemberMessage =
  | { type: 'ready'; restoredFromSeq: number; lastSeq: number; openMs: number }
  | { type: 'stopped'; sent: number; refused: number }
  | { type: 'end'; lastSeq: number; stateHash: string };

const PUMP_MS = 5;
const config = JSON.parse(process.argv[2]) as SoakMemberConfig;
const journal = openSync(config.journal, 'a');
const epoch = (): number => performance.timeOrigin + performance.now();
const say = (message: SoakMemberMessage): void => void process.stdout.write(`${JSON.stringify(message)}\n`);

function die(error: unknown): never {
  writeSync(journal, `# failed ${error instanceof Error ? error.message.replace(/\n/g, ' ') : String(error)}\n`);
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(3);
}

const began = performance.now();
const member = await Exchange.open({
  dir: config.dir,
  instruments: MULTI,
  checkpointEveryCommands: config.checkpointEveryCommands,
  replication: { servers: config.servers, stream: config.stream },
}).catch(die);
const opened = member.stats();
writeSync(journal, `# open restoredFromSeq ${opened.restoredFromSeq} lastSeq ${opened.lastSeq}\n`);
say({ type: 'ready', restoredFromSeq: opened.restoredFromSeq, lastSeq: opened.lastSeq, openMs: performance.now() - began });

const generator = new LoadGenerator(config.seed, MULTI);
let sent = 0;
let inFlight = 0;
let refused = 0;
let stopping = false;
let drained: (() => void) | null = null;
const t0 = performance.now();

function submitOne(): void {
  const command = generator.next();
  sent++;
  inFlight++;
  member.submit(command).then((result) => {
    inFlight--;
    if (result.seq === null) {
      refused++;
      writeSync(journal, `# refused ${JSON.stringify(result.events[0])}\n`);
    } else {
      writeSync(journal, `${result.seq} ${epoch().toFixed(1)} ${command.op} ${JSON.stringify(command.id)}\n`);
    }
    if (inFlight === 0 && drained !== null) drained();
  }, die);
}

function pump(): void {
  if (stopping) return;
  const due = Math.floor(((performance.now() - t0) * config.ratePerS) / 1000);
  while (sent < due && inFlight < config.windowMax) submitOne();
  setTimeout(pump, PUMP_MS);
}
pump();
// Progress in the journal, so a stall can be told apart: publishes unacknowledged by the stream
// (log.acked flat) or acknowledged but not yet read back and applied (lastSeq flat).
setInterval(() => {
  const stats = member.stats();
  writeSync(journal, `# at ${epoch().toFixed(0)} lastSeq ${stats.lastSeq} pending ${stats.pending} logAcked ${stats.log.acked} inFlight ${stats.log.inFlight} retries ${stats.log.retries} readerRestarts ${stats.log.readerRestarts}\n`);
}, 500).unref();

const lines = createInterface({ input: process.stdin });
lines.on('close', () => process.exit(0)); // the parent is gone
lines.on('line', (line) => {
  const [verb, arg] = line.trim().split(' ');
  if (verb === 'stop') {
    stopping = true;
    const done = (): void => say({ type: 'stopped', sent, refused });
    if (inFlight === 0) done();
    else drained = done;
  } else if (verb === 'sync') {
    void (async () => {
      await member.appliedThroughStream(Number(arg)); // the stream's tail: a message seq
      // Read together: nothing is applied between these two lines.
      const lastSeq = member.lastSeq;
      const stateHash = member.stateHash();
      await member.close();
      say({ type: 'end', lastSeq, stateHash });
      process.exit(0);
    })().catch(die);
  }
});
