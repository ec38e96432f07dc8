// Why this file exists: the other half of recovery-phases.ts. A fresh process (as after a real
// crash: cold modules, cold JIT) opens a copy of a SIGKILLed exchange's directory with the Exchange
// of checkout `root`, sends one command, and prints one JSON line: the open's wall and CPU time, the time
// to the first acknowledgement and the exchange's own `stats().recovery` (its phase timeline).
// Usage: node --import tsx recovery-open-child.ts <root> <dir>

import { writeSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [root, dir] = process.argv.slice(2);
const { Exchange } = (await import(pathToFileURL(join(root, 'exchange', 'exchange.ts')).href)) as typeof import('../../exchange/exchange.js');
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const exchange = await Exchange.open({ dir });
const openMs = performance.now() - t0;
// CPU of every thread of the process during the open: the work done, less sensitive than wall
// time to a machine that other jobs keep busy.
const cpu = process.cpuUsage(cpu0);
const openCpuMs = (cpu.user + cpu.system) / 1000;
// A cancel of an id nobody used: released once the checks recovery deferred have passed.
await exchange.submit({ op: 'cancel', id: 'recovery-phases-first-ack', account: 'bench' }).catch(() => undefined);
const firstAckMs = performance.now() - t0;
const stats = exchange.stats();
const stateHash = exchange.stateHash();
await exchange.close();
writeSync(1, `${JSON.stringify({ openMs, openCpuMs, firstAckMs, stateHash, recovery: stats.recovery })}\n`);
