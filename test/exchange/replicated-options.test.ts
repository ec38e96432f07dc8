// Why this file exists: it pins one behaviour: Exchange.open with `replication` routes to a venue member, and its options are
// checked before anything connects or touches a directory, one exact message per mistake.

import { describe, expect, it } from 'vitest';
import { Exchange, ExchangeOptionsError } from '../../index.js';
import { ACME } from './fixtures/common.js';

const replication = { servers: ['nats://127.0.0.1:1'], stream: 'VENUE' };

describe('replicated exchange options', () => {
  const rejected: [string, unknown, string][] = [
    ['a local-only option', { instruments: [ACME], replication, durability: 'sync' }, "option 'durability' does not apply to a replicated exchange (known: dir, instruments, ordersMax, replication, pendingMax, eventsBacklogMax, checkpointEveryCommands, checkpointsKept)"],
    ['replication not an object', { instruments: [ACME], replication: 'nats://x' }, 'replication must be an object'],
    ['an unknown replication key', { instruments: [ACME], replication: { ...replication, replica: 3 } }, "unknown replication option 'replica' (known: servers, stream, replicas, member, batchCommandsMax, log)"],
    ['no instruments', { replication }, 'instruments are required for a replicated exchange'],
    ['an empty dir', { dir: '', instruments: [ACME], replication }, 'dir must be a non-empty string'],
    ['pendingMax', { instruments: [ACME], replication, pendingMax: 0 }, 'pendingMax must be a positive integer (got 0)'],
    ['eventsBacklogMax', { instruments: [ACME], replication, eventsBacklogMax: 1.5 }, 'eventsBacklogMax must be a positive integer (got 1.5)'],
    ['checkpointEveryCommands', { instruments: [ACME], replication, checkpointEveryCommands: -1 }, 'checkpointEveryCommands must be a positive integer (got -1)'],
    ['checkpointsKept', { instruments: [ACME], replication, checkpointsKept: 'two' }, 'checkpointsKept must be a positive integer (got two)'],
    ['batchCommandsMax', { instruments: [ACME], replication: { ...replication, batchCommandsMax: 0 } }, 'replication.batchCommandsMax must be an integer from 1 to 65536 (got 0)'],
  ];
  for (const [name, options, message] of rejected) {
    it(`rejects ${name}: ${message}`, async () => {
      await expect(Exchange.open(options as never)).rejects.toThrow(new ExchangeOptionsError(message));
    });
  }

  it('passes the log options through to the JetStream log, which checks them', async () => {
    await expect(
      Exchange.open({ instruments: [ACME], replication: { ...replication, log: { inFlightMax: 0 } } }),
    ).rejects.toThrow('jetstream options.inFlightMax must be an integer from 1 to 65536 (got 0)');
  });
});
