// Why this file exists: the body of a matching worker thread (run by piscina, one thread per
// shard). It owns its shard's books outright — only this thread touches them, so no locks — and
// answers batches of commands with the events of each command.

import { Engine } from '../engine.js';
import { ParsedCommand } from '../validate.js';
import type { OrderId } from '../types.js';
import { CommandReader } from './command-codec.js';
import { EventEncoder } from './event-codec.js';
import type { BatchResult, InitResult, ShardTask } from './protocol.js';

let engine: Engine | null = null;
let encoder: EventEncoder | null = null;
const parsed = new ParsedCommand();
/** Changes on every init, so the host notices a worker that piscina silently replaced. */
let instanceId = 0;

function requireEngine(): Engine {
  if (engine === null) throw new Error('matching worker: batch before init (the worker was restarted?)');
  return engine;
}

export default function handle(task: ShardTask): InitResult | BatchResult {
  switch (task.type) {
    case 'init': {
      engine = task.snapshot === null ? new Engine(task.options) : Engine.restore(task.snapshot, { verify: false });
      engine.retainInstruments(new Set(task.owned));
      encoder = new EventEncoder(engine.instrumentIndex);
      instanceId = (instanceId + 1) | 0 || 1;
      return { instanceId, liveOrders: engine.liveOrders };
    }
    case 'batch': {
      const t0 = performance.now();
      const e = requireEngine();
      const sink = encoder!;
      const reader = new CommandReader(task.commands, e.options.instruments);
      const count = reader.count;
      const live = new Uint8Array(count);
      sink.reset();
      for (let i = 0; i < count; i++) {
        reader.next(parsed);
        // Admin commands (add_instrument, halt, resume) have no id: never live.
        const id = parsed.id;
        sink.begin(id, parsed.account);
        e.executeParsed(parsed, sink);
        // Rejects are rare: their detail is read from the state here, not from a replica elsewhere.
        if (sink.rejectAt >= 0) {
          const detail = e.rejectDetailOf(sink.rejectReason!, id as OrderId | null, parsed);
          if (detail !== undefined) sink.rejectDetail(detail.symbol, detail.originalSeq);
        }
        live[i] = id !== null && e.isLive(id) ? 1 : 0;
      }
      const nums = sink.take();
      return { instanceId, nums, refs: sink.refs, live, liveOrders: e.liveOrders, workMs: performance.now() - t0 };
    }
  }
}
