// Why this file exists: LMDB trusts every page a meta page leads to. A zeroed or garbage B-tree page
// made lmdb-js SIGSEGV/SIGABRT the host process (issue 10 item 6), so before LMDB maps data.mdb,
// lmdb-preopen.ts walks the trees of the meta LMDB will use with plain file reads and names the
// first page that is not what its parent says it is.
//
// Why a tree walk and not a sequential scan of pages 2..last page: a freed overflow run whose
// first page was reused as a leaf leaves its other pages (raw record bytes, no header) inside the
// file until each is reused, so a scan calls sound files damaged; and free pages hold stale
// content LMDB never reads. The walk reads only what LMDB can reach: branch and leaf pages whole,
// and the header of each overflow run (its other pages hold record bytes the frame checksums
// check on read). A 1 GiB log of 32 KiB chunks is ~30k overflow runs and ~300 leaves: a few
// thousand small reads (bench/wal/preopen-walk.ts measures it).
//
// Page header (24 bytes, lmdb-js 3.x): u64 pgno, u64 txnid, u16 pad, u16 flags, then u16 lower +
// u16 upper (branch/leaf: the node pointer array ends at 24 + lower, nodes start at 24 + upper)
// or u32 pages (overflow). A node: u16 lo, u16 hi, u16 flags, u16 key size, key, data. Branch
// node: child page = lo | hi << 16 | flags << 32. Leaf node: data size = lo | hi << 16; flags
// F_BIGDATA (data: u64 pgno, u64 txnid, u64 pages of its overflow run) or F_SUBDATA (data: a
// 48-byte MDB_db: u16 depth at 6, u64 root at 40; the named databases in the main tree).

import { readSync } from 'node:fs';
import type { LmdbMeta, LmdbTree } from './lmdb-preopen.js';

const HEADER_BYTES = 24;
const P_BRANCH = 0x01;
const P_LEAF = 0x02;
const P_OVERFLOW = 0x04;
const P_META = 0x08;
const P_LEAF2 = 0x20;
const F_BIGDATA = 0x01;
const F_SUBDATA = 0x02;
const NODE_HEADER_BYTES = 8;
const OVERFLOW_REF_BYTES = 24;
const DB_BYTES = 48;
const NO_PAGE = 0xffff_ffff_ffff_ffffn;
/** LMDB's own limit (CURSOR_STACK): no tree is deeper. */
const DEPTH_MAX = 32;

/** Statistics of a walk (bench and tests); pages of each kind reached. */
export interface LmdbWalkFigures {
  branch: number;
  leaf: number;
  overflowRuns: number;
  trees: number;
  /** Called for each page reached (tests pick pages to damage with it). */
  visit?: (kind: 'branch' | 'leaf' | 'overflow', page: number, pages: number, tree: string) => void;
}

interface Visit {
  page: number;
  /** 1 for a root. */
  level: number;
  depth: number;
  tree: string;
  /** Whether its leaves name sub-databases (the main tree). */
  main: boolean;
}

/**
 * Walks the free and main trees of `meta` and every named database the main tree holds. Returns
 * null when every page reached is sound, else what is wrong and where. Never throws on content.
 */
export function walkLmdbPages(fd: number, meta: LmdbMeta, figures?: LmdbWalkFigures): string | null {
  const pageBytes = meta.pageBytes;
  const lastPage = meta.lastPage;
  const page = Buffer.alloc(pageBytes);
  const header = Buffer.alloc(HEADER_BYTES);
  const stack: Visit[] = [];
  // Bounds the walk even if damage made the trees share pages or loop.
  let budget = lastPage + 1;
  const push = (tree: LmdbTree, name: string, main: boolean): string | null => {
    if (tree.root === null) return null;
    if (tree.depth < 1 || tree.depth > DEPTH_MAX) return `${name} names a depth of ${tree.depth}`;
    stack.push({ page: tree.root, level: 1, depth: tree.depth, tree: name, main });
    if (figures !== undefined) figures.trees++;
    return null;
  };
  const inRange = (n: number): boolean => n >= 2 && n <= lastPage;
  let wrong = push(meta.free, 'the free-page tree', false) ?? push(meta.main, 'the main tree', true);
  if (wrong !== null) return wrong;
  for (let visit = stack.pop(); visit !== undefined; visit = stack.pop()) {
    const where = `page ${visit.page} (${visit.tree}, level ${visit.level} of ${visit.depth})`;
    if (!inRange(visit.page)) return `${where} is outside the file's pages 2..${lastPage}`;
    if (--budget < 0) return `the trees reach more pages than the file holds (a loop), at ${where}`;
    if (readSync(fd, page, 0, pageBytes, visit.page * pageBytes) !== pageBytes) return `${where} cannot be read whole`;
    const pgno = page.readBigUInt64LE(0);
    const flags = page.readUInt16LE(18);
    if (pgno !== BigInt(visit.page)) {
      return page.subarray(0, HEADER_BYTES).every((b) => b === 0) ? `${where} is zeroed` : `${where} names itself page ${pgno}`;
    }
    const leaf = visit.level === visit.depth;
    const kind = flags & (P_BRANCH | P_LEAF | P_OVERFLOW | P_META);
    if (kind !== (leaf ? P_LEAF : P_BRANCH)) return `${where} is marked 0x${flags.toString(16)}, not a ${leaf ? 'leaf' : 'branch'} page`;
    const lower = page.readUInt16LE(20);
    const upper = page.readUInt16LE(22);
    const keys = lower >> 1;
    if (keys < 1 || lower > upper || HEADER_BYTES + upper > pageBytes) return `${where} has impossible bounds (lower ${lower}, upper ${upper})`;
    if (figures !== undefined) {
      figures[leaf ? 'leaf' : 'branch']++;
      figures.visit?.(leaf ? 'leaf' : 'branch', visit.page, 1, visit.tree);
    }
    if (leaf && (flags & P_LEAF2) !== 0) continue; // fixed-size keys only, nothing to follow
    for (let i = 0; i < keys; i++) {
      const node = HEADER_BYTES + page.readUInt16LE(HEADER_BYTES + 2 * i);
      if (node < HEADER_BYTES + lower || node + NODE_HEADER_BYTES > pageBytes) return `${where} node ${i} lies outside the page`;
      const lo = page.readUInt16LE(node);
      const hi = page.readUInt16LE(node + 2);
      const nodeFlags = page.readUInt16LE(node + 4);
      const data = node + NODE_HEADER_BYTES + page.readUInt16LE(node + 6);
      if (!leaf) {
        const child = lo + hi * 0x1_0000 + nodeFlags * 0x1_0000_0000;
        if (!inRange(child)) return `${where} node ${i} points at page ${child}, outside 2..${lastPage}`;
        stack.push({ page: child, level: visit.level + 1, depth: visit.depth, tree: visit.tree, main: visit.main });
        continue;
      }
      if ((nodeFlags & F_BIGDATA) !== 0) {
        if (data + OVERFLOW_REF_BYTES > pageBytes) return `${where} node ${i} lies outside the page`;
        wrong = checkOverflow(fd, header, page, data, pageBytes, lastPage, `${where} node ${i}`);
        if (wrong !== null) return wrong;
        if (figures !== undefined) {
          figures.overflowRuns++;
          figures.visit?.('overflow', Number(page.readBigUInt64LE(data)), Number(page.readBigUInt64LE(data + 16)), visit.tree);
        }
      } else if ((nodeFlags & F_SUBDATA) !== 0 && visit.main) {
        if (data + DB_BYTES > pageBytes) return `${where} node ${i} lies outside the page`;
        const root = page.readBigUInt64LE(data + 40);
        // lmdb-js stores a database's name with a trailing NUL.
        const name = `database '${page.toString('latin1', node + NODE_HEADER_BYTES, data).replace(/\0$/, '').replace(/[^\x20-\x7e]/g, '?')}'`;
        if (root !== NO_PAGE) {
          if (root > BigInt(lastPage)) return `${name} (${where} node ${i}) has its root at page ${root}, outside 2..${lastPage}`;
          wrong = push({ root: Number(root), depth: page.readUInt16LE(data + 6) }, name, false);
          if (wrong !== null) return wrong;
        }
      }
    }
  }
  return null;
}

/** The first page of an overflow run a leaf node names must say it is that run. */
function checkOverflow(fd: number, header: Buffer, page: Buffer, at: number, pageBytes: number, lastPage: number, where: string): string | null {
  const first = page.readBigUInt64LE(at);
  const pages = page.readBigUInt64LE(at + 16);
  if (first < 2n || pages < 1n || first + pages - 1n > BigInt(lastPage)) {
    return `${where} names overflow pages ${first}+${pages}, outside 2..${lastPage}`;
  }
  const n = Number(first);
  if (readSync(fd, header, 0, HEADER_BYTES, n * pageBytes) !== HEADER_BYTES) return `overflow page ${n} (${where}) cannot be read`;
  if (header.readBigUInt64LE(0) !== first) {
    return header.every((b) => b === 0) ? `overflow page ${n} (${where}) is zeroed` : `overflow page ${n} (${where}) names itself page ${header.readBigUInt64LE(0)}`;
  }
  if ((header.readUInt16LE(18) & P_OVERFLOW) === 0) return `overflow page ${n} (${where}) is marked 0x${header.readUInt16LE(18).toString(16)}, not overflow`;
  if (BigInt(header.readUInt32LE(20)) !== pages) return `overflow page ${n} (${where}) starts a run of ${header.readUInt32LE(20)} pages, its node says ${pages}`;
  return null;
}
