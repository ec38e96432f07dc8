// Behaviour: the report's primary-primary pair on JetStream. Two members in child processes
// submit their own load at the same time to one stream; each applies every command (its own and
// the other's) in stream order. Both reach the same state hash at the same seq, every
// acknowledged seq is distinct and held by the stream, and a fresh member that joins afterwards
// by replaying converges to the same hash, as does a plain engine fed the stream's records.

import { spawn } from 'node:child_process';
import { afterAll, expect, it } from 'vitest';
import { Engine, JetStreamLog, ReplicatedExchange, type MemberRecord } from '../../index.js';
import { MULTI } from '../exchange/fixtures/common.js';
import { delete_stream, describeCluster, need_cluster, stream_name } from './helpers.js';
import { pack, unpack } from 'msgpackr';

const PER_MEMBER = 1_500;
const stream = stream_name('members');
afterAll(() => delete_stream(stream));

interface ChildReport {
  acked: number[];
  lastSeq: number;
  stateHash: string | null;
}

function runMember(seed: number, total: number): Promise<ChildReport> {
  const servers = need_cluster().servers.join(',');
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/replicated/fixtures/member-child.ts', servers, stream, String(seed), String(PER_MEMBER), String(total), '64'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const last = out.trim().split('\n').at(-1) ?? '';
      if (code !== 0) reject(new Error(`member ${seed} exited ${code}: ${err.slice(-2000)}`));
      else resolve(JSON.parse(last) as ChildReport);
    });
  });
}

describeCluster('replicated members (primary-primary on JetStream)', () => {
  it('two members in child processes reach the same state hash; a fresh member converges', async () => {
    const total = 2 * PER_MEMBER;
    const [a, b] = await Promise.all([runMember(11, total), runMember(22, total)]);
    expect(a.lastSeq).toBe(total);
    expect(b.lastSeq).toBe(total);
    expect(a.stateHash).not.toBeNull();
    expect(a.stateHash).toBe(b.stateHash);
    const seqs = [...a.acked, ...b.acked].sort((x, y) => x - y);
    expect(seqs).toEqual(Array.from({ length: total }, (_, i) => i + 1));

    // A plain engine fed the stream's records in order: the same state.
    const log = await JetStreamLog.open<MemberRecord>({
      servers: need_cluster().servers,
      stream,
      codec: { encode: (r) => pack(r), decode: (bytes) => unpack(bytes) as MemberRecord },
    });
    const engine = new Engine({ instruments: MULTI });
    for await (const { command } of log.read(1)) engine.apply(command.c);
    await log.close();
    expect(engine.stateHash()).toBe(a.stateHash);

    // A brand-new member joins by replaying and holds the same books.
    const fresh = await ReplicatedExchange.open({ instruments: MULTI, replication: { servers: [...need_cluster().servers], stream } });
    expect(fresh.lastSeq).toBe(total);
    expect(fresh.stateHash()).toBe(a.stateHash);
    await fresh.close();
  });
});
