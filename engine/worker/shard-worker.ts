// Why this file exists: the body of a matching worker thread (run by piscina, one thread per
// shard). It owns its shard's books outright — only this thread touches them, so no locks — and
// answers batches of commands with the events of each command.

import { Engine } from '../engine.js';
import type { Packr } from 'msgpackr';
import { EventEncoder } from './event-codec.js';
import {
  createChannel,
  type BatchResult,
  type DigestsResult,
  type InitResult,
  type ShardTask,
  type SnapshotResult,
} from './protocol.js';

let engine: Engine | null = null;
let commandChannel: Packr = createChannel();
let encoder: EventEncoder | null = null;
/** Changes on every init, so the host notices a worker that piscina silently replaced. */
let instanceId = 0;

function requireEngine(): Engine {
  if (engine === null) throw new Error('matching worker: batch before init (the worker was restarted?)');
  return engine;
}

export default function handle(task: ShardTask): InitResult | BatchResult | DigestsResult | SnapshotResult {
  switch (task.type) {
    case 'init': {
      engine = task.snapshot === null ? new Engine(task.options) : Engine.restore(task.snapshot, { verify: false });
      instanceId = (instanceId + 1) | 0 || 1;
      commandChannel = createChannel();
      encoder = new EventEncoder(engine.instrumentIndex);
      return { instanceId, liveOrders: engine.liveOrders };
    }
    case 'batch': {
      const t0 = performance.now();
      const e = requireEngine();
      const sink = encoder!;
      const commands = commandChannel.unpack(task.commands) as Array<{ id: unknown }>;
      const live = new Uint8Array(commands.length);
      sink.reset();
      for (let i = 0; i < commands.length; i++) {
        const command = commands[i];
        const id = command.id;
        sink.begin(id);
        e.execute(command, sink);
        live[i] = (typeof id === 'string' || typeof id === 'number') && e.isLive(id) ? 1 : 0;
      }
      const nums = sink.take();
      return { instanceId, nums, refs: sink.refs, live, liveOrders: e.liveOrders, workMs: performance.now() - t0 };
    }
    case 'digests':
      return { instanceId, digests: requireEngine().instrumentDigests() };
    case 'snapshot':
      return { instanceId, snapshot: requireEngine().snapshot() };
  }
}
