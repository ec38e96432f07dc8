// Why this file exists: LMDB maps data.mdb into memory and trusts its meta pages. A file shorter than the last
// page a meta page names makes the first read past the end a SIGBUS that kills the host process
// (94 of 100 truncations did, issue 10 item 6), and a zeroed page a SIGSEGV; one damaged meta
// page makes LMDB quietly use the other, older one — dropping the last acknowledged transaction.
// So before lmdb-js opens the file, read its two meta pages with plain file reads and refuse,
// with a typed error, a file they do not describe. What this cannot see: damage inside data
// pages the meta pages still point past correctly (the frame checksums catch those on read).
//
// Byte layout of a meta page as lmdb-js 3.x writes it (read from real files; little-endian):
//   0   u64 page number (0 or 1)          16  u16 pad, u16 flags (0x08 = P_META)
//   24  u32 magic 0xBEEFC0DE              28  u32 format version (2)
//   48  u32 page size (free DB's md_pad)  144 u64 last page used   152 u64 transaction id

import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { WalCorruptionError, WalFullError, WalIoError } from './errors.js';

const require = createRequire(import.meta.url);

const MAGIC = 0xbeefc0de;
const VERSION = 2;
const P_META = 0x08;
const OFFSET_FLAGS = 18;
const OFFSET_MAGIC = 24;
const OFFSET_VERSION = 28;
const OFFSET_PAGE_BYTES = 48;
const OFFSET_LAST_PAGE = 144;
const OFFSET_TXNID = 152;
const META_READ_BYTES = 160;
const PAGE_BYTES_MIN = 512;
const PAGE_BYTES_MAX = 65536;

interface Meta {
  pageBytes: number;
  lastPage: number;
  txnid: number;
}

function readMeta(fd: number, position: number, pageNumber: number): Meta | string {
  const bytes = Buffer.alloc(META_READ_BYTES);
  const got = readSync(fd, bytes, 0, META_READ_BYTES, position);
  if (got < META_READ_BYTES) return `meta page ${pageNumber} is cut short`;
  if (bytes.readUInt32LE(OFFSET_MAGIC) !== MAGIC) return `meta page ${pageNumber} has no LMDB magic`;
  if (bytes.readUInt32LE(OFFSET_VERSION) !== VERSION) return `meta page ${pageNumber} has format ${bytes.readUInt32LE(OFFSET_VERSION)}, not ${VERSION}`;
  if ((bytes.readUInt16LE(OFFSET_FLAGS) & P_META) === 0) return `page ${pageNumber} is not marked as a meta page`;
  if (Number(bytes.readBigUInt64LE(0)) !== pageNumber) return `meta page ${pageNumber} names itself page ${bytes.readBigUInt64LE(0)}`;
  const pageBytes = bytes.readUInt32LE(OFFSET_PAGE_BYTES);
  if (pageBytes < PAGE_BYTES_MIN || pageBytes > PAGE_BYTES_MAX || (pageBytes & (pageBytes - 1)) !== 0) {
    return `meta page ${pageNumber} names a page size of ${pageBytes}`;
  }
  const lastPage = bytes.readBigUInt64LE(OFFSET_LAST_PAGE);
  const txnid = bytes.readBigUInt64LE(OFFSET_TXNID);
  if (lastPage > BigInt(Number.MAX_SAFE_INTEGER) || txnid > BigInt(Number.MAX_SAFE_INTEGER)) {
    return `meta page ${pageNumber} holds impossible numbers`;
  }
  return { pageBytes, lastPage: Number(lastPage), txnid: Number(txnid) };
}

/**
 * Throws WalCorruptionError when `dir/data.mdb` exists, is not empty, and its meta pages do
 * not describe it (damaged, or a file shorter than the pages they name). A missing or empty file
 * is left to the caller (LMDB creates a fresh log there).
 */
export function checkLmdbFile(dir: string): void {
  const file = join(dir, 'data.mdb');
  if (!existsSync(file)) return;
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return;
    const fail = (detail: string): never => {
      throw new WalCorruptionError(0, file, `${detail}; refusing to open it (LMDB would crash the process or silently use an older state)`);
    };
    const first = readMeta(fd, 0, 0);
    if (typeof first === 'string') return fail(first);
    const second = readMeta(fd, first.pageBytes, 1);
    if (typeof second === 'string') return fail(second);
    if (second.pageBytes !== first.pageBytes) fail(`the meta pages disagree on the page size (${first.pageBytes}, ${second.pageBytes})`);
    // LMDB uses the meta page with the higher transaction id.
    const meta = second.txnid > first.txnid ? second : first;
    const needed = (meta.lastPage + 1) * meta.pageBytes;
    if (size < needed) fail(`it is ${size} bytes but its meta page names ${meta.lastPage + 1} pages (${needed} bytes): truncated`);
  } finally {
    closeSync(fd);
  }
}

/** A new environment is created by a child process, allowed this long. */
const CREATE_MS_MAX = 60_000;

/**
 * lmdb-js 3.5.6 crashes the process (SIGSEGV, measured with an injected ENOSPC) when a write
 * fails while it initialises a new environment. So a new log is created in a short-lived child
 * process (the same lmdb-js, creating the environment and its `meta` database): a full or failing
 * disk then kills or fails the child, and this process gets a typed WalFullError / WalIoError.
 * Only when data.mdb is missing or empty; an existing log is opened directly.
 */
export function createLmdbDirOutOfProcess(dir: string, maxDbs: number): void {
  const file = join(dir, 'data.mdb');
  if (existsSync(file) && statSync(file).size > 0) return;
  mkdirSync(dir, { recursive: true });
  const script = `const { open } = require(${JSON.stringify(require.resolve('lmdb'))});
const root = open({ path: ${JSON.stringify(dir)}, maxDbs: ${maxDbs}, encoding: 'binary' });
root.openDB({ name: 'meta', encoding: 'binary' });
root.close().then(() => process.exit(0), (e) => { process.stderr.write(String(e && e.message)); process.exit(1); });`;
  const result = spawnSync(process.execPath, ['-e', script], { stdio: ['ignore', 'ignore', 'pipe'], timeout: CREATE_MS_MAX, encoding: 'utf8' });
  if (result.status === 0) return;
  const why = result.error?.message ?? (result.signal !== null ? `the creating process died with ${result.signal}` : result.stderr.trim().slice(-400));
  const message = `creating the WAL at ${dir} failed: ${why}`;
  throw /ENOSPC|No space left|MDB_MAP_FULL|code: 28\b/i.test(why) ? new WalFullError(message) : new WalIoError(message);
}
