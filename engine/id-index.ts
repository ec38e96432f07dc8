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
  // Mix the low and high 32 bits of a safe integer; Math.imul keeps it in int32 arithmetic.
  const lo = key >>> 0;
  const hi = Math.floor(key / 4294967296) | 0;
  let h = Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1);
  h ^= h >>> 16;
  return h & mask;
}

export class IdIndex {
  private keys = new Float64Array(INITIAL_CAPACITY);
  private values = new Int32Array(INITIAL_CAPACITY).fill(EMPTY);
  private mask = INITIAL_CAPACITY - 1;
  private numbers = 0;
  private readonly strings = new Map<string, number>();

  get size(): number {
    return this.numbers + this.strings.size;
  }

  /** Slot of `id`, or -1. */
  get(id: string | number): number {
    if (typeof id === 'string') return this.strings.get(id) ?? EMPTY;
    const keys = this.keys;
    const values = this.values;
    const mask = this.mask;
    let i = hashInt(id, mask);
    // Bounded: the table is never full, so an empty cell ends every probe.
    for (;;) {
      const value = values[i];
      if (value === EMPTY) return EMPTY;
      if (keys[i] === id) return value;
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
    const keys = this.keys;
    const values = this.values;
    const mask = this.mask;
    let i = hashInt(id, mask);
    for (;;) {
      if (values[i] === EMPTY) return;
      if (keys[i] === id) break;
      i = (i + 1) & mask;
    }
    // Backward-shift deletion: move later members of the probe run into the hole.
    let hole = i;
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      if (values[j] === EMPTY) break;
      const home = hashInt(keys[j], mask);
      // Move j into the hole unless its home lies cyclically in (hole, j].
      const inRange = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!inRange) {
        keys[hole] = keys[j];
        values[hole] = values[j];
        hole = j;
      }
    }
    values[hole] = EMPTY;
    this.numbers--;
  }

  clear(): void {
    this.values.fill(EMPTY);
    this.numbers = 0;
    this.strings.clear();
  }

  memoryBytes(): number {
    return (this.mask + 1) * 12;
  }

  private insert(id: number, slot: number): void {
    const keys = this.keys;
    const values = this.values;
    const mask = this.mask;
    let i = hashInt(id, mask);
    while (values[i] !== EMPTY) i = (i + 1) & mask;
    keys[i] = id;
    values[i] = slot;
  }

  private resize(capacity: number): void {
    const oldKeys = this.keys;
    const oldValues = this.values;
    this.keys = new Float64Array(capacity);
    this.values = new Int32Array(capacity).fill(EMPTY);
    this.mask = capacity - 1;
    for (let i = 0; i < oldValues.length; i++) {
      if (oldValues[i] !== EMPTY) this.insert(oldKeys[i], oldValues[i]);
    }
  }
}
