// Why this file exists: the exchange's queues (commands in flight, submits waiting for room,
// records waiting to become durable) are FIFOs that see hundreds of thousands of pushes a second;
// Array.shift() is O(n). A ring of power-of-two capacity that only grows: the previous version
// (an array with a moving head, dropped when empty and sliced when half consumed) regrew and
// copied its array every time the pipeline drained, about 60 bytes of garbage per command on the
// exchange's thread (bench/exchange/alloc-profile.ts, docs/measurements.md, issue 9). Each queue is bounded by
// its caller (pendingMax, waitingMax, the backup's behind limit), so the ring is too.

const INITIAL_CAPACITY = 16;

export class Fifo<T> {
  private items: Array<T | undefined> = new Array<T | undefined>(INITIAL_CAPACITY).fill(undefined);
  /** capacity - 1 (capacity is a power of two). */
  private mask = INITIAL_CAPACITY - 1;
  private head = 0;
  private count = 0;

  get length(): number {
    return this.count;
  }

  push(item: T): void {
    if (this.count > this.mask) this.grow();
    this.items[(this.head + this.count) & this.mask] = item;
    this.count++;
  }

  peek(): T | undefined {
    return this.count === 0 ? undefined : this.items[this.head];
  }

  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.items[this.head];
    // Cleared so a released entry is not kept alive by the ring.
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.count--;
    return item;
  }

  /** Removes and returns everything, oldest first. */
  drain(): T[] {
    const rest: T[] = [];
    while (this.count > 0) rest.push(this.shift() as T);
    return rest;
  }

  /** Doubles the capacity, oldest first at index 0. */
  private grow(): void {
    const capacity = this.mask + 1;
    const grown = new Array<T | undefined>(capacity * 2).fill(undefined);
    for (let i = 0; i < this.count; i++) grown[i] = this.items[(this.head + i) & this.mask];
    this.items = grown;
    this.mask = capacity * 2 - 1;
    this.head = 0;
  }
}
