// Why this file exists: the JetStream log's limits are explicit numbers checked once at open, in the same
// idiom as options.ts: unknown keys are refused, every message says what it got. The bounds
// that matter for correctness are related and checked together: an append retries for at
// most quorumWaitMsMax (longer than a Raft election, ~5–6 s measured here) and the stream's
// duplicate window must be longer still, or a late retry would not be recognised as a
// duplicate and the record would be stored twice.

import type { RecordCodec } from './types.js';
import { WalOptionsError } from './errors.js';

export interface JetStreamLogOptions<T = Uint8Array> {
  /** nats:// URLs of the cluster's servers; the client fails over between them. Required. */
  servers: readonly string[];
  /** Stream name (created if missing; letters, digits, '-' and '_'). Required. */
  stream: string;
  /** Replicas of a stream this log creates (Raft group size). An existing stream keeps its own. */
  replicas?: number;
  /** 'file' (default) or 'memory' storage for a stream this log creates. */
  storage?: 'file' | 'memory';
  /** Prefix of this writer's message ids; a fresh random id per open when empty. */
  writerId?: string;
  /** Publishes awaiting their ack at most (the pipeline depth). */
  inFlightMax?: number;
  /** Appends waiting behind the in-flight ones at most; one more throws WalOverloadError. */
  queueRecordsMax?: number;
  /** One publish attempt waits this long for its ack before it is retried (same message id). */
  ackTimeoutMs?: number;
  /** An append that has no ack after this long fails with WalQuorumError; the log fails closed. */
  quorumWaitMsMax?: number;
  /** The stream's de-duplication window for a stream this log creates. */
  duplicateWindowMs?: number;
  /** Bytes of one encoded record at most (the servers' max_payload is 1 MiB by default). */
  recordBytesMax?: number;
  /** Connecting to the cluster fails after this long. */
  connectTimeoutMs?: number;
  /** Record encoding; the default passes Uint8Array through unchanged. */
  codec?: RecordCodec<T>;
}

export interface JetStreamLogResolvedOptions<T> {
  readonly servers: readonly string[];
  readonly stream: string;
  readonly replicas: number;
  readonly storage: 'file' | 'memory';
  readonly writerId: string;
  readonly inFlightMax: number;
  readonly queueRecordsMax: number;
  readonly ackTimeoutMs: number;
  readonly quorumWaitMsMax: number;
  readonly duplicateWindowMs: number;
  readonly recordBytesMax: number;
  readonly connectTimeoutMs: number;
  readonly codec: RecordCodec<T>;
}

export const BYTES_CODEC: RecordCodec<Uint8Array> = Object.freeze({
  encode: (value: Uint8Array): Uint8Array => value,
  decode: (bytes: Uint8Array): Uint8Array => bytes,
});

export const JETSTREAM_LOG_DEFAULTS = Object.freeze({
  replicas: 3,
  storage: 'file' as const,
  writerId: '',
  inFlightMax: 512,
  queueRecordsMax: 65_536,
  ackTimeoutMs: 2_000,
  quorumWaitMsMax: 15_000,
  duplicateWindowMs: 120_000,
  recordBytesMax: 1_000_000,
  connectTimeoutMs: 10_000,
});

/** Bounds of every numeric option, inclusive. */
export const JETSTREAM_LOG_LIMITS = Object.freeze({
  replicas: { min: 1, max: 5 },
  inFlightMax: { min: 1, max: 65_536 },
  queueRecordsMax: { min: 1, max: 16 * 1024 * 1024 },
  ackTimeoutMs: { min: 10, max: 600_000 },
  quorumWaitMsMax: { min: 10, max: 3_600_000 },
  duplicateWindowMs: { min: 1_000, max: 86_400_000 },
  recordBytesMax: { min: 1, max: 64 * 1024 * 1024 },
  connectTimeoutMs: { min: 10, max: 600_000 },
});

const OPTION_NAMES = ['servers', 'stream', 'codec', ...Object.keys(JETSTREAM_LOG_DEFAULTS)];
const STREAM_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const WRITER_ID = /^[A-Za-z0-9_-]{0,64}$/;

function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}

type Limited = keyof typeof JETSTREAM_LOG_LIMITS;

/** Fill defaults and validate; throws WalOptionsError with an exact message. */
export function resolve_jetstream_options<T>(options: unknown): JetStreamLogResolvedOptions<T> {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new WalOptionsError(`jetstream options must be an object (got ${describe(options)})`);
  }
  const given = options as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!OPTION_NAMES.includes(key)) {
      throw new WalOptionsError(`unknown jetstream option '${key}' (known: ${OPTION_NAMES.join(', ')})`);
    }
  }
  const integer = (name: Limited): number => {
    const value = given[name] === undefined ? JETSTREAM_LOG_DEFAULTS[name] : given[name];
    const { min, max } = JETSTREAM_LOG_LIMITS[name];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw new WalOptionsError(`jetstream options.${name} must be an integer from ${min} to ${max} (got ${describe(value)})`);
    }
    return value;
  };

  const servers = given['servers'];
  if (
    !Array.isArray(servers) ||
    servers.length === 0 ||
    !servers.every((server) => typeof server === 'string' && server.length > 0)
  ) {
    throw new WalOptionsError(`jetstream options.servers must be a non-empty array of URLs (got ${describe(servers)})`);
  }
  const stream = given['stream'];
  if (typeof stream !== 'string' || !STREAM_NAME.test(stream)) {
    throw new WalOptionsError(
      `jetstream options.stream must be 1–64 letters, digits, '-' or '_' (got ${describe(stream)})`,
    );
  }
  const storage = given['storage'] ?? JETSTREAM_LOG_DEFAULTS.storage;
  if (storage !== 'file' && storage !== 'memory') {
    throw new WalOptionsError(`jetstream options.storage must be 'file' or 'memory' (got ${describe(storage)})`);
  }
  const writerId = given['writerId'] ?? JETSTREAM_LOG_DEFAULTS.writerId;
  if (typeof writerId !== 'string' || !WRITER_ID.test(writerId)) {
    throw new WalOptionsError(
      `jetstream options.writerId must be 0–64 letters, digits, '-' or '_' (got ${describe(writerId)})`,
    );
  }
  const codec = given['codec'] ?? BYTES_CODEC;
  if (
    typeof codec !== 'object' ||
    codec === null ||
    typeof (codec as RecordCodec<T>).encode !== 'function' ||
    typeof (codec as RecordCodec<T>).decode !== 'function'
  ) {
    throw new WalOptionsError(`jetstream options.codec must have encode and decode functions (got ${describe(codec)})`);
  }
  const resolved: JetStreamLogResolvedOptions<T> = {
    servers: Object.freeze([...(servers as string[])]),
    stream,
    replicas: integer('replicas'),
    storage,
    writerId,
    inFlightMax: integer('inFlightMax'),
    queueRecordsMax: integer('queueRecordsMax'),
    ackTimeoutMs: integer('ackTimeoutMs'),
    quorumWaitMsMax: integer('quorumWaitMsMax'),
    duplicateWindowMs: integer('duplicateWindowMs'),
    recordBytesMax: integer('recordBytesMax'),
    connectTimeoutMs: integer('connectTimeoutMs'),
    codec: codec as RecordCodec<T>,
  };
  if (resolved.ackTimeoutMs > resolved.quorumWaitMsMax) {
    throw new WalOptionsError(
      `jetstream options.ackTimeoutMs (${resolved.ackTimeoutMs}) must not exceed options.quorumWaitMsMax (${resolved.quorumWaitMsMax})`,
    );
  }
  if (resolved.duplicateWindowMs <= resolved.quorumWaitMsMax) {
    throw new WalOptionsError(
      `jetstream options.duplicateWindowMs (${resolved.duplicateWindowMs}) must exceed options.quorumWaitMsMax ` +
        `(${resolved.quorumWaitMsMax}), or a late retry could be stored twice`,
    );
  }
  return resolved;
}
