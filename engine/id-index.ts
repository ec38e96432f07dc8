// Why this file exists: the id → slot lookup runs two or three times per command, and a JS Map
// cost about a third of all matching time in profiles. Integer ids (the common case in trading
// systems) go to an open-addressing table over typed arrays (linear probing, backward-shift
// deletion, so no tombstones and no allocation); string ids keep a Map.

const EMPTY = -1;
const INITIAL_CAPACITY = 1024;
/** Keep the table at most half full so probes stay short. */
const LOAD_NUMERATOR = 1;
const LOAD_DENOMINATOR = 2;

function hashInt(key: number, mask: number): number {
  // Mix the low and high 32 bits of a safe integer; Math.imul keeps it in int32 arithmetic. Ids
  // that fit an int32 (the common case) skip the division for the high word.
  const lo = key | 0;
  const hi = lo === key ? 0 : Math.floor(key / 4294967296) | 0;
  let h = Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1);
  h ^= h >>> 16;
  return h & mask;
}

export class IdIndex {
  /** Interleaved cells: [key, slot] pairs, slot EMPTY when the cell is free (one cache line per probe). */
  private cells = IdIndex.emptyCells(INITIAL_CAPACITY);
  private mask = INITIAL_CAPACITY - 1;
  private numbers = 0;
  private readonly strings = new Map<string, number>();

  private static emptyCells(capacity: number): Float64Array {
    const cells = new Float64Array(capacity * 2);
    for (let i = 1; i < cells.length; i += 2) cells[i] = EMPTY;
    return cells;
  }

  get size(): number {
    return this.numbers + this.strings.size;
  }

  /** Slot of `id`, or -1. */
  get(id: string | number): number {
    if (typeof id === 'string') return this.strings.get(id) ?? EMPTY;
    const cells = this.cells;
    const mask = this.mask;
    let i = hashInt(id, mask);
    // Bounded: the table is never full, so an empty cell ends every probe.
    for (;;) {
      const slot = cells[2 * i + 1];
      if (slot === EMPTY) return EMPTY;
      if (cells[2 * i] === id) return slot;
      i = (i + 1) & mask;
    }
  }

  has(id: string | number): boolean {
    return this.get(id) !== EMPTY;
  }

  /** Adds a new id (the caller checked it is absent). */
  set(id: string | number, slot: number): void {
    if (typeof id === 'string') {
      this.strings.set(id, slot);
      return;
    }
    if ((this.numbers + 1) * LOAD_DENOMINATOR > (this.mask + 1) * LOAD_NUMERATOR) this.resize((this.mask + 1) * 2);
    this.insert(id, slot);
    this.numbers++;
  }

  delete(id: string | number): void {
    if (typeof id === 'string') {
      this.strings.delete(id);
      return;
    }
    const cells = this.cells;
    const mask = this.mask;
    let i = hashInt(id, mask);
    for (;;) {
      if (cells[2 * i + 1] === EMPTY) return;
      if (cells[2 * i] === id) break;
      i = (i + 1) & mask;
    }
    // Backward-shift deletion: move later members of the probe run into the hole.
    let hole = i;
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      if (cells[2 * j + 1] === EMPTY) break;
      const home = hashInt(cells[2 * j], mask);
      // Move j into the hole unless its home lies cyclically in (hole, j].
      const inRange = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!inRange) {
        cells[2 * hole] = cells[2 * j];
        cells[2 * hole + 1] = cells[2 * j + 1];
        hole = j;
      }
    }
    cells[2 * hole + 1] = EMPTY;
    this.numbers--;
  }

  clear(): void {
    this.cells = IdIndex.emptyCells(this.mask + 1);
    this.numbers = 0;
    this.strings.clear();
  }

  memoryBytes(): number {
    return (this.mask + 1) * 16;
  }

  private insert(id: number, slot: number): void {
    const cells = this.cells;
    const mask = this.mask;
    let i = hashInt(id, mask);
    while (cells[2 * i + 1] !== EMPTY) i = (i + 1) & mask;
    cells[2 * i] = id;
    cells[2 * i + 1] = slot;
  }

  private resize(capacity: number): void {
    const old = this.cells;
    this.cells = IdIndex.emptyCells(capacity);
    this.mask = capacity - 1;
    for (let i = 1; i < old.length; i += 2) {
      if (old[i] !== EMPTY) this.insert(old[i - 1], old[i]);
    }
  }
}
