// Why this file exists: a venue's stream is trimmed behind the checkpoints its members confirm,
// so a brand-new member (an empty directory, or a replacement machine) cannot rebuild the books
// by replaying from seq 1. Members therefore also publish each checkpoint they confirm to a
// JetStream object store beside the stream (`<stream>_CHECKPOINTS`, replicated like it), before
// they confirm it: the newest published checkpoint is then never older than the stream's head,
// and a joining member loads it and replays only the records after it. The bytes are the
// checkpoint file exactly as the member wrote it (its own CRC and state hash travel with it; the
// object store adds a SHA-256 digest of its own); this file knows nothing of their format.

import { Objm, StorageType as ObjStorageType, type ObjectStore } from '@nats-io/obj';
import type { NatsConnection } from '@nats-io/transport-node';

/** Published checkpoints kept per venue; older ones are deleted after a newer one is stored. */
export const PUBLISHED_CHECKPOINTS_KEPT = 2;
const PREFIX = 'checkpoint-';
/** Seq in the object name, zero-padded so names sort by seq. */
const SEQ_DIGITS = 16;

export interface PublishedCheckpoint {
  seq: number;
  bytes: Uint8Array;
}

export interface JetStreamCheckpointsOptions {
  stream: string;
  replicas: number;
  storage: 'file' | 'memory';
}

export class JetStreamCheckpoints {
  private store: Promise<ObjectStore> | null = null;

  constructor(
    private readonly nc: NatsConnection,
    private readonly options: JetStreamCheckpointsOptions,
  ) {}

  /** The object store's name (a bucket; JetStream names its stream `OBJ_<bucket>`). */
  get bucket(): string {
    return `${this.options.stream}_CHECKPOINTS`;
  }

  private open(): Promise<ObjectStore> {
    this.store ??= new Objm(this.nc)
      .create(this.bucket, {
        replicas: this.options.replicas,
        storage: this.options.storage === 'file' ? ObjStorageType.File : ObjStorageType.Memory,
        description: `matchlog: checkpoints published by the members of stream ${this.options.stream}`,
      })
      .catch((error: unknown) => {
        this.store = null;
        throw error;
      });
    return this.store;
  }

  /** Stores the checkpoint at `seq`, then deletes all but the newest PUBLISHED_CHECKPOINTS_KEPT. */
  async put(seq: number, bytes: Uint8Array): Promise<void> {
    const store = await this.open();
    await store.putBlob({ name: nameOf(seq) }, bytes);
    const seqs = await this.seqs(store);
    for (const old of seqs.slice(PUBLISHED_CHECKPOINTS_KEPT)) await store.delete(nameOf(old));
  }

  /** Seqs of the published checkpoints, newest first. */
  async list(): Promise<number[]> {
    return this.seqs(await this.open());
  }

  /** The newest published checkpoint's bytes, or null when none was published. */
  async newest(): Promise<PublishedCheckpoint | null> {
    const store = await this.open();
    for (const seq of await this.seqs(store)) {
      const bytes = await store.getBlob(nameOf(seq));
      // Deleted between the listing and the read (another member published a newer one): next.
      if (bytes !== null) return { seq, bytes };
    }
    return null;
  }

  private async seqs(store: ObjectStore): Promise<number[]> {
    const infos = await store.list();
    return infos
      .filter((info) => info.deleted !== true && info.name.startsWith(PREFIX))
      .map((info) => Number(info.name.slice(PREFIX.length)))
      .filter((seq) => Number.isSafeInteger(seq) && seq > 0)
      .sort((a, b) => b - a);
  }
}

function nameOf(seq: number): string {
  return `${PREFIX}${String(seq).padStart(SEQ_DIGITS, '0')}`;
}
