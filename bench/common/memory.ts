// Why this file exists: "bytes per resting order" needs a forced, full GC before and after, which
// Node only exposes with --expose-gc. This finds a gc function either way and reads the heap
// figures that matter for typed-array structures (ArrayBuffers live outside heapUsed).

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export type GcFunction = () => void;

let cached: GcFunction | null | undefined;

/**
 * The global gc function: the one from --expose-gc if present, else one obtained by setting the
 * flag at run time (documented V8 behaviour; works on Node 20). Null if neither works.
 */
export function findGc(): GcFunction | null {
  if (cached !== undefined) return cached;
  const exposed: unknown = (globalThis as { gc?: unknown }).gc;
  if (typeof exposed === 'function') {
    cached = exposed as GcFunction;
    return cached;
  }
  try {
    setFlagsFromString('--expose-gc');
    const fn: unknown = runInNewContext('gc');
    cached = typeof fn === 'function' ? (fn as GcFunction) : null;
  } catch {
    cached = null;
  }
  return cached;
}

export interface HeapReading {
  /** V8 heap in use (JS objects, Maps, arrays of ids...). */
  heap_used_bytes: number;
  /** Memory outside the V8 heap owned by JS objects; includes ArrayBuffers (typed arrays). */
  external_bytes: number;
  /** heap_used_bytes + external_bytes. */
  total_bytes: number;
}

/** Collects garbage (several passes: weak refs and finalizers settle) and reads the heap. */
export function readHeapAfterGc(gc: GcFunction, passes = 3): HeapReading {
  for (let i = 0; i < passes; i++) gc();
  const usage = process.memoryUsage();
  return {
    heap_used_bytes: usage.heapUsed,
    external_bytes: usage.external,
    total_bytes: usage.heapUsed + usage.external,
  };
}
