// Why this file exists: the command line itself — subcommands, options, exit codes and how errors
// are shown — kept apart from the bin entry so tests can run it in-process with captured output.
// Exit codes: 0 ok, 1 verification failure or damaged/unreadable data, 2 usage error.

import { Command, CommanderError } from 'commander';
import { CliError, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, exitCodeOf, messageOf, PROCESS_OUTPUT, toJson, type Output } from './common.js';
import { printInspect, runInspect } from './inspect.js';
import { printRecover, runRecover } from './recover.js';
import { printTidy, runTidy } from './tidy.js';
import { printVerify, runVerify } from './verify.js';

interface CommonOptions {
  dir: string;
  json?: boolean;
  verbose?: boolean;
}

interface VerifyCliOptions extends CommonOptions {
  strict?: boolean;
}

/** Runs the CLI with user arguments (no `node` or script path); resolves with the exit code. */
export async function run(args: string[], output: Output = PROCESS_OUTPUT): Promise<number> {
  let exitCode = EXIT_OK;
  const attempt = async (name: string, options: CommonOptions, body: () => Promise<number>): Promise<void> => {
    try {
      exitCode = await body();
    } catch (error) {
      exitCode = exitCodeOf(error);
      const message = messageOf(error);
      output.err(`matchlog ${name}: ${message}`);
      if (options.verbose === true && error instanceof Error && !(error instanceof CliError) && error.stack !== undefined) {
        output.err(error.stack);
      }
      if (options.json === true) output.out(toJson({ ok: false, error: message, exitCode }));
    }
  };

  const program = new Command('matchlog')
    .description('Inspect, recover and verify a matchlog data directory (read-only); tidy it after an accepted loss.')
    .exitOverride()
    .configureOutput({ writeOut: (text) => output.out(text), writeErr: (text) => output.err(text) })
    .allowExcessArguments(false);

  const withCommon = (command: Command): Command =>
    command
      .requiredOption('--dir <dir>', 'the data directory (holds matchlog.json, wal/, checkpoints/)')
      .option('--json', 'print the result as JSON')
      .option('--verbose', 'print stack traces with errors');

  withCommon(program.command('recover'))
    .description('recover the stored state without starting workers or writing checkpoints; print sequence, state hash, timings and books')
    .action(async (options: CommonOptions) => {
      await attempt('recover', options, async () => {
        printRecover(await runRecover(options.dir), output, options.json === true);
        return EXIT_OK;
      });
    });

  withCommon(program.command('inspect'))
    .description('show the log range, checkpoints (and whether each is valid), sizes and instruments')
    .action(async (options: CommonOptions) => {
      await attempt('inspect', options, async () => {
        printInspect(await runInspect(options.dir), output, options.json === true);
        return EXIT_OK;
      });
    });

  withCommon(program.command('verify'))
    .description('replay the whole log, checking every mark and comparing against every checkpoint and hash mark')
    .option('--strict', 'also fail when a checkpoint file is invalid (by default it is reported and skipped)')
    .action(async (options: VerifyCliOptions) => {
      await attempt('verify', options, async () => {
        const result = await runVerify(options.dir, { strict: options.strict === true });
        printVerify(result, output, options.json === true);
        return result.ok ? EXIT_OK : EXIT_FAILURE;
      });
    });

  withCommon(program.command('tidy'))
    .description('report records missing behind the newest valid checkpoint; with --accept-loss move those checkpoints aside (nothing is deleted)')
    .option('--accept-loss', 'accept the loss: move checkpoints beyond the log into checkpoints/ahead-of-log/')
    .action(async (options: CommonOptions & { acceptLoss?: boolean }) => {
      await attempt('tidy', options, async () => {
        const result = await runTidy(options.dir, { acceptLoss: options.acceptLoss === true });
        printTidy(result, output, options.json === true);
        return result.behind === null || result.moved.length > 0 ? EXIT_OK : EXIT_FAILURE;
      });
    });

  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (error) {
    // exitOverride: commander has already printed its one-line message (or the help).
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    output.err(`matchlog: ${messageOf(error)}`);
    return EXIT_FAILURE;
  }
  return exitCode;
}
