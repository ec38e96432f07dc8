// Why this file exists: the exchange's FIFO is a growing ring; order must survive wrap-around and
// growth at any head position, and shifted slots must not keep entries alive.

import { describe, expect, it } from 'vitest';
import { Fifo } from '../../exchange/fifo.js';

describe('Fifo', () => {
  it('keeps order across wrap-around and growth, like an array queue', () => {
    const fifo = new Fifo<number>();
    const model: number[] = [];
    let next = 0;
    // A deterministic mix of pushes and shifts that wraps the ring and grows it while wrapped.
    for (let step = 0; step < 5000; step++) {
      const pushes = (step * 7) % 5;
      const shifts = (step * 3) % 4;
      for (let i = 0; i < pushes; i++) {
        fifo.push(next);
        model.push(next++);
      }
      for (let i = 0; i < shifts; i++) expect(fifo.shift()).toBe(model.shift());
      expect(fifo.length).toBe(model.length);
      expect(fifo.peek()).toBe(model[0]);
    }
    expect(fifo.drain()).toEqual(model);
    expect(fifo.length).toBe(0);
    expect(fifo.shift()).toBeUndefined();
    expect(fifo.peek()).toBeUndefined();
  });

  it('drops its reference to a shifted item', () => {
    const fifo = new Fifo<object>();
    const item = {};
    fifo.push(item);
    fifo.shift();
    expect((fifo as unknown as { items: unknown[] }).items.includes(item)).toBe(false);
  });
});
