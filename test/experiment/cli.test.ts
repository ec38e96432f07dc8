// Why this file exists: the experiment's command line and data directory: options are validated with exact messages
// before anything runs, and a run never empties a directory it did not make.

import { mkdirSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CommanderError } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ExperimentError, prepareDataDir } from '../../bench/experiment/experiment.js';
import { main } from '../../bench/experiment/run.js';
import { tempDir, type TempDir } from '../exchange/fixtures/common.js';

describe('npm start options', () => {
  afterEach(() => vi.restoreAllMocks());
  const rejected: Array<[string[], string]> = [
    [['--orders', '10'], "error: option '--orders <N>' argument '10' is invalid. --orders must be an integer from 1000 to 10000000"],
    [['--orders', '1e5'], "error: option '--orders <N>' argument '1e5' is invalid. --orders must be an integer from 1000 to 10000000"],
    [['--seed', 'x'], "error: option '--seed <S>' argument 'x' is invalid. --seed must be an integer from -2147483648 to 2147483647"],
    [['--rate', '5'], "error: option '--rate <R>' argument '5' is invalid. --rate must be an integer from 100 to 10000000"],
    [['--modes', 'warm,tepid'], "error: option '--modes <list>' argument 'warm,tepid' is invalid. unknown mode tepid (known: none, cold, warm, hot, matchlog)"],
    [['--fast'], "error: unknown option '--fast'"],
  ];
  for (const [argv, message] of rejected) {
    it(`refuses ${argv.join(' ')}`, async () => {
      const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
      const run = main(argv);
      await expect(run).rejects.toBeInstanceOf(CommanderError);
      await expect(run).rejects.toThrow(message);
      expect(stderr).toHaveBeenCalled();
    });
  }
});

describe('the data directory', () => {
  let dir: TempDir;
  afterEach(() => dir.cleanup());

  it('is created, marked, and emptied on the next run', () => {
    dir = tempDir('matchlog-exp-dir-');
    const root = join(dir.path, 'experiment');
    prepareDataDir(root);
    writeFileSync(join(root, 'left-over'), 'x');
    prepareDataDir(root);
    expect(readdirSync(root)).toEqual(['.matchlog-experiment']);
  });

  it('is refused when it holds files the experiment did not make', () => {
    dir = tempDir('matchlog-exp-dir-');
    const root = join(dir.path, 'mine');
    mkdirSync(root);
    writeFileSync(join(root, 'precious'), 'x');
    expect(() => prepareDataDir(root)).toThrow(new ExperimentError(`${root} is not empty and was not made by the experiment; choose another --dir`));
    expect(existsSync(join(root, 'precious'))).toBe(true);
  });
});
