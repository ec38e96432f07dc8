// Why this file exists: the vitest files each pin one fault (a member, the leader, a follower);
// the issue asks for more: many seeded schedules of faults, one after another, under load from
// several members, checked end to end. For each seed this starts two member processes
// (soak-member.ts) on a fresh stream, lets a seeded schedule SIGKILL and restart a member, the
// stream's leader node or a follower node, or bring a brand-new member in mid-run, then stops the
// load and checks:
//   - lost: an acknowledged command (from the members' journals, written before use) whose seq
//     does not hold that member's command (other member, other op or id, or past the stream's end);
//   - duplicated: a submit (member id, counter) the stream holds more than once, i.e. a command
//     every member applied twice;
//   - diverged: a member whose final (lastSeq, stateHash) differs from a plain engine fed the stream;
//   - stall: the longest time a running member went without an ack (its own death excluded).
// The members are not named, so nothing trims the stream: it is checked record by record.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { MULTI } from '../../test/exchange/fixtures/common.js';
import { killNode, restartNode, type ClusterManifest } from '../../test/support/nats-cluster.js';
import { deleteStream, replayVenue, streamLeader, streamState, waitReplicasCurrent } from '../../test/support/jetstream.js';
import { SeededRng } from '../common/rng.js';
import type { SoakMemberConfig, SoakMemberMessage } from './soak-member.js';

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'soak-member.ts');
/** A member that does not answer (open, stop, sync) within this long fails the seed. */
const MEMBER_ANSWER_MS_MAX = 120_000;
/** Members a schedule can have at once (two at the start, a third may join). */
const MEMBERS_MAX = 3;
/** A stall is put down to the newest fault that began before it ended and ended at most this long before it began. */
const FAULT_SLACK_MS = 3_000;
/** Gaps between two acks of one member at least this long are listed in the log. */
const STALL_NOTED_MS = 1_000;

export type FaultKind = 'member' | 'leader' | 'follower' | 'join';

export interface SoakOptions {
  seeds: number;
  firstSeed: number;
  /** Faults per seed. */
  faults: number;
  /** Commands offered per member per second. */
  ratePerS: number;
  windowMax: number;
  checkpointEveryCommands: number;
  /** Scratch directory (member directories and journals). */
  dir: string;
}

export interface SoakFault {
  kind: FaultKind;
  /** Load before the fault, and how long the killed process stays down. */
  afterMs: number;
  downMs: number;
  /** What was hit: a member slot or a node name (filled in when it happens). */
  target: string;
}

export interface SoakRow {
  seed: number;
  faults: SoakFault[];
  records: number;
  acks: number;
  lost: number;
  duplicated: number;
  diverged: number;
  /** Members that failed closed on their own (not a kill): goal 0 with a quorum always up. */
  failed: number;
  stallMsMax: number;
  /** Which fault the longest stall overlapped ('' when none did). */
  stallAt: string;
  seconds: number;
}

/** The seeded schedule: kinds, gaps and downtimes; at most one join (a third member). */
export function soakSchedule(seed: number, faults: number): SoakFault[] {
  const rng = new SeededRng(seed);
  const kinds: FaultKind[] = ['member', 'leader', 'follower', 'join'];
  let joined = false;
  const out: SoakFault[] = [];
  for (let i = 0; i < faults; i++) {
    let kind = kinds[rng.int(0, kinds.length - 1)];
    if (kind === 'join') {
      if (joined) kind = 'member';
      joined = true;
    }
    out.push({ kind, afterMs: rng.int(2_000, 5_000), downMs: rng.int(300, 3_000), target: '' });
  }
  return out;
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

/** One member process: its stdout lines arrive as messages, in order. */
class MemberProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly inbox: SoakMemberMessage[] = [];
  private waiter: (() => void) | null = null;
  private stderr = '';
  killedByUs = false;

  constructor(
    readonly slot: number,
    readonly config: SoakMemberConfig,
  ) {
    this.child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(config)], { stdio: ['pipe', 'pipe', 'pipe'] });
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      this.inbox.push(JSON.parse(line) as SoakMemberMessage);
      this.waiter?.();
    });
    this.child.stderr!.on('data', (chunk: Buffer) => (this.stderr = (this.stderr + chunk.toString()).slice(-4_000)));
    this.exited = new Promise((done) => this.child.on('exit', (code, signal) => {
      done({ code, signal });
      this.waiter?.();
    }));
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async next<K extends SoakMemberMessage['type']>(type: K): Promise<Extract<SoakMemberMessage, { type: K }>> {
    const deadline = Date.now() + MEMBER_ANSWER_MS_MAX;
    for (;;) {
      const i = this.inbox.findIndex((m) => m.type === type);
      if (i >= 0) return this.inbox.splice(i, 1)[0] as Extract<SoakMemberMessage, { type: K }>;
      if (!this.alive) throw new Error(`member ${this.slot} exited (${this.child.exitCode ?? this.child.signalCode}) before '${type}': ${this.stderr}`);
      if (Date.now() > deadline) throw new Error(`member ${this.slot}: no '${type}' within ${MEMBER_ANSWER_MS_MAX} ms: ${this.stderr}`);
      await new Promise<void>((wake) => {
        this.waiter = wake;
        setTimeout(wake, 1_000);
      });
      this.waiter = null;
    }
  }

  send(line: string): void {
    this.child.stdin!.write(`${line}\n`);
  }

  async kill(): Promise<void> {
    this.killedByUs = true;
    if (this.alive) this.child.kill('SIGKILL');
    await this.exited;
  }
}

interface Journal {
  slot: number;
  acks: { seq: number; at: number; op: string; id: string }[];
}

function readJournal(slot: number, path: string): Journal {
  const out: Journal = { slot, acks: [] };
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.length === 0 || line.startsWith('#')) continue;
    const [seq, at, op, id] = line.split(' ');
    out.acks.push({ seq: Number(seq), at: Number(at), op, id });
  }
  return out;
}

/** One seed: the schedule under load, then the checks. */
export async function soakOne(cluster: ClusterManifest, seed: number, options: SoakOptions, log: (line: string) => void): Promise<SoakRow> {
  const servers = [...cluster.servers];
  const stream = `SOAK_${process.pid}_${seed}_${Date.now().toString(36)}`;
  const root = join(options.dir, `seed-${seed}`);
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  const schedule = soakSchedule(seed, options.faults);
  const journals: { slot: number; path: string }[] = [];
  const members: (MemberProcess | null)[] = new Array<MemberProcess | null>(MEMBERS_MAX).fill(null);
  const faultSpans: { what: string; from: number; to: number }[] = [];
  let incarnation = 0;
  const began = performance.now();
  const startedAt = Date.now();
  let clean = false;

  const start = async (slot: number): Promise<MemberProcess> => {
    const journal = join(root, `member-${slot}-${incarnation}.journal`);
    journals.push({ slot, path: journal });
    const member = new MemberProcess(slot, {
      servers,
      stream,
      seed: seed * 100 + incarnation++,
      dir: join(root, `member-${slot}`),
      journal,
      ratePerS: options.ratePerS,
      windowMax: options.windowMax,
      checkpointEveryCommands: options.checkpointEveryCommands,
    });
    members[slot] = member;
    await member.next('ready');
    return member;
  };

  try {
    await Promise.all([start(0), start(1)]);
    for (const fault of schedule) {
      await sleep(fault.afterMs);
      const from = Date.now();
      if (fault.kind === 'member') {
        const live = members.filter((m): m is MemberProcess => m !== null && m.alive);
        const victim = live[new SeededRng(seed + faultSpans.length).int(0, live.length - 1)];
        fault.target = `m${victim.slot}`;
        await victim.kill();
        await sleep(fault.downMs);
        await start(victim.slot);
      } else if (fault.kind === 'join') {
        const slot = members.findIndex((m) => m === null);
        fault.target = `m${slot}`;
        await start(slot);
      } else {
        // One node down at a time: a node restarted by the previous fault must have caught up
        // before another goes, or the stream would lose its quorum (a different experiment).
        await waitReplicasCurrent(servers, stream, 60_000);
        const leader = await streamLeader(servers, stream);
        const followers = cluster.nodes.map((n) => n.name).filter((name) => name !== leader);
        const node = fault.kind === 'leader' ? leader : followers[new SeededRng(seed + faultSpans.length).int(0, followers.length - 1)];
        fault.target = node;
        await killNode(cluster, node);
        await sleep(fault.downMs);
        await restartNode(cluster, node);
      }
      faultSpans.push({ what: `${fault.kind} ${fault.target}`, from, to: Date.now() });
      log(`  seed ${seed}: ${fault.kind} ${fault.target} at +${((from - startedAt) / 1000).toFixed(1)} s, back at +${((Date.now() - startedAt) / 1000).toFixed(1)} s (down ${fault.downMs} ms)`);
    }
    await sleep(2_000);

    // Members that failed closed on their own come back, so every slot is checked at the end.
    let failed = 0;
    for (const member of members) {
      if (member !== null && !member.alive && !member.killedByUs) {
        failed++;
        await start(member.slot);
      }
    }
    const live = members.filter((m): m is MemberProcess => m !== null);
    for (const member of live) member.send('stop');
    for (const member of live) await member.next('stopped');
    const tail = (await streamState(servers, stream)).lastSeq;
    for (const member of live) member.send(`sync ${tail}`);
    const ends = [];
    for (const member of live) ends.push(await member.next('end'));

    // The ground truth: the stream, read whole into a plain engine.
    const memberOf: string[] = [];
    const opOf: string[] = [];
    const idOf: string[] = [];
    const submits = new Map<string, number>();
    const truth = await replayVenue(servers, stream, MULTI, [], (record, command) => {
      memberOf[record.seq] = record.memberId;
      opOf[record.seq] = command.op;
      idOf[record.seq] = JSON.stringify((command as { id?: unknown }).id);
      const key = `${record.memberId}:${record.n}`;
      submits.set(key, (submits.get(key) ?? 0) + 1);
    });
    let duplicated = 0;
    for (const count of submits.values()) duplicated += count - 1;

    let acks = 0;
    let lost = 0;
    let stallMsMax = 0;
    let stallAt = '';
    const ackedSeqs = new Set<number>();
    const idsSeen = new Set<string>();
    for (const { slot, path } of journals) {
      const journal = readJournal(slot, path);
      if (journal.acks.length === 0) continue;
      // One member id per open: the one its first ack's record carries.
      const id = memberOf[journal.acks[0].seq];
      if (id === undefined || idsSeen.has(id)) lost += journal.acks.length;
      if (id !== undefined) idsSeen.add(id);
      for (let i = 0; i < journal.acks.length; i++) {
        const ack = journal.acks[i];
        acks++;
        if (ackedSeqs.has(ack.seq)) duplicated++;
        ackedSeqs.add(ack.seq);
        if (ack.seq > truth.lastSeq || memberOf[ack.seq] !== id || opOf[ack.seq] !== ack.op || idOf[ack.seq] !== ack.id) lost++;
        if (i > 0) {
          const gap = ack.at - journal.acks[i - 1].at;
          if (gap < STALL_NOTED_MS && gap <= stallMsMax) continue;
          const at = faultSpans.findLast((f) => f.from <= ack.at && journal.acks[i - 1].at <= f.to + FAULT_SLACK_MS)?.what ?? '';
          if (gap >= STALL_NOTED_MS) {
            log(`  seed ${seed}: m${slot} (${path.split('/').at(-1)}) no ack for ${Math.round(gap)} ms from +${((journal.acks[i - 1].at - startedAt) / 1000).toFixed(1)} s (${at || 'no fault'})`);
          }
          if (gap > stallMsMax) {
            stallMsMax = gap;
            stallAt = at;
          }
        }
      }
    }
    const diverged = ends.filter((end) => end.lastSeq !== truth.lastSeq || end.stateHash !== truth.endHash).length;
    clean = lost === 0 && duplicated === 0 && diverged === 0 && failed === 0;
    return {
      seed,
      faults: schedule,
      records: truth.lastSeq,
      acks,
      lost,
      duplicated,
      diverged,
      failed,
      stallMsMax,
      stallAt,
      seconds: (performance.now() - began) / 1000,
    };
  } finally {
    for (const member of members) if (member !== null) await member.kill();
    for (const node of cluster.nodes) await restartNode(cluster, node.name);
    if (clean) {
      await deleteStream(servers, stream);
      if (process.env['SOAK_KEEP'] === undefined) rmSync(root, { recursive: true, force: true });
    } else {
      // The evidence of a seed that lost, duplicated or diverged (or threw) is kept: the stream
      // itself, the members' journals and directories (and, by run.ts, the nodes' logs).
      keptEvidence = true;
      log(`  seed ${seed}: NOT CLEAN — kept stream ${stream} and ${root} for a closer look`);
    }
  }
}

/** Whether a seed of this process was not clean and left its evidence behind (run.ts keeps the node logs then). */
export let keptEvidence = false;

export async function runSoak(cluster: ClusterManifest, options: SoakOptions, log: (line: string) => void): Promise<SoakRow[]> {
  const rows: SoakRow[] = [];
  for (let seed = options.firstSeed; seed < options.firstSeed + options.seeds; seed++) {
    const row = await soakOne(cluster, seed, options, log);
    log(
      `seed ${seed}: ${row.faults.map((f) => `${f.kind} ${f.target}`).join(', ')}; ${row.records} records, ${row.acks} acks, ` +
        `lost ${row.lost}, duplicated ${row.duplicated}, diverged ${row.diverged}, failed ${row.failed}, ` +
        `stall max ${Math.round(row.stallMsMax)} ms (${row.stallAt || 'no fault'}), ${row.seconds.toFixed(0)} s`,
    );
    rows.push(row);
  }
  return rows;
}
