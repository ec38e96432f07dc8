// Why this file exists: it pins one behaviour: JetStream log options are validated once, before any connection, with an exact
// message per mistake (the wal/options.ts idiom); defaults are named and frozen.

import { describe, expect, it } from 'vitest';
import { JETSTREAM_LOG_DEFAULTS, JetStreamLog, WalOptionsError } from '../../wal/index.js';
import { resolve_jetstream_options } from '../../wal/jetstream-options.js';

const base = { servers: ['nats://127.0.0.1:4222'], stream: 'VENUE' };

describe('JetStream log options', () => {
  it('has named, frozen defaults', () => {
    expect(JETSTREAM_LOG_DEFAULTS).toEqual({
      replicas: 3,
      storage: 'file',
      writerId: '',
      inFlightMax: 512,
      queueRecordsMax: 65_536,
      ackTimeoutMs: 2_000,
      quorumWaitMsMax: 15_000,
      duplicateWindowMs: 120_000,
      recordBytesMax: 1_000_000,
      connectTimeoutMs: 10_000,
    });
    expect(Object.isFrozen(JETSTREAM_LOG_DEFAULTS)).toBe(true);
    const resolved = resolve_jetstream_options(base);
    expect({ ...resolved, codec: undefined }).toEqual({ ...JETSTREAM_LOG_DEFAULTS, ...base, codec: undefined });
  });

  const rejected: [string, unknown, string][] = [
    ['options', 'x', "jetstream options must be an object (got 'x')"],
    [
      'unknown',
      { ...base, replica: 3 },
      "unknown jetstream option 'replica' (known: servers, stream, codec, replicas, storage, writerId, inFlightMax, queueRecordsMax, ackTimeoutMs, quorumWaitMsMax, duplicateWindowMs, recordBytesMax, connectTimeoutMs)",
    ],
    ['servers', { ...base, servers: [] }, 'jetstream options.servers must be a non-empty array of URLs (got an array)'],
    ['servers', { ...base, servers: 'nats://x' }, "jetstream options.servers must be a non-empty array of URLs (got 'nats://x')"],
    ['stream', { ...base, stream: 'a.b' }, "jetstream options.stream must be 1–64 letters, digits, '-' or '_' (got 'a.b')"],
    ['storage', { ...base, storage: 'disk' }, "jetstream options.storage must be 'file' or 'memory' (got 'disk')"],
    ['writerId', { ...base, writerId: 'a b' }, "jetstream options.writerId must be 0–64 letters, digits, '-' or '_' (got 'a b')"],
    ['codec', { ...base, codec: { encode: () => 1 } }, 'jetstream options.codec must have encode and decode functions (got object)'],
    ['replicas', { ...base, replicas: 6 }, 'jetstream options.replicas must be an integer from 1 to 5 (got 6)'],
    ['inFlightMax', { ...base, inFlightMax: 0 }, 'jetstream options.inFlightMax must be an integer from 1 to 65536 (got 0)'],
    ['queueRecordsMax', { ...base, queueRecordsMax: 1.5 }, 'jetstream options.queueRecordsMax must be an integer from 1 to 16777216 (got 1.5)'],
    ['ackTimeoutMs', { ...base, ackTimeoutMs: 5 }, 'jetstream options.ackTimeoutMs must be an integer from 10 to 600000 (got 5)'],
    ['quorumWaitMsMax', { ...base, quorumWaitMsMax: '1s' }, "jetstream options.quorumWaitMsMax must be an integer from 10 to 3600000 (got '1s')"],
    ['duplicateWindowMs', { ...base, duplicateWindowMs: 10 }, 'jetstream options.duplicateWindowMs must be an integer from 1000 to 86400000 (got 10)'],
    ['recordBytesMax', { ...base, recordBytesMax: 0 }, 'jetstream options.recordBytesMax must be an integer from 1 to 67108864 (got 0)'],
    ['connectTimeoutMs', { ...base, connectTimeoutMs: null }, 'jetstream options.connectTimeoutMs must be an integer from 10 to 600000 (got null)'],
    [
      'ackTimeoutMs > quorumWaitMsMax',
      { ...base, ackTimeoutMs: 5_000, quorumWaitMsMax: 1_000 },
      'jetstream options.ackTimeoutMs (5000) must not exceed options.quorumWaitMsMax (1000)',
    ],
    [
      'duplicateWindowMs <= quorumWaitMsMax',
      { ...base, duplicateWindowMs: 15_000 },
      'jetstream options.duplicateWindowMs (15000) must exceed options.quorumWaitMsMax (15000), or a late retry could be stored twice',
    ],
  ];
  for (const [name, options, message] of rejected) {
    it(`rejects a bad ${name}: ${message}`, async () => {
      await expect(JetStreamLog.open(options as never)).rejects.toThrow(new WalOptionsError(message));
    });
  }
});
