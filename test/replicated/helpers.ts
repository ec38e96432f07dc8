// Why this file exists: every JetStream test needs the cluster .ci/run started (found through
// MATCHLOG_NATS_CLUSTER; in CI its absence fails the file, locally it skips loudly), a stream of
// its own, records whose content says who wrote them and in which order (so a read-back can
// prove nothing was lost, duplicated or reordered), and a way to put every node back after a
// test killed some. The cluster chores themselves live in test/support/jetstream.ts (shared
// with bench/replicated); these bind them to the cluster the tests were given.

import { describe } from 'vitest';
import type { JetStreamManager } from '@nats-io/jetstream';
import { JetStreamLog, type JetStreamLogOptions } from '../../wal/index.js';
import { Engine } from '../../engine/index.js';
import { admitMessage, MemberOrder, MemberRecordDecoder } from '../../exchange/index.js';
import { MULTI } from '../exchange/fixtures/common.js';
import { findCluster, restartNode, type ClusterManifest } from '../support/nats-cluster.js';
import { deleteStream, streamLeader, waitReplicasCurrent, withManager } from '../support/jetstream.js';

const lookup = findCluster();
/** The running cluster, or null when running locally without one (tests skip). */
export const cluster: ClusterManifest | null = lookup.manifest;
export const describeCluster = cluster === null ? describe.skip : describe;

export function need_cluster(): ClusterManifest {
  if (cluster === null) throw new Error('no JetStream cluster');
  return cluster;
}

let streams = 0;
/** A stream name no other test (or earlier run) uses. */
export function stream_name(tag: string): string {
  return `T_${tag}_${process.pid}_${Date.now().toString(36)}_${streams++}`;
}

export async function open_log<T = Uint8Array>(
  stream: string,
  options: Partial<JetStreamLogOptions<T>> = {},
): Promise<JetStreamLog<T>> {
  return JetStreamLog.open<T>({ servers: need_cluster().servers, stream, ...options } as JetStreamLogOptions<T>);
}

/** Record `n` of writer `writer`: 16 bytes, content a function of both. */
export function record(writer: number, n: number): Uint8Array {
  const bytes = new Uint8Array(16);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, writer);
  view.setUint32(4, n);
  view.setFloat64(8, writer * 1_000_003 + n);
  return bytes;
}

export function parse_record(bytes: Uint8Array): { writer: number; n: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { writer: view.getUint32(0), n: view.getUint32(4) };
}

/** Run `fn` with a manager connection to the cluster. */
export function with_manager<R>(fn: (jsm: JetStreamManager) => Promise<R>): Promise<R> {
  return withManager(need_cluster().servers, fn);
}

/** server_name of the stream's Raft leader (waits through an election). */
export function stream_leader(stream: string, msMax = 20_000): Promise<string> {
  return streamLeader(need_cluster().servers, stream, msMax);
}

/** Wait until the stream has a leader and every replica is current (caught up). */
export function wait_replicas_current(stream: string, msMax = 30_000): Promise<void> {
  return waitReplicasCurrent(need_cluster().servers, stream, msMax);
}

export function delete_stream(stream: string): Promise<void> {
  return deleteStream(need_cluster().servers, stream);
}

/** Restart every node a test killed, so the next test starts with three. */
export async function all_nodes_up(): Promise<void> {
  const manifest = need_cluster();
  for (const node of manifest.nodes) await restartNode(manifest, node.name);
}

/**
 * Commands the member stream holds in its messages up to stream seq `streamSeq` (a message holds
 * a batch): the command seq at that stream position.
 */
export async function commands_through(stream: string, streamSeq: number): Promise<number> {
  const log = await open_log(stream);
  const decoder = new MemberRecordDecoder(new Engine({ instruments: MULTI }).instruments);
  const order = new MemberOrder();
  let commands = 0;
  try {
    for await (const { seq, command } of log.read(log.firstSeq)) {
      if (seq > streamSeq) break;
      commands += admitMessage(decoder, order, command, seq);
    }
  } finally {
    await log.close();
  }
  return commands;
}

/** Read the whole stream through a fresh log and return every record in order. */
export async function read_all(stream: string): Promise<{ seq: number; writer: number; n: number }[]> {
  const log = await open_log(stream);
  const out: { seq: number; writer: number; n: number }[] = [];
  try {
    for await (const { seq, command } of log.read(log.firstSeq)) out.push({ seq, ...parse_record(command) });
  } finally {
    await log.close();
  }
  return out;
}
