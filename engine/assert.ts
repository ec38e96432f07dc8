// Why this file exists: TigerBeetle-style assertions. A broken invariant inside the engine means
// the book can no longer be trusted, so it stops loudly instead of matching on corrupt state.

export class AssertionError extends Error {
  override readonly name = 'AssertionError';
}

export function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new AssertionError(`matchlog invariant violated: ${message}`);
}
