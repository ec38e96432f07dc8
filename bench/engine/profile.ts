// Why this file exists: a profiler-friendly driver for the engine: it generates a workload, then
// records a V8 CPU profile of the timed passes only (inspector API), so the profile shows engine
// time, not generation or harness time. No peer, no latency pass, no forced GC.
//
//   tsx bench/engine/profile.ts [mixed|deep|wide] [execute|apply] [passes] [commands] [out.cpuprofile] [variant]
//   tsx bench/common/cpuprofile.ts out.cpuprofile --top 25
//
// For per-line figures run a bundle (tsx reports every function at line 1):
//   npx esbuild bench/engine/profile.ts --bundle --platform=node --format=esm --packages=external \
//     --outfile=/tmp/p/profile.mjs && ln -s "$PWD/node_modules" /tmp/p/ && node /tmp/p/profile.mjs ...
//   tsx bench/common/cpuprofile.ts out.cpuprofile --lines

import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { passSetup } from './pass-setup.js';
import { timeEnginePass } from './run.js';

/** Sampling interval of the profiler (µs); V8's default is 1000. */
const SAMPLING_INTERVAL_US = 100;

/**
 * Cuts the profiler's own start-up out of the profile. A sample's time delta is the time since the
 * previous sample, and the first one's is the time since `Profiler.start`: V8 then logs every code
 * object already compiled, 100-140 ms here, all charged to the first sample, which is the native
 * `dispatch` of node:inspector's Session.post that carried `Profiler.start`. That showed up as
 * `dispatch ()` with 8-15% self time of `mixed` execute and no location (issue 11): no engine
 * time at all. The first delta becomes one sampling interval and the start time moves with it.
 */
function dropStartGap(profile: { startTime: number; timeDeltas?: number[] }): void {
  const deltas = profile.timeDeltas;
  if (deltas === undefined || deltas.length === 0 || deltas[0] <= SAMPLING_INTERVAL_US) return;
  profile.startTime += deltas[0] - SAMPLING_INTERVAL_US;
  deltas[0] = SAMPLING_INTERVAL_US;
}

async function main(): Promise<void> {
  const [name = 'mixed', pathArg = 'execute', passesArg = '5', commandsArg = '1000000', out = 'engine.cpuprofile', variantArg = 'int-1acct'] =
    process.argv.slice(2);
  const { path, passes, commands, make } = passSetup(name, pathArg, passesArg, commandsArg, variantArg);

  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: SAMPLING_INTERVAL_US });
  await session.post('Profiler.start');
  for (let pass = 0; pass < passes; pass++) {
    const { elapsed_ms, cpu_ms } = timeEnginePass(path, commands, commands.length, make);
    const rate = (ms: number): string => Math.round(commands.length / (ms / 1000)).toLocaleString('en-US');
    console.log(`${name} ${path} pass ${pass + 1}: ${rate(elapsed_ms)} commands/s, ${rate(cpu_ms)} per CPU-s`);
  }
  const { profile } = await session.post('Profiler.stop');
  session.disconnect();
  dropStartGap(profile);
  writeFileSync(out, JSON.stringify(profile));
  console.log(`wrote ${out}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
