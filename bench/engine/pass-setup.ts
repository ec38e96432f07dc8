// Why this file exists: the single-purpose engine drivers (profile.ts, gc-count.ts) take the same
// positional arguments — workload, path, passes, commands, id variant — and prepare the same
// thing: a checked stream, an engine factory and a warm-up pass. One place checks and builds it.

import { ENGINE_PATHS, type EnginePath, timeEnginePass } from './run.js';
import { ID_VARIANTS, type IdVariant, withIdVariant } from './variants.js';
import { createWorkloadEngine, generateWorkloadDetailed, isWorkloadName, WORKLOAD_COMMANDS_MAX } from './workloads.js';

/** Timed passes a driver may ask for. */
export const PASSES_MAX = 100;

export interface PassSetup {
  path: EnginePath;
  passes: number;
  commands: ReturnType<typeof withIdVariant>;
  make: () => ReturnType<typeof createWorkloadEngine>;
}

/** Checks the arguments, generates the stream (seed 1) and runs an untimed warm-up pass. */
export function passSetup(name: string, pathArg: string, passesArg: string, commandsArg: string, variantArg: string): PassSetup {
  if (!(ID_VARIANTS as readonly string[]).includes(variantArg)) throw new Error(`unknown variant ${variantArg}`);
  if (!isWorkloadName(name)) throw new Error(`unknown workload ${name}`);
  if (!(ENGINE_PATHS as readonly string[]).includes(pathArg)) throw new Error(`unknown path ${pathArg}`);
  const path = pathArg as EnginePath;
  const passes = Number(passesArg);
  const count = Number(commandsArg);
  if (!Number.isInteger(passes) || passes < 1 || passes > PASSES_MAX) throw new RangeError(`passes must be 1..${PASSES_MAX}`);
  if (!Number.isInteger(count) || count < 1 || count > WORKLOAD_COMMANDS_MAX) throw new RangeError('bad command count');
  const workload = generateWorkloadDetailed(name, { commands: count, seed: 1 });
  const commands = withIdVariant(workload.commands, variantArg as IdVariant);
  const make = () => createWorkloadEngine(workload);
  timeEnginePass(path, commands, Math.min(count, 200_000), make); // warm-up, untimed
  return { path, passes, commands, make };
}
