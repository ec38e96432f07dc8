// Why this file exists: the backup thread's inbox is bounded: while its replica is BACKUP_BEHIND_SEQS_MAX records
// behind the log, admission waits for it (onFull 'wait') or refuses with QUEUE_FULL ('reject'),
// instead of queueing records for it without limit; its progress reports admit what waits.
// The replica is held back here by freezing the progress the host sees, with a small limit.

import { afterEach, describe, expect, it } from 'vitest';
import type { Exchange, ExchangeCommand } from '../../index.js';
import { ACME, Scope, eventually } from './fixtures/common.js';

function order(i: number): ExchangeCommand {
  const side = i % 2 === 0 ? 'buy' : 'sell';
  return { op: 'new', id: i, account: `acct${i % 4}`, symbol: 'ACME', side, type: 'limit', price: side === 'buy' ? 99 : 101, qty: 3 };
}

interface Held {
  release(): void;
}

/**
 * Limits the backup to `behind` records and holds back what its thread reports (as a slow
 * replica would): `release` delivers the held reports, as its catching up would.
 */
function holdBackup(ex: Exchange, behind: number): Held {
  type Reply = { type: string };
  const checkpointer = (ex as unknown as { checkpointer: { behindMax: number; host: { onReply(reply: Reply): void } } }).checkpointer;
  checkpointer.behindMax = behind;
  const host = checkpointer.host;
  const deliver = host.onReply.bind(host);
  const held: Reply[] = [];
  let holding = true;
  host.onReply = (reply) => {
    // Only what says how far the replica got: failures and the deferred checks' result pass.
    if (holding && (reply.type === 'progress' || reply.type === 'checkpoint')) held.push(reply);
    else deliver(reply);
  };
  return {
    release: () => {
      holding = false;
      for (const reply of held.splice(0)) deliver(reply);
    },
  };
}

describe('backup flow control', () => {
  const scope = new Scope();
  afterEach(() => scope.dispose());

  it("onFull 'wait': admission waits while the replica is too far behind, and resumes on its progress", async () => {
    const ex = await scope.open({ dir: scope.dir(), instruments: [ACME] });
    const held = holdBackup(ex, 50);
    const first = await Promise.all(Array.from({ length: 60 }, (_, i) => ex.submit(order(i))));
    expect(first.map((r) => r.seq)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    // 60 records queued for a replica that (as far as the host knows) applied none: full.
    const later = Array.from({ length: 20 }, (_, i) => ex.submit(order(60 + i)));
    expect(ex.stats().waiting).toBe(20);
    held.release();
    // The replica's next progress report admits them.
    const results = await Promise.all(later);
    expect(results.map((r) => r.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 61));
    expect(await eventually(() => ex.stats().waiting === 0, 5_000)).toBe(true);
  });

  it("onFull 'reject': submits past the limit get QUEUE_FULL and are not logged", async () => {
    const ex = await scope.open({ dir: scope.dir(), instruments: [ACME], onFull: 'reject' });
    holdBackup(ex, 50);
    await Promise.all(Array.from({ length: 60 }, (_, i) => ex.submit(order(i))));
    const refused = await ex.submit(order(60));
    expect(refused).toEqual({ seq: null, time: null, events: [{ type: 'rejected', op: 'new', id: 60, reason: 'QUEUE_FULL' }] });
    expect(ex.lastSeq).toBe(60);
  });
});
