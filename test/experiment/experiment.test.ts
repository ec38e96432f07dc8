// Why this file exists: the headline experiment, quick, in the suite: every mode runs in a real child that SIGKILLs
// itself, restarts in a new process and is checked against the reference. matchlog must lose
// nothing acknowledged; each no-log mode must report the loss it really had — re-counted here
// from the regenerated stream, not taken from the experiment's own arithmetic. Then the report:
// files written, SVGs well-formed.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runExperiment, type ExperimentResult, type ModeResult } from '../../bench/experiment/experiment.js';
import { MODE_NAMES } from '../../bench/experiment/modes.js';
import { writeReport, type WrittenReport } from '../../bench/experiment/report.js';
import { generateExperimentWorkload } from '../../bench/experiment/workload.js';
import { Engine } from '../../engine/index.js';
import { tempDir, type TempDir } from '../exchange/fixtures/common.js';

const ORDERS = 15_000;
const RATE_PER_S = 15_000;
const SEED = 3;

describe('the recovery experiment (quick)', () => {
  let data: TempDir;
  let reportDir: TempDir;
  let result: ExperimentResult;
  let written: WrittenReport;
  const mode = (name: string): ModeResult => result.modes.find((m) => m.plan.name === name)!;

  beforeAll(async () => {
    data = tempDir('matchlog-experiment-');
    reportDir = tempDir('matchlog-report-');
    const phases: string[] = [];
    result = await runExperiment(
      { orders: ORDERS, seed: SEED, rate_per_s: RATE_PER_S, window_ms: 50, warmup_ms: 100, dir: data.path, modes: MODE_NAMES },
      { phase: (m, phase) => phases.push(`${m}:${phase}`), done: () => undefined },
    );
    written = await writeReport(reportDir.path, result);
    expect(phases).toContain('matchlog:restarting');
  }, 240_000);
  afterAll(() => {
    data?.cleanup();
    reportDir?.cleanup();
  });

  it('runs every mode to the same crash point and restarts it exactly at a prefix of the stream', () => {
    expect(result.modes.map((m) => m.plan.name)).toEqual([...MODE_NAMES]);
    for (const m of result.modes) {
      expect(m.crash.acked, m.plan.name).toBe(ORDERS);
      expect(m.check.state_hash_equal, m.plan.name).toBe(true);
      expect(m.check.probe_ok, m.plan.name).toBe(true);
      expect(m.windows.length, m.plan.name).toBeGreaterThan(10);
    }
  });

  it('matchlog loses no acknowledged command, order, trade or resting order', () => {
    const m = mode('matchlog');
    expect(m.recovery.recovered_commands).toBeGreaterThanOrEqual(ORDERS);
    expect(m.loss).toMatchObject({ acked_commands_lost: 0, acked_orders_lost: 0, trades_lost: 0, resting_missing: 0, resting_revived: 0 });
    expect(m.loss.resting_compared).toBeGreaterThan(1_000);
    expect(m.recovery.checkpoint_seq).not.toBeNull();
    expect(m.recovery.replayed_commands).toBeGreaterThan(0);
    // The older checkpoints were restarted from too, replaying longer tails. How many older ones
    // the backup thread wrote before the kill depends on machine load, so none is possible.
    for (const point of m.sweep) expect(point.replayed_records).toBeGreaterThan(m.recovery.replayed_records);
  });

  it('the no-log modes report the loss they really had, re-counted here from the stream', () => {
    const workload = generateExperimentWorkload(result.workload.commands, SEED);
    for (const name of ['none', 'cold', 'warm', 'hot']) {
      const m = mode(name);
      const held = m.recovery.recovered_commands;
      // Independently of the restart's own check: the restarted state is this prefix of the stream.
      const reference = new Engine({ instruments: workload.specs, maxOrders: workload.commands.length });
      for (const command of workload.commands.slice(0, held)) reference.apply(command);
      expect(m.recovery.state_hash, name).toBe(reference.stateHash());
      // So what was acknowledged after it is lost. How much that is (none, even, when a snapshot
      // landed after the client's last acknowledgement) depends on where the kill fell relative to
      // the last snapshot, which machine load moves: the counts are checked, not their size.
      const lost = workload.commands.slice(Math.min(held, ORDERS), ORDERS);
      expect(m.loss.acked_commands_lost, name).toBe(lost.length);
      expect(m.loss.acked_orders_lost, name).toBe(lost.filter((c) => c.op === 'new').length);
      expect(m.crash_after_snapshot, name).toBe(ORDERS - held);
    }
    // No snapshot at all: everything acknowledged is lost, whatever the load.
    expect(mode('none').recovery.recovered_commands).toBe(0);
    expect(mode('none').loss.acked_orders_lost).toBeGreaterThan(0);
    expect(mode('none').loss.resting_missing).toBeGreaterThan(0);
    // cold comes back at least at its stop once the stop's dump was written. On a loaded machine
    // the commands already in flight at the stop can reach the crash point while close() is still
    // draining, and then the kill comes first (no restart line, nothing dumped).
    const cold = mode('cold');
    if (cold.restarts.length > 0) expect(cold.recovery.recovered_commands).toBeGreaterThanOrEqual(cold.plan.restartAt!);
    // warm and hot come back at a snapshot they took, or (none landed before the kill) empty.
    for (const name of ['warm', 'hot']) {
      const m = mode(name);
      if (m.recovery.checkpoint_seq === null) expect(m.recovery.recovered_commands, name).toBe(0);
      else expect(m.recovery.recovered_commands, name).toBeGreaterThan(0);
    }
  });

  it('warm pauses matching for its snapshots, and the load generator sees each pause', () => {
    const warm = mode('warm');
    // How many checkpoints land before the kill is not asserted: a loaded machine gathers several
    // due points into one batch (fewer) or adds time-based ones (more). Each one taken pauses.
    for (const c of warm.checkpoints) expect(c.pause_ms).toBeGreaterThan(0);
    // Measured on the client side: no acknowledgement at all for at least as long as the longest pause.
    expect(warm.crash.ack_gap_ms_max).toBeGreaterThanOrEqual(Math.max(...warm.checkpoints.map((c) => c.pause_ms)) - 1);
    expect(mode('hot').crash.checkpoint_pause_ms_max).toBe(0);
    // cold's stop, when it completed before the kill (see above): no acknowledgement at all for as
    // long as it lasted, and it outlasts a window.
    const cold = mode('cold');
    expect(cold.restarts.length).toBeLessThanOrEqual(1);
    for (const restart of cold.restarts) {
      expect(cold.crash.ack_gap_ms_max).toBeGreaterThanOrEqual(restart.downtime_ms - 1);
      expect(restart.downtime_ms).toBeGreaterThan(2 * result.options.window_ms);
      expect(cold.slowest_window_per_s).toBe(0);
    }
    for (const name of ['cold', 'warm', 'matchlog']) {
      if (mode(name).checkpoints.length > 0) expect(mode(name).bytes_per_checkpoint, name).toBeGreaterThan(0);
    }
  });

  it('writes the report: markdown with the tables and the report\'s figures, JSON, well-formed SVG charts', () => {
    const markdown = readFileSync(written.markdown, 'utf8');
    expect(markdown).toContain('| mode | longest pause | snapshot interval | crash came | acked orders lost |');
    expect(markdown).toContain('warm: the report | 30–120 s | ~20 s | a whole interval (worst case) | 40,000–100,000');
    expect(markdown).toContain('hot: the report');
    expect(markdown).toContain('540,000');
    const json = JSON.parse(readFileSync(written.json, 'utf8')) as ExperimentResult;
    expect(json.modes).toHaveLength(MODE_NAMES.length);
    expect(written.charts.map((file) => file.split('/').pop())).toEqual(['latency.svg', 'throughput.svg', 'recovery.svg', 'loss.svg']);
    for (const file of written.charts) {
      expect(existsSync(file)).toBe(true);
      const svg = readFileSync(file, 'utf8');
      expect(XMLValidator.validate(svg), file).toBe(true);
      expect(svg.startsWith('<svg')).toBe(true);
      expect(markdown).toContain(`](charts/${file.split('/').pop()})`);
    }
    expect(readFileSync(join(written.dir, 'charts', 'loss.svg'), 'utf8')).toContain('matchlog');
  });
});
