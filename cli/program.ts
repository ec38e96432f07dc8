// Why this file exists: the command line itself — subcommands, options, exit codes and how errors
// are shown — kept apart from the bin entry so tests can run it in-process with captured output.
// Exit codes: 0 ok, 1 verification failure, damaged/unreadable data or data missing from the log,
// 2 usage error, 3 the directory is held by a live exchange.

import { Command, CommanderError } from 'commander';
import { CliError, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, exitCodeOf, messageOf, PROCESS_OUTPUT, toJson, type Output } from './common.js';
import { printInspect, runInspect } from './inspect.js';
import { printRecover, runRecover } from './recover.js';
import { printTidy, runTidy } from './tidy.js';
import { printVerify, runVerify } from './verify.js';
import { packageVersion } from './version.js';

interface CommonOptions {
  dir: string;
  json?: boolean;
  verbose?: boolean;
}

interface VerifyCliOptions extends CommonOptions {
  strict?: boolean;
}

interface TidyCliOptions extends CommonOptions {
  acceptLoss?: boolean;
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
    .description('Inspect, recover and verify a matchlog data directory (read-only); tidy removes what recovery can never use, when asked.')
    .version(packageVersion(), '-V, --version', 'print the version of matchlog')
    .exitOverride()
    .configureOutput({ writeOut: (text) => output.out(text), writeErr: (text) => output.err(text) })
    .allowExcessArguments(false);

  const withCommon = (command: Command): Command =>
    command
      .requiredOption('--dir <dir>', 'the data directory (holds matchlog.json, wal/, checkpoints/)')
      .option('--json', 'print the result as JSON')
      .option('--verbose', 'print stack traces with errors');

  withCommon(program.command('recover'))
    .description(
      'recover the stored state without starting workers, writing or deleting anything; print sequence, state hash, timings and books ' +
        '(exits 1 when the log is missing records a checkpoint covers)',
    )
    .action(async (options: CommonOptions) => {
      await attempt('recover', options, async () => {
        const result = await runRecover(options.dir, { progress: options.json === true ? null : (output.progress ?? null) });
        printRecover(result, output, options.json === true);
        for (const problem of result.problems) output.err(`matchlog recover: ${problem}`);
        return result.problems.length === 0 ? EXIT_OK : EXIT_FAILURE;
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
    .description(
      'replay the whole log, checking every mark and comparing against every checkpoint and hash mark; exits 1 on any mismatch, ' +
        'an invalid checkpoint, a checkpoint beyond the log, or when nothing could be compared',
    )
    .option('--strict', 'accepted for old scripts: an invalid checkpoint always fails verify now')
    .action(async (options: VerifyCliOptions) => {
      await attempt('verify', options, async () => {
        const result = await runVerify(options.dir, { progress: options.json === true ? null : (output.progress ?? null) });
        printVerify(result, output, options.json === true);
        return result.ok ? EXIT_OK : EXIT_FAILURE;
      });
    });

  withCommon(program.command('tidy'))
    .description(
      'list (or with --accept-loss move aside, never delete) files recovery can never use: checkpoints beyond the log, ' +
        'invalid checkpoints, unfinished checkpoint writes; exits 1 when it lists something it did not move',
    )
    .option('--accept-loss', 'move the listed files into checkpoints/ahead-of-log/ and checkpoints/invalid/')
    .action(async (options: TidyCliOptions) => {
      await attempt('tidy', options, async () => {
        const result = await runTidy(options.dir, { acceptLoss: options.acceptLoss === true });
        printTidy(result, output, options.json === true);
        return result.items.length === 0 || result.moved ? EXIT_OK : EXIT_FAILURE;
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
