// Why this file exists: A data directory has one writer. A second Exchange.open on a directory that is open — in this
// process or in another — must be refused: two sequencers over one log hand out the same seqs,
// acknowledge both, and the log keeps one of them (or ends up with a hole no reopen gets past).

import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { Exchange, type ExchangeCommand } from '../../index.js';
import { MULTI, Scope } from './fixtures/common.js';
import { REPO_ROOT } from './fixtures/crash-harness.js';
import type { ChildConfig } from './fixtures/crash-plan.js';

const order = (id: string): ExchangeCommand => ({ op: 'new', id, account: 'a', symbol: 'ACME', side: 'buy', type: 'limit', price: 5, qty: 1 });

describe('one writer per directory', () => {
  const scope = new Scope();
  afterEach(() => scope.dispose());

  // Regression (fixed in 3d71eca, exchange/dir-lock.ts): nothing locked the directory; the second
  // open succeeded, both exchanges acknowledged seq 2, and after a reopen one of the two
  // acknowledged orders was gone (across processes the log was left with a hole: unopenable).
  it('refuses a second open in the same process while the first is open', async () => {
    const dir = scope.dir();
    const first = await scope.open({ dir, instruments: MULTI });
    await first.submit(order('a1'));
    const second = await Exchange.open({ dir }).catch((e: unknown) => e as Error);
    if (second instanceof Exchange) {
      // Show what is at stake before failing: two acknowledgements for one seq.
      const [x, y] = await Promise.all([first.submit(order('a2')), second.submit(order('b2'))]);
      await second.close();
      expect.fail(`second open succeeded; both acknowledged: a2 at seq ${x.seq}, b2 at seq ${y.seq}`);
    }
    expect(second).toBeInstanceOf(Error);
    // The first exchange is unharmed, and the directory opens again once it is closed.
    expect((await first.submit(order('a2'))).seq).toBe(2);
    await first.close();
    const again = await scope.open({ dir });
    expect(again.stats().commands).toBe(2);
  });

  it('refuses an open from another process while this one has it open', async () => {
    const dir = scope.dir();
    const ex = await scope.open({ dir, instruments: MULTI });
    await ex.submit(order('p1'));
    const config: ChildConfig = { dir, workers: 1, loadSeed: 1, loadMs: 200, instruments: MULTI, options: {} };
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/exchange/fixtures/crash-child.ts', JSON.stringify(config)], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => {
      out += t;
      // Opened: that is the failure; no need to let it write more into our log.
      if (out.includes('ready')) child.kill('SIGKILL');
    });
    child.stderr.setEncoding('utf8').on('data', () => undefined);
    const timer = setTimeout(() => child.kill('SIGKILL'), 8_000);
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    clearTimeout(timer);
    expect(out.split('\n').some((line) => line.startsWith('ready')), 'the child opened the directory').toBe(false);
    expect(code).not.toBe(0);
    expect((await ex.submit(order('p2'))).seq).toBe(2);
  });
});
