// Why this file exists: LMDB maps data.mdb into memory and trusts its meta pages. A file shorter than the last
// page a meta page names makes the first read past the end a SIGBUS that kills the host process
// (94 of 100 truncations did, issue 10 item 6), and a zeroed page a SIGSEGV; one damaged meta
// page makes LMDB quietly use the other, older one — dropping the last acknowledged transaction.
// So before lmdb-js opens the file, read its meta pages with plain file reads, work out the one
// LMDB will use exactly as lmdb-js 3.5.6 does (`mdb_env_pick_meta`, below), and refuse with a
// typed error a file that meta does not describe: too short for it, or a B-tree page it reaches
// that is not what it should be (lmdb-page-walk.ts). Damage inside overflow pages past their
// header is left to the frame checksums (caught on read).
//
// Which meta LMDB uses. lmdb-js opens with `overlappingSync`, and then (mdb.c, lmdb-js 3.5.6):
// - a commit writes its data pages and its meta page (page txnid % 2) flagged MDB_OVERLAPPINGSYNC
//   (0x1000 in the free DB's md_flags), with no fsync; a later sync fdatasyncs the file and writes
//   a third, "flushed" meta (unflagged) in the second half of page 0, through an O_DSYNC descriptor
//   unless `noMetaSync` (matchlog's `async` mode);
// - at open (MDB_PREVSNAPSHOT, set by lmdb-js with overlappingSync) the latest meta is trusted if
//   it is unflagged, or if its boot_id equals this boot's (/proc/sys/kernel/random/boot_id) and
//   `safeRestore` (MDB_SAFE_RESTORE) is off; otherwise the older snapshot is used, and the file's
//   two meta pages are rewritten to it (a rollback to the last flushed transaction).
// On the same boot an unflushed meta is trusted: after a kill -9 the page cache holds every page it
// names. After a power loss the boot id differs and LMDB falls back. matchlog keeps lmdb-js's
// default `safeRestore` (lmdb-store.ts says why) and this model uses the same flag and boot id.
//
// Byte layout (little-endian, lmdb-js 3.x; a page header is 24 bytes: u64 pgno, u64 txnid,
// u16 pad, u16 flags, u16 lower + u16 upper or u32 overflow pages):
//   page 0 / page 1 (meta):  18 u16 flags (0x08 P_META)  24 u32 magic 0xBEEFC0DE  28 u32 version 2
//     48 free DB (48 bytes: u32 pad = page size, u16 flags, u16 depth, ..., 40 u64 root)
//     96 main DB (same layout)  144 u64 last page used  152 u64 txnid  160 i64 boot id
//   flushed meta: the same meta fields at (page size / 2) + 24, from the map size on (no magic).

import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, fstatSync, fsyncSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { WalCorruptionError, WalFullError, WalIoError } from './errors.js';
import { walkLmdbPages } from './lmdb-page-walk.js';

const require = createRequire(import.meta.url);

const MAGIC = 0xbeefc0de;
const VERSION = 2;
const P_META = 0x08;
/** MDB_OVERLAPPINGSYNC in a meta's mm_flags: written by a commit whose pages were not yet flushed. */
const META_UNFLUSHED = 0x1000;
const PAGE_HEADER_BYTES = 24;
const OFFSET_FLAGS = 18;
const OFFSET_MAGIC = 24;
const OFFSET_VERSION = 28;
const OFFSET_PAGE_BYTES = 48;
const OFFSET_META_FLAGS = 52;
const OFFSET_FREE_DB = 48;
const OFFSET_MAIN_DB = 96;
const DB_OFFSET_DEPTH = 6;
const DB_OFFSET_ROOT = 40;
const OFFSET_LAST_PAGE = 144;
const OFFSET_TXNID = 152;
const OFFSET_BOOT_ID = 160;
const META_READ_BYTES = 168;
const PAGE_BYTES_MIN = 512;
const PAGE_BYTES_MAX = 65536;
const NO_PAGE = 0xffff_ffff_ffff_ffffn;

/** One B-tree a meta names: its root page (null: empty) and depth. */
export interface LmdbTree {
  root: number | null;
  depth: number;
}

/** A meta page as far as matchlog needs it. */
export interface LmdbMeta {
  /** 'meta page 0', 'meta page 1' or 'the flushed meta'. */
  name: string;
  pageBytes: number;
  lastPage: number;
  txnid: number;
  /** Written by a commit whose pages were not flushed yet (MDB_OVERLAPPINGSYNC). */
  unflushed: boolean;
  bootId: bigint;
  free: LmdbTree;
  main: LmdbTree;
}

/** What LMDB will see: the meta it uses, and the newest one (they differ when it rolls back). */
export interface LmdbMetaChoice {
  used: LmdbMeta;
  latest: LmdbMeta;
  pageBytes: number;
}

function readTree(bytes: Buffer, at: number): LmdbTree | string {
  const root = bytes.readBigUInt64LE(at + DB_OFFSET_ROOT);
  const depth = bytes.readUInt16LE(at + DB_OFFSET_DEPTH);
  if (root === NO_PAGE) return { root: null, depth };
  if (root > BigInt(Number.MAX_SAFE_INTEGER)) return 'an impossible root page';
  return { root: Number(root), depth };
}

/** The meta fields at `bytes[at - 24 ..]` (at = where the meta struct starts). */
function parseMeta(bytes: Buffer, at: number, name: string): LmdbMeta | string {
  const pageBytes = bytes.readUInt32LE(at - PAGE_HEADER_BYTES + OFFSET_PAGE_BYTES);
  const lastPage = bytes.readBigUInt64LE(at - PAGE_HEADER_BYTES + OFFSET_LAST_PAGE);
  const txnid = bytes.readBigUInt64LE(at - PAGE_HEADER_BYTES + OFFSET_TXNID);
  if (lastPage > BigInt(Number.MAX_SAFE_INTEGER) || txnid > BigInt(Number.MAX_SAFE_INTEGER)) {
    return `${name} holds impossible numbers`;
  }
  const free = readTree(bytes, at - PAGE_HEADER_BYTES + OFFSET_FREE_DB);
  const main = readTree(bytes, at - PAGE_HEADER_BYTES + OFFSET_MAIN_DB);
  if (typeof free === 'string') return `${name} names ${free}`;
  if (typeof main === 'string') return `${name} names ${main}`;
  return {
    name,
    pageBytes,
    lastPage: Number(lastPage),
    txnid: Number(txnid),
    unflushed: (bytes.readUInt16LE(at - PAGE_HEADER_BYTES + OFFSET_META_FLAGS) & META_UNFLUSHED) !== 0,
    bootId: bytes.readBigInt64LE(at - PAGE_HEADER_BYTES + OFFSET_BOOT_ID),
    free,
    main,
  };
}

function readMetaPage(fd: number, pageNumber: number, position: number): LmdbMeta | string {
  const bytes = Buffer.alloc(META_READ_BYTES);
  const got = readSync(fd, bytes, 0, META_READ_BYTES, position);
  if (got < META_READ_BYTES) return `meta page ${pageNumber} is cut short`;
  if (bytes.readUInt32LE(OFFSET_MAGIC) !== MAGIC) return `meta page ${pageNumber} has no LMDB magic`;
  if (bytes.readUInt32LE(OFFSET_VERSION) !== VERSION) return `meta page ${pageNumber} has format ${bytes.readUInt32LE(OFFSET_VERSION)}, not ${VERSION}`;
  if ((bytes.readUInt16LE(OFFSET_FLAGS) & P_META) === 0) return `page ${pageNumber} is not marked as a meta page`;
  if (Number(bytes.readBigUInt64LE(0)) !== pageNumber) return `meta page ${pageNumber} names itself page ${bytes.readBigUInt64LE(0)}`;
  const meta = parseMeta(bytes, PAGE_HEADER_BYTES, `meta page ${pageNumber}`);
  if (typeof meta === 'string') return meta;
  const pageBytes = meta.pageBytes;
  if (pageBytes < PAGE_BYTES_MIN || pageBytes > PAGE_BYTES_MAX || (pageBytes & (pageBytes - 1)) !== 0) {
    return `meta page ${pageNumber} names a page size of ${pageBytes}`;
  }
  return meta;
}

/** The flushed meta (txnid 0: never written), or why it cannot be used. */
function readFlushedMeta(fd: number, pageBytes: number): LmdbMeta | string {
  const bytes = Buffer.alloc(META_READ_BYTES);
  const got = readSync(fd, bytes, 0, META_READ_BYTES, pageBytes >> 1);
  if (got < META_READ_BYTES) return 'the flushed meta is cut short';
  return parseMeta(bytes, PAGE_HEADER_BYTES, 'the flushed meta');
}

/** This boot's id as lmdb-js reads it: strtoll(boot_id, 16), i.e. the UUID's first hex group. */
export function currentBootId(): bigint {
  try {
    const text = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8');
    const hex = /^[0-9a-fA-F]+/.exec(text.trim());
    return hex === null ? 0n : BigInt.asIntN(64, BigInt(`0x${hex[0]}`));
  } catch {
    return 0n; // not Linux: lmdb-js then never trusts an unflushed meta either
  }
}

/** lmdb-js's default `safeRestore` (open.js): on only with the environment variable LMDB_RESTORE=safe. */
export function lmdbSafeRestoreDefault(): boolean {
  return process.env.LMDB_RESTORE === 'safe';
}

/** mdb_pick_meta with MDB_PREVSNAPSHOT and MDB_OVERLAPPINGSYNC set (lmdb-js 3.5.6, mdb.c). */
function pick(a: LmdbMeta, b: LmdbMeta, bootId: bigint, safeRestore: boolean): LmdbMeta {
  const latest = a.txnid >= b.txnid ? a : b;
  if (b.txnid === 0) return a;
  if ((latest.bootId !== 0n && latest.bootId === bootId && !safeRestore) || !latest.unflushed) return latest;
  return a.txnid > b.txnid ? b : a;
}

/**
 * The meta LMDB will use when this process opens the file exclusively (matchlog holds the
 * directory's lock): mdb_env_pick_meta = pick(pick(meta 0, meta 1), flushed meta).
 */
export function chooseLmdbMeta(metas: { page0: LmdbMeta; page1: LmdbMeta; flushed: LmdbMeta }, bootId: bigint, safeRestore: boolean): LmdbMeta {
  return pick(pick(metas.page0, metas.page1, bootId, safeRestore), metas.flushed, bootId, safeRestore);
}

/** What the meta pages of a file in use say about its transactions (LmdbStore reads them after each flush). */
export interface LmdbTxnState {
  /** The newest transaction whose commit wrote a meta page (never an empty transaction). */
  written: number;
  /** The transaction LMDB would open at after a power loss: the meta it picks on another boot. */
  durable: number;
}

/** Bytes to read from offset 0 for lmdbTxnState: page 0 (with the flushed meta) and page 1's meta. */
export function lmdbTxnStateBytes(pageBytes: number): number {
  return pageBytes + META_READ_BYTES;
}

/**
 * Reads `bytes` (lmdbTxnStateBytes from offset 0 of data.mdb) as LMDB would after a reboot: a boot
 * id of 0 never matches, so only a meta written after its sync (unflagged) is trusted, whatever
 * safeRestore says. Null when the bytes hold impossible numbers.
 */
export function lmdbTxnState(bytes: Buffer, pageBytes: number): LmdbTxnState | null {
  const page0 = parseMeta(bytes, PAGE_HEADER_BYTES, 'meta page 0');
  const page1 = parseMeta(bytes, pageBytes + PAGE_HEADER_BYTES, 'meta page 1');
  const flushed = parseMeta(bytes, (pageBytes >> 1) + PAGE_HEADER_BYTES, 'the flushed meta');
  if (typeof page0 === 'string' || typeof page1 === 'string' || typeof flushed === 'string') return null;
  return { written: Math.max(page0.txnid, page1.txnid), durable: chooseLmdbMeta({ page0, page1, flushed }, 0n, false).txnid };
}

export interface LmdbCheckOptions {
  /** The log opens with lmdb-js's `safeRestore` (never trusts an unflushed meta). */
  safeRestore: boolean;
  /** This boot's id (tests pass another to model a reboot); default: read from /proc. */
  bootId?: bigint;
}

/**
 * Reads the meta pages of an open data.mdb and returns the one LMDB will use, or throws
 * WalCorruptionError naming what is wrong with them.
 */
export function readLmdbMetas(fd: number, file: string, options: LmdbCheckOptions): LmdbMetaChoice {
  const fail = (detail: string): never => {
    throw new WalCorruptionError(0, file, `${detail}; refusing to open it (LMDB would crash the process or silently use an older state)`);
  };
  const page0 = readMetaPage(fd, 0, 0);
  if (typeof page0 === 'string') return fail(page0);
  const page1 = readMetaPage(fd, 1, page0.pageBytes);
  if (typeof page1 === 'string') return fail(page1);
  if (page1.pageBytes !== page0.pageBytes) fail(`the meta pages disagree on the page size (${page0.pageBytes}, ${page1.pageBytes})`);
  const flushed = readFlushedMeta(fd, page0.pageBytes);
  if (typeof flushed === 'string') return fail(flushed);
  const newest = page0.txnid >= page1.txnid ? page0 : page1;
  if (flushed.txnid !== 0) {
    // It is written after its transaction's own meta page, which only a transaction two later
    // overwrites: it can never be ahead of both, and it names the same trees as that page.
    if (flushed.pageBytes !== page0.pageBytes) fail(`the flushed meta names a page size of ${flushed.pageBytes}`);
    if (flushed.txnid > newest.txnid) fail(`the flushed meta names transaction ${flushed.txnid}, beyond the meta pages' ${newest.txnid}`);
    const twin = flushed.txnid === page0.txnid ? page0 : flushed.txnid === page1.txnid ? page1 : null;
    if (twin !== null && (twin.main.root !== flushed.main.root || twin.free.root !== flushed.free.root || twin.lastPage !== flushed.lastPage)) {
      fail(`the flushed meta and ${twin.name} disagree about transaction ${flushed.txnid}`);
    }
  }
  const used = chooseLmdbMeta({ page0, page1, flushed }, options.bootId ?? currentBootId(), options.safeRestore);
  return { used, latest: newest, pageBytes: page0.pageBytes };
}

/**
 * Throws WalCorruptionError when `dir/data.mdb` exists, is not empty, and the meta LMDB will use
 * does not describe it: damaged meta pages, a file shorter than the pages that meta names, or a
 * B-tree page it reaches that is zeroed or not the page it should be. A missing or empty file is
 * left to the caller (LMDB creates a fresh log there). Returns what it read (null: no file).
 */
export function checkLmdbFile(dir: string, options: LmdbCheckOptions): LmdbMetaChoice | null {
  const file = join(dir, 'data.mdb');
  if (!existsSync(file)) return null;
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return null;
    const choice = readLmdbMetas(fd, file, options);
    const meta = choice.used;
    const needed = (meta.lastPage + 1) * meta.pageBytes;
    if (size < needed) {
      throw new WalCorruptionError(0, file, `it is ${size} bytes but ${meta.name}, the one LMDB would use, names ${meta.lastPage + 1} pages (${needed} bytes): truncated; refusing to open it (LMDB would crash the process)`);
    }
    const damage = walkLmdbPages(fd, meta);
    if (damage !== null) {
      throw new WalCorruptionError(0, file, `${damage} (reached from ${meta.name}, transaction ${meta.txnid}); refusing to open it (LMDB would crash the process or read garbage)`);
    }
    return choice;
  } finally {
    closeSync(fd);
  }
}

/** A new environment is created by a child process, allowed this long. */
const CREATE_MS_MAX = 60_000;

/**
 * The bytes of a new, empty environment as the creating child left them (12 KiB with lmdb-js
 * 3.5.6, the same whatever the path or maxDbs: compared byte for byte), kept after the first
 * creation in this process. null until then.
 */
let emptyEnvironment: Buffer | null = null;

/**
 * lmdb-js 3.5.6 crashes the process (SIGSEGV, measured with an injected ENOSPC) when a write
 * fails while it initialises a new environment. So the first new log of a process is created in a
 * short-lived child process (the same lmdb-js, creating the environment and its `meta` database):
 * a full or failing disk then kills or fails the child, and this process gets a typed
 * WalFullError / WalIoError. Later new logs are copies of that first file made with plain writes
 * (write to a temporary name, fsync, rename), which fail with the same typed errors and never
 * leave a partial data.mdb. Why the copy: the child is a whole Node start, 300–400 ms of wall
 * time and ~100 ms of CPU per new log (measured: 38% of an `Exchange.open` of a new directory,
 * and the largest single cost of the test suite, which opens hundreds of new directories).
 * Only when data.mdb is missing or empty; an existing log is opened directly.
 */
export function createLmdbDirOutOfProcess(dir: string, maxDbs: number): void {
  const file = join(dir, 'data.mdb');
  if (existsSync(file) && statSync(file).size > 0) return;
  mkdirSync(dir, { recursive: true });
  if (emptyEnvironment !== null) {
    writeEmptyEnvironment(dir, file, emptyEnvironment);
  } else {
    createInChild(dir, maxDbs);
    const bytes = readFileSync(file);
    // Kept only when it is the pristine file this build's lmdb-js makes: two meta pages and the
    // root of the meta database, nothing else.
    if (bytes.length <= EMPTY_ENVIRONMENT_BYTES_MAX) emptyEnvironment = bytes;
  }
  // The new file's directory entry (and the log directory's own) must outlive a power loss
  // before anything is acknowledged: fsyncing data.mdb does not promise it (POSIX), and a crash
  // image that lost the entry reopened an empty log below acknowledged seqs
  // (test/faults/crash-images.test.ts). LMDB never fsyncs a directory.
  syncDirectory(dir);
  syncDirectory(dirname(dir));
}

/** A new environment is 3 pages; anything larger is not a pristine one (never copied). */
const EMPTY_ENVIRONMENT_BYTES_MAX = 3 * PAGE_BYTES_MAX;

function createInChild(dir: string, maxDbs: number): void {
  const script = `const { open } = require(${JSON.stringify(require.resolve('lmdb'))});
const root = open({ path: ${JSON.stringify(dir)}, maxDbs: ${maxDbs}, encoding: 'binary' });
root.openDB({ name: 'meta', encoding: 'binary' });
root.close().then(() => process.exit(0), (e) => { process.stderr.write(String(e && e.message)); process.exit(1); });`;
  const result = spawnSync(process.execPath, ['-e', script], { stdio: ['ignore', 'ignore', 'pipe'], timeout: CREATE_MS_MAX, encoding: 'utf8' });
  if (result.status === 0) return;
  const why = result.error?.message ?? (result.signal !== null ? `the creating process died with ${result.signal}` : result.stderr.trim().slice(-400));
  throw creationError(dir, why);
}

/** The copy: data.mdb appears whole (rename) and durable (fsync before the rename), or not at all. */
function writeEmptyEnvironment(dir: string, file: string, bytes: Buffer): void {
  const temporary = `${file}.creating`;
  try {
    const fd = openSync(temporary, 'w');
    try {
      writeFileSync(fd, bytes);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, file);
  } catch (error) {
    try {
      rmSync(temporary, { force: true });
    } catch {
      // What was there is not ours to remove (e.g. a directory of that name); data.mdb is absent.
    }
    const code = (error as NodeJS.ErrnoException).code;
    throw creationError(dir, `${code ?? ''} ${(error as Error).message}`.trim());
  }
}

function creationError(dir: string, why: string): WalFullError | WalIoError {
  const message = `creating the WAL at ${dir} failed: ${why}`;
  return /ENOSPC|No space left|MDB_MAP_FULL|code: 28\b/i.test(why) ? new WalFullError(message) : new WalIoError(message);
}

function syncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
