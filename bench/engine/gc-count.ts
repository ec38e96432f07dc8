// Why this file exists: the CPU profile of `mixed` execute charged ~10% to the garbage collector,
// although `execute` is meant to allocate nothing per command. This driver counts the collections
// (and their time) that happen inside timed passes only, after generation and warm-up, so an
// allocation on the hot path shows as young-generation collections per million commands.
//
//   npx tsx bench/engine/gc-count.ts [mixed|deep|wide] [execute|apply] [passes=3] [commands=300000] [variant=int-1acct]

import { PerformanceObserver, constants } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import { passSetup } from './pass-setup.js';
import { timeEnginePass } from './run.js';

async function main(): Promise<void> {
  const [name = 'mixed', pathArg = 'execute', passesArg = '3', commandsArg = '300000', variantArg = 'int-1acct'] = process.argv.slice(2);
  const { path, passes, commands, make } = passSetup(name, pathArg, passesArg, commandsArg, variantArg);
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
    timeEnginePass(path, commands, commands.length, make);
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
