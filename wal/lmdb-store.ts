// Why this file exists: everything that knows about LMDB lives here, behind a few small methods, so the
// group commit and the reader reason only about segments and chunks.
//
// Layout of the environment (one directory, one data.mdb):
//   named db "meta"             small records with their own checksum envelope:
//                                 "structures" msgpackr shared structures (JSON),
//                                 "reclaimed"  highest seq handed to reclaim(),
//                                 "format"     log format: 1 msgpack records (absent in
//                                              logs written before formats were named), 2 bytes.
//   named db "seg.<16 hex>"     one segment: the records from the seq in its name up to
//                                 (not including) the next segment's first seq. Keys are
//                                 8-byte big-endian seqs of the first frame of a chunk,
//                                 values are chunks of frames (frame.ts).
// Reclaim drops whole segments: mdb_drop frees their pages in one short transaction and
// LMDB reuses the pages, so the file stops growing once reclaim keeps up.

import { open, type Database, type RootDatabase } from 'lmdb';
import { closeSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { crc32c } from './crc32c.js';
import { WalCorruptionError, WalError, WalFullError, WalIoError } from './errors.js';
import { check_chunk, key_seq, seq_key } from './frame.js';
import { checkLmdbFile, createLmdbDirOutOfProcess, lmdbSafeRestoreDefault, lmdbTxnState, lmdbTxnStateBytes, type LmdbTxnState } from './lmdb-preopen.js';

export const SEGMENT_PREFIX = 'seg.';
export const META_DB_NAME = 'meta';
export const META_STRUCTURES = 'structures';
export const META_RECLAIMED = 'reclaimed';
export const META_FORMAT = 'format';
const META_VERSION = 1;
/** Named databases besides the segments: meta, plus headroom for a segment being created. */
const EXTRA_DBS = 4;
/** LMDB leaf-entry overhead of one chunk, bytes (node header + 8-byte key), rounded up. */
const CHUNK_ENTRY_BYTES = 32;

export function segment_name(first_seq: number): string {
  return SEGMENT_PREFIX + first_seq.toString(16).padStart(16, '0');
}

export interface Segment {
  readonly first_seq: number;
  readonly name: string;
  readonly db: Database<Buffer, Uint8Array>;
  /** Estimated bytes of LMDB pages this segment holds (for the capacity check). */
  bytes: number;
}

export interface StoreTail {
  /** Highest seq stored (0 when no record is stored). */
  last_seq: number;
}

/** Encode a meta value: [crc32c u32 BE][version u8][utf-8 JSON]. */
function encode_meta(value: unknown): Buffer {
  const json = Buffer.from(JSON.stringify(value), 'utf8');
  const out = Buffer.allocUnsafe(5 + json.length);
  out[4] = META_VERSION;
  json.copy(out, 5);
  out.writeUInt32BE(crc32c(out, 4, out.length), 0);
  return out;
}

export class LmdbStore {
  readonly path: string;
  /** The data file, named in corruption messages. */
  readonly file: string;
  readonly page_bytes: number;
  private readonly root: RootDatabase<Buffer, string>;
  private readonly meta: Database<Buffer, string>;
  /** Live segments ordered by first_seq. */
  readonly segments: Segment[] = [];
  /** Sum of the live segments' `bytes`, kept current by add_bytes and drop_segment. */
  private used_bytes_total = 0;

  private constructor(path: string, map_bytes: number, segments_max: number, meta_sync: boolean, safeRestore: boolean) {
    this.path = path;
    this.file = join(path, 'data.mdb');
    // overlappingSync (lmdb-js default off Windows) keeps the integrity of the file across
    // power loss while letting the flush run after the commit; `sync` mode waits for it.
    // safeRestore stays lmdb-js's default (off unless LMDB_RESTORE=safe): on the boot that wrote
    // it, an unflushed meta page is trusted (after a kill -9 the page cache holds every page it
    // names); after a power loss the boot id differs and LMDB falls back to the flushed one.
    // Turning it on for `sync` logs was measured and rejected: lmdb-js ignores a failed write of
    // the flushed meta (mdb.c, mdb_txn_commit) and reports the commit flushed, so an EIO there
    // acknowledged records that a safeRestore reopen then rolled back (storage-faults.test.ts,
    // seed 2: reopened at 32 below the acknowledged 48). Passed explicitly so that the pre-open
    // check (lmdb-preopen.ts) models the very flag LMDB gets.
    // `safeRestore` is honoured by lmdb-js (open.js: MDB_SAFE_RESTORE) but missing from its typings.
    const options: Parameters<typeof open<Buffer, string>>[0] & { safeRestore: boolean } = {
      path,
      mapSize: map_bytes,
      maxDbs: segments_max + EXTRA_DBS,
      encoding: 'binary',
      overlappingSync: true,
      noMetaSync: !meta_sync,
      safeRestore,
    };
    this.root = open<Buffer, string>(options);
    this.root.on('aftercommit', (event: { txnId?: unknown }) => {
      if (typeof event?.txnId === 'number' && event.txnId > this.committed_txn_) this.committed_txn_ = event.txnId;
    });
    this.meta = this.root.openDB<Buffer, string>({ name: META_DB_NAME, encoding: 'binary' });
    const stats = this.root.getStats() as { pageSize?: number };
    this.page_bytes = typeof stats.pageSize === 'number' ? stats.pageSize : 4096;
    this.load_segments(segments_max);
  }

  /**
   * `meta_sync` false (the `async` mode) skips the second synchronous write of each
   * commit: data pages are still flushed, the meta page that marks them flushed reaches
   * the disk with the next flush. A power loss can then undo the last transaction, never
   * corrupt the file; a killed process loses nothing (the OS has every write).
   */
  static open(path: string, map_bytes: number, segments_max: number, meta_sync: boolean): LmdbStore {
    // Before LMDB maps it: a file the meta it will use does not describe is refused, not a signal.
    const safeRestore = lmdbSafeRestoreDefault();
    checkLmdbFile(path, { safeRestore });
    createLmdbDirOutOfProcess(path, segments_max + EXTRA_DBS);
    try {
      return new LmdbStore(path, map_bytes, segments_max, meta_sync, safeRestore);
    } catch (error) {
      throw to_wal_error(error, `opening the WAL at ${path}`);
    }
  }

  private load_segments(segments_max: number): void {
    const names: string[] = [];
    for (const key of this.root.getKeys()) {
      if (typeof key === 'string' && key.startsWith(SEGMENT_PREFIX)) names.push(key);
    }
    names.sort();
    if (names.length > segments_max + EXTRA_DBS - 1) {
      throw new WalFullError(
        `the WAL at ${this.path} holds ${names.length} segments, more than segmentsMax ${segments_max} allows; reopen with a larger segmentsMax`,
      );
    }
    for (const name of names) {
      const first_seq = Number.parseInt(name.slice(SEGMENT_PREFIX.length), 16);
      if (!Number.isSafeInteger(first_seq) || first_seq < 1 || segment_name(first_seq) !== name) {
        throw new WalCorruptionError(0, this.file, `unexpected segment database name '${name}'`);
      }
      // `create: false` is honoured by lmdb-js but missing from its typings.
      const existing: { name: string; encoding: 'binary'; keyEncoding: 'binary'; create: boolean } = {
        name,
        encoding: 'binary',
        keyEncoding: 'binary',
        create: false,
      };
      const db = this.root.openDB<Buffer, Uint8Array>(existing);
      const segment: Segment = { first_seq, name, db, bytes: 0 };
      segment.bytes = this.measure_segment_bytes(segment);
      this.used_bytes_total += segment.bytes;
      this.segments.push(segment);
    }
  }

  /** Exact pages held by a segment's B-tree (from LMDB's own statistics). */
  measure_segment_bytes(segment: Segment): number {
    const s = segment.db.getStats() as {
      treeBranchPageCount?: number;
      treeLeafPageCount?: number;
      overflowPages?: number;
    };
    const pages = (s.treeBranchPageCount ?? 0) + (s.treeLeafPageCount ?? 0) + (s.overflowPages ?? 0);
    return pages * this.page_bytes;
  }

  /** Estimated bytes of pages one chunk of `bytes` will occupy. */
  chunk_cost_bytes(bytes: number): number {
    // Values over about half a page go to overflow pages (page header 16 bytes).
    if (bytes > this.page_bytes / 2 - CHUNK_ENTRY_BYTES) {
      return Math.ceil((bytes + 16) / this.page_bytes) * this.page_bytes + CHUNK_ENTRY_BYTES;
    }
    return bytes + CHUNK_ENTRY_BYTES;
  }

  /** Estimated bytes of pages held by the live segments. */
  used_bytes(): number {
    return this.used_bytes_total;
  }

  /** Account `bytes` more pages to a segment (after a commit). */
  add_bytes(segment: Segment, bytes: number): void {
    segment.bytes += bytes;
    this.used_bytes_total += bytes;
  }

  read_meta(key: string): unknown {
    const value = this.meta.getBinary(key);
    if (value === undefined) return undefined;
    if (value.length < 5 || value[4] !== META_VERSION || value.readUInt32BE(0) !== crc32c(value, 4, value.length)) {
      throw new WalCorruptionError(0, this.file, `meta record '${key}' fails its checksum or version`);
    }
    return JSON.parse(value.toString('utf8', 5)) as unknown;
  }

  /** Queue a meta write into the current event turn's transaction. */
  put_meta(key: string, value: unknown): Promise<boolean> {
    return handled(this.meta.put(key, encode_meta(value)));
  }

  /**
   * The highest stored seq, from the last chunk of the last non-empty segment. The
   * chunk's frames are checked, so a corrupt tail is reported at open.
   */
  find_tail(): StoreTail {
    for (let i = this.segments.length - 1; i >= 0; i--) {
      const segment = this.segments[i];
      let last: { key: Uint8Array; value: Buffer } | undefined;
      for (const entry of segment.db.getRange({ reverse: true, limit: 1 })) last = entry;
      if (last === undefined) continue;
      const chunk_seq = key_seq(last.key);
      if (chunk_seq < segment.first_seq) {
        throw new WalCorruptionError(segment.first_seq, this.file, `chunk key ${chunk_seq} below its segment ${segment.name}`);
      }
      const records = check_chunk(last.value, chunk_seq, this.file, []);
      return { last_seq: chunk_seq + records - 1 };
    }
    return { last_seq: 0 };
  }

  /** Remove segments that hold no chunk (left by a crash between creation and first commit). */
  drop_empty_segments(): void {
    for (let i = this.segments.length - 1; i >= 0; i--) {
      const segment = this.segments[i];
      let empty = true;
      for (const _ of segment.db.getKeys({ limit: 1 })) empty = false;
      if (empty) {
        this.used_bytes_total -= segment.bytes;
        segment.db.dropSync();
        this.segments.splice(i, 1);
      }
    }
  }

  create_segment(first_seq: number): Segment {
    const name = segment_name(first_seq);
    const last = this.segments[this.segments.length - 1];
    if (last !== undefined && !(last.first_seq < first_seq)) {
      throw new Error(`segment ${name} would not follow ${last.name}`);
    }
    const db = this.root.openDB<Buffer, Uint8Array>({ name, encoding: 'binary', keyEncoding: 'binary' });
    const segment: Segment = { first_seq, name, db, bytes: 0 };
    this.segments.push(segment);
    return segment;
  }

  /** Queue a chunk write into the current event turn's transaction. */
  put_chunk(segment: Segment, first_seq: number, chunk: Buffer): Promise<boolean> {
    return handled(segment.db.put(seq_key(first_seq), chunk));
  }

  /** Resolves when every write queued so far is committed and flushed. */
  flushed(): Promise<unknown> {
    // Call then() now, not in a later microtask: lmdb-js binds `flushed` to the
    // transaction of the writes queued so far at the moment then() is called.
    return new Promise((resolve, reject) => {
      handled(this.root.flushed).then(resolve, reject);
    });
  }

  /** Drop a segment's database (queued into the current turn's transaction). */
  drop_segment(segment: Segment): Promise<void> {
    const index = this.segments.indexOf(segment);
    if (index < 0) throw new Error(`assertion: segment ${segment.name} is live`);
    this.segments.splice(index, 1);
    this.used_bytes_total -= segment.bytes;
    return handled(segment.db.drop());
  }

  /** Highest transaction id lmdb-js reported committed ('aftercommit'). */
  private committed_txn_ = 0;
  /** A read-only descriptor of data.mdb for `flushed_txn` (opened on first use). */
  private read_fd: number | null = null;
  /** Page 0 and the head of page 1 as last read by flushed_txn / written_txn. */
  private metas = Buffer.alloc(0);

  /** The id of the last transaction lmdb-js reported committed (0 before the first). */
  committed_txn(): number {
    return this.committed_txn_;
  }

  /**
   * The newest transaction LMDB would still use after a power loss: the one lmdb-js's flushed meta
   * names (the unflagged copy it writes in the second half of page 0 once a transaction's pages
   * are fdatasynced; layout in lmdb-preopen.ts), or a later one whose own meta page is unflagged
   * (a synchronous commit, e.g. one that opened a segment's database: seen as txn 61 unflagged on
   * page 1 while the flushed meta stayed at 60). Read through the page cache: one 4 KB read.
   *
   * Why: lmdb-js 3.5.6 ignores a failed write of that meta (mdb_txn_commit returns success when
   * mdb_env_write_meta fails after the sync), so `flushed` resolves although only the flagged
   * meta is on disk, which lmdb-js trusts on the same boot but not after a power loss: an EIO
   * there acknowledged records a reboot would lose. The log checks this after each flush.
   */
  flushed_txn(): number {
    return this.read_txn_state().durable;
  }

  /**
   * The newest transaction whose commit reached data.mdb (a meta page names it). Unlike
   * `committed_txn`, never an empty transaction: lmdb-js reports those committed (MDB_EMPTY_TXN)
   * but LMDB writes no meta for them.
   */
  written_txn(): number {
    return this.read_txn_state().written;
  }

  private read_txn_state(): LmdbTxnState {
    if (this.read_fd === null) this.read_fd = openSync(this.file, 'r');
    const bytes = lmdbTxnStateBytes(this.page_bytes);
    if (this.metas.length < bytes) this.metas = Buffer.alloc(bytes);
    const got = readSync(this.read_fd, this.metas, 0, bytes, 0);
    const state = got === bytes ? lmdbTxnState(this.metas, this.page_bytes) : null;
    return state ?? NO_TXN_STATE;
  }

  private close_read_fd(): void {
    if (this.read_fd === null) return;
    try {
      closeSync(this.read_fd);
    } catch {
      // already gone: nothing to release
    }
    this.read_fd = null;
  }

  /** Set once a commit failed: lmdb-js then never settles `flushed` (nor `close()`, which waits on it). */
  private commit_failed = false;

  mark_commit_failed(): void {
    this.commit_failed = true;
  }

  /**
   * Always settles. After a failed commit lmdb-js 3.5.6 leaves its flush promise pending for
   * ever and its close() waits on it (measured: both hang under an injected ENOSPC/EIO), so the
   * close is started, given CLOSE_AFTER_FAILURE_MS to finish, and otherwise left to lmdb-js: the
   * environment may stay mapped in this process, but nothing more is written through it.
   */
  async close(flush_ms_max: number): Promise<void> {
    this.close_read_fd();
    if (!this.commit_failed) {
      // A write outside the batches (a reclaim) may have failed unseen: its flush never settles.
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), flush_ms_max)));
      const flushed = handled(this.root.flushed).then(
        () => false,
        () => true,
      );
      if (await Promise.race([flushed, timedOut])) this.commit_failed = true;
      clearTimeout(timer);
    }
    if (this.commit_failed) {
      let timer: NodeJS.Timeout | undefined;
      const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_AFTER_FAILURE_MS)));
      await Promise.race([handled(this.root.close()).catch(() => undefined), waited]);
      clearTimeout(timer);
      return;
    }
    await handled(this.root.close());
  }
}

/** Where the txnid sits in a meta (page offset 152, lmdb-preopen.ts), from the start of its page. */
/** Metas that cannot be read name no transaction: nothing counts as flushed. */
const NO_TXN_STATE: LmdbTxnState = { written: 0, durable: 0 };

/** How long a close after a failed commit waits for lmdb-js before giving up on it. */
const CLOSE_AFTER_FAILURE_MS = 200;

/**
 * lmdb-js rejects the promise of every write in a failed transaction (and a shared `commitError`
 * promise they carry). Callers observe some of them; an unobserved one is an unhandled rejection
 * that kills the host process under Node's default policy (issue 10 item 4). Mark each handled
 * here, once, and hand the same promise on: whoever awaits it still sees the error.
 */
function handled<T>(promise: PromiseLike<T>): Promise<T> {
  // lmdb-js may hand out thenables (no catch()): use then() and return a native promise that
  // is itself marked handled (some callers, e.g. a meta put, never await theirs).
  const out = new Promise<T>((resolve, reject) => {
    promise.then(resolve, (error: unknown) => {
      const carried = (error as { commitError?: unknown } | null)?.commitError;
      if (carried instanceof Promise) carried.catch(() => undefined);
      reject(error);
    });
  });
  out.catch(() => undefined);
  return out;
}

/** Map an LMDB/OS error to a typed WAL error: no space becomes WalFullError. */
export function to_wal_error(error: unknown, doing: string): WalError {
  if (error instanceof WalError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/MDB_MAP_FULL|ENOSPC|No space left|MDB_DBS_FULL/i.test(message)) {
    return new WalFullError(`the WAL is full while ${doing}: ${message}`, { cause: error });
  }
  return new WalIoError(`the WAL failed while ${doing}: ${message}`, { cause: error });
}
