// Why this file exists: the crash images are only as honest as the persistence model that builds
// them (test/faults/fixtures/crash-trace.ts). These pin it on small hand-written traces: what an
// fsync makes durable, what may be dropped, that a write through an O_DSYNC descriptor is
// durable on its own, and that renames, creations and unlinks need a
// directory fsync to be kept.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildImage, parseTrace, type TraceOp } from './fixtures/crash-trace.js';

const R = '/run/ex';
const w = (path: string, offset: number, text: string): TraceOp => ({ kind: 'write', path: `${R}/${path}`, offset, bytes: Buffer.from(text) });
const sync = (path: string): TraceOp => ({ kind: 'sync', path: path === '' ? R : `${R}/${path}` });

describe('crash-trace persistence model', () => {
  const out = mkdtempSync(join(tmpdir(), 'matchlog-crash-trace-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));
  let n = 0;
  const image = (ops: TraceOp[], keep: boolean): Record<string, string> => {
    const dir = join(out, String(n++));
    buildImage(ops, ops.length - 1, R, dir, () => keep);
    const files: Record<string, string> = {};
    for (const d of readdirSync(dir, { withFileTypes: true })) files[d.name] = d.isDirectory() ? 'dir' : readFileSync(join(dir, d.name), 'utf8');
    return files;
  };

  it('keeps a file fsynced and its entry after a directory fsync; drops later unsynced writes when told', () => {
    const ops = [w('a', 0, 'hello'), sync('a'), sync(''), w('a', 5, ' world')];
    expect(image(ops, false)).toEqual({ a: 'hello' });
    expect(image(ops, true)).toEqual({ a: 'hello world' });
  });

  it('a new file whose directory was never fsynced may be missing', () => {
    const ops = [w('a', 0, 'x'), sync('a')];
    expect(image(ops, false)).toEqual({});
    expect(image(ops, true)).toEqual({ a: 'x' });
  });

  it('a rename without a directory fsync may not have happened; with one it has', () => {
    const base = [w('a.tmp', 0, 'new'), sync('a.tmp'), sync(''), { kind: 'rename', path: `${R}/a.tmp`, to: `${R}/a` } as TraceOp];
    expect(image(base, false)).toEqual({ 'a.tmp': 'new' });
    expect(image([...base, sync('')], false)).toEqual({ a: 'new' });
  });

  it('an unlink without a directory fsync may not have happened', () => {
    const ops = [w('a', 0, 'x'), sync('a'), sync(''), { kind: 'unlink', path: `${R}/a` } as TraceOp];
    expect(image(ops, false)).toEqual({ a: 'x' });
    expect(image(ops, true)).toEqual({});
  });

  it('a file in a directory whose creation was not made durable may be gone with it', () => {
    const mk: TraceOp = { kind: 'mkdir', path: `${R}/d` };
    const ops = [mk, w('d/a', 0, 'x'), sync('d/a'), sync('d')];
    expect(image(ops, false)).toEqual({});
    expect(image([...ops, sync('')], false)).toEqual({ d: 'dir' });
  });

  it('a write through an O_DSYNC descriptor is kept without an fsync; an ordinary one after it may not be', () => {
    const durable: TraceOp = { kind: 'write', path: `${R}/a`, offset: 5, bytes: Buffer.from('META'), durable: true };
    const ops = [w('a', 0, 'hello'), sync('a'), sync(''), w('a', 0, 'HELLO'), durable, w('a', 9, '!')];
    expect(image(ops, false)).toEqual({ a: 'helloMETA' });
    expect(image(ops, true)).toEqual({ a: 'HELLOMETA!' });
  });

  it('a torn write keeps some of its 512-byte sectors, lost ones read as zeros; a synced or O_DSYNC write is never torn', () => {
    const big = 'a'.repeat(1024);
    const ops = [w('f', 0, 'x'.repeat(600)), sync('f'), sync(''), w('f', 100, big), { kind: 'write', path: `${R}/f`, offset: 1200, bytes: Buffer.from('D'), durable: true } as TraceOp];
    const dir = join(out, String(n++));
    // Keep everything, but of the torn write only sector 1 (bytes 512..1023).
    buildImage(ops, ops.length - 1, R, dir, () => true, (_i, sector) => sector === 1);
    const got = readFileSync(join(dir, 'f'));
    expect(got.length).toBe(1201);
    expect(got.toString('latin1', 0, 512)).toBe('x'.repeat(512)); // sector 0 of the torn write lost: the synced bytes stay
    expect(got.toString('latin1', 512, 1024)).toBe('a'.repeat(512));
    expect(got.subarray(1024, 1124).every((b) => b === 0)).toBe(true); // lost sector, file grew: zeros
    expect(got.toString('latin1', 1200)).toBe('D');
  });

  it('parses the binary records the shim writes', () => {
    const head = (kind: number, path: string): Buffer => {
      const b = Buffer.alloc(5);
      b[0] = kind;
      b.writeUInt32LE(Buffer.byteLength(path), 1);
      return Buffer.concat([b, Buffer.from(path)]);
    };
    const u64 = (v: number): Buffer => {
      const b = Buffer.alloc(8);
      b.writeBigUInt64LE(BigInt(v));
      return b;
    };
    const u32 = (v: number): Buffer => {
      const b = Buffer.alloc(4);
      b.writeUInt32LE(v);
      return b;
    };
    const trace = Buffer.concat([
      head(1, '/f'), u64(7), u32(2), Buffer.from('hi'),
      head(2, '/f'),
      head(3, '/f'), u32(2), Buffer.from('/g'),
      head(4, '/g'), u64(3),
      head(5, '/g'),
      head(6, '/d'),
      head(7, '/f'), u64(0), u32(1), Buffer.from('m'),
    ]);
    expect(parseTrace(trace)).toEqual([
      { kind: 'write', path: '/f', offset: 7, bytes: Buffer.from('hi') },
      { kind: 'sync', path: '/f' },
      { kind: 'rename', path: '/f', to: '/g' },
      { kind: 'truncate', path: '/g', length: 3 },
      { kind: 'unlink', path: '/g' },
      { kind: 'mkdir', path: '/d' },
      { kind: 'write', path: '/f', offset: 0, bytes: Buffer.from('m'), durable: true },
    ]);
    expect(() => parseTrace(Buffer.from([9, 0, 0, 0, 0]))).toThrow(/kind 9/);
  });
});
