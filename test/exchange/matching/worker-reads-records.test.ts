// Why this file exists: a matching worker reads the very bytes the log stores (the binary record)
// and decodes them into one reused ParsedCommand; this proves its events — reject details
// included — equal Engine.apply's on seeded streams with every order type, admin commands (adds,
// halts, resumes), malformed input (skipped: never logged), tiny capacities and id windows.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { optionsArb, resolveStream, streamWithAdminArb, growingOptionsArb } from '../../engine/generators.js';
import { DEFAULT_LIMITS, driveWorker } from './fixtures.js';

describe('the worker executes the log records themselves', () => {
  it('answers what Engine.apply returns, over seeded streams of every command kind', async () => {
    const cases = fc.sample(fc.tuple(optionsArb, streamWithAdminArb(300, 400, 1)), { numRuns: 4, seed: 9 });
    for (const [options, plans] of cases) {
      const commands = resolveStream(plans, options);
      const { worker, reference } = await driveWorker(options, commands, DEFAULT_LIMITS, 37);
      expect(worker.length).toBeGreaterThan(200);
      expect(worker).toEqual(reference);
    }
  });

  it('learns instruments added while running (later records name them by index)', async () => {
    const [[options, plans]] = fc.sample(fc.tuple(growingOptionsArb, streamWithAdminArb(300, 300, 4)), { numRuns: 1, seed: 3 });
    const commands = resolveStream(plans, options);
    const { worker, reference } = await driveWorker(options, commands, DEFAULT_LIMITS);
    expect(reference.flat().some((event) => event.type === 'instrument_added')).toBe(true);
    expect(worker).toEqual(reference);
  });
});
