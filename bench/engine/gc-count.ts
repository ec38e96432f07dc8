// Why this file exists: the CPU profile of `mixed` execute charged ~10% to the garbage collector,
// although `execute` is meant to allocate nothing per command. This driver counts the collections
// (and their time) that happen inside timed passes only, after generation and warm-up, so an
// allocation on the hot path shows as young-generation collections per million commands.
//
//   npx tsx bench/engine/gc-count.ts [mixed|deep|wide] [execute|apply] [passes=3] [commands=300000] [variant=int-1acct]

import { PerformanceObserver, constants } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import { ENGINE_PATHS, type EnginePath, timeEnginePass } from './run.js';
import { ID_VARIANTS, type IdVariant, withIdVariant } from './variants.js';
import { createWorkloadEngine, generateWorkloadDetailed, isWorkloadName, WORKLOAD_COMMANDS_MAX } from './workloads.js';

const PASSES_MAX = 100;

async function main(): Promise<void> {
  const [name = 'mixed', pathArg = 'execute', passesArg = '3', commandsArg = '300000', variantArg = 'int-1acct'] = process.argv.slice(2);
  if (!(ID_VARIANTS as readonly string[]).includes(variantArg)) throw new Error(`unknown variant ${variantArg}`);
  if (!isWorkloadName(name)) throw new Error(`unknown workload ${name}`);
  if (!(ENGINE_PATHS as readonly string[]).includes(pathArg)) throw new Error(`unknown path ${pathArg}`);
  const passes = Number(passesArg);
  const count = Number(commandsArg);
  if (!Number.isInteger(passes) || passes < 1 || passes > PASSES_MAX) throw new RangeError(`passes must be 1..${PASSES_MAX}`);
  if (!Number.isInteger(count) || count < 1 || count > WORKLOAD_COMMANDS_MAX) throw new RangeError('bad command count');
  const workload = generateWorkloadDetailed(name, { commands: count, seed: 1 });
  const commands = withIdVariant(workload.commands, variantArg as IdVariant);
  const make = () => createWorkloadEngine(workload);
  timeEnginePass(pathArg as EnginePath, commands, Math.min(count, 200_000), make); // warm-up
  let counting = false;
  const tally = { minor: 0, major: 0, other: 0, ms: 0 };
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (!counting) continue;
      const kind = (entry as unknown as { detail?: { kind?: number } }).detail?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MINOR) tally.minor++;
      else if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) tally.major++;
      else tally.other++;
      tally.ms += entry.duration;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  // Entries are delivered asynchronously: yield around the passes so each lands on the right side.
  await new Promise((resolve) => setTimeout(resolve, 50));
  counting = true;
  // Young-generation bytes used grow by exactly what a pass allocates there when no scavenge runs
  // in it (a fresh engine's typed arrays are off-heap or large objects, not counted here). GC
  // entries arrive asynchronously, so a pass is trusted only when the whole run had no minor GC.
  const youngBytes: number[] = [];
  for (let pass = 0; pass < passes; pass++) {
    const before = newSpaceUsed();
    timeEnginePass(pathArg as EnginePath, commands, commands.length, make);
    const after = newSpaceUsed();
    if (after >= before) youngBytes.push((after - before) / commands.length);
  }
  await new Promise((resolve) => setTimeout(resolve, 50));
  observer.disconnect();
  const perMillion = (n: number): string => ((n * 1e6) / (passes * commands.length)).toFixed(1);
  const young = tally.minor > 0 || youngBytes.length === 0 ? 'n/a (scavenges ran)' : youngBytes.map((b) => b.toFixed(1)).join(', ');
  console.log(
    `${name} ${pathArg} ${variantArg}, ${passes} × ${commands.length} commands: minor GCs ${tally.minor} (${perMillion(tally.minor)} per M commands), major ${tally.major}, other ${tally.other}, ${tally.ms.toFixed(1)} ms in GC; young-generation bytes per command by pass: ${young}`,
  );
}

function newSpaceUsed(): number {
  const space = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
  return space === undefined ? 0 : space.space_used_size;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
