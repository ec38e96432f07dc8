// Why this file exists: how the exchange's thread learns that a matching worker wrote answers
// (exchange/matching-host.ts). Two candidates, alternating in one run: Atomics.waitAsync on the
// output ring's write counter (the worker's Atomics.notify settles it), or a MessagePort ping the
// worker posts per answer. A ping-pong of N round trips (the worker sleeps in Atomics.wait on the
// input counter, as the matching worker does); reported: wall µs per round trip and CPU µs per
// round trip summed over both threads (process.cpuUsage), medians of the runs, with the load.
//   npx tsx bench/exchange/wake-compare.ts [--trips 20000] [--runs 5]

import { loadavg } from 'node:os';
import { MessageChannel, Worker } from 'node:worker_threads';
import { median } from '../common/stats.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : process.argv[i + 1];
}

const trips = Number(arg('--trips', '20000'));
const runs = Number(arg('--runs', '5'));

/** The worker: waits for the input counter to move, bumps the output counter, then wakes the main thread. */
const WORKER = `
const { workerData } = require('node:worker_threads');
const control = new Int32Array(workerData.buffer);
const port = workerData.port;
const byPort = workerData.mode === 'port';
let seen = 0;
for (;;) {
  Atomics.wait(control, 0, seen, 50);
  const now = Atomics.load(control, 0);
  if (now === seen) continue;
  if (now < 0) break;
  seen = now;
  Atomics.store(control, 1, now);
  if (byPort) port.postMessage(now);
  else Atomics.notify(control, 1);
}
`;

type WaitAsync = (array: Int32Array, index: number, value: number) => { async: boolean; value: Promise<unknown> | string };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

async function pingPong(mode: 'waitAsync' | 'port'): Promise<{ wallMicros: number; cpuMicros: number }> {
  const buffer = new SharedArrayBuffer(64);
  const control = new Int32Array(buffer);
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(WORKER, { eval: true, workerData: { buffer, port: port2, mode }, transferList: [port2] });
  await new Promise((resolve) => setTimeout(resolve, 50));
  let onMessage: (() => void) | null = null;
  port1.on('message', () => onMessage?.());
  const answered = (trip: number): Promise<unknown> => {
    if (mode === 'port') return new Promise<void>((resolve) => (onMessage = resolve));
    const seen = Atomics.load(control, 1);
    if (seen === trip) return Promise.resolve();
    const waited = waitAsync(control, 1, seen);
    return waited.async ? (waited.value as Promise<unknown>) : Promise.resolve();
  };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let trip = 1; trip <= trips; trip++) {
    const answer = answered(trip);
    Atomics.store(control, 0, trip);
    Atomics.notify(control, 0);
    await answer;
    // Bounded: the worker has stored `trip` before it woke us; a port message may lead the store by nothing.
    while (Atomics.load(control, 1) !== trip) await answered(trip);
  }
  const wallMicros = ((performance.now() - t0) * 1000) / trips;
  const cpu = process.cpuUsage(cpu0);
  Atomics.store(control, 0, -1);
  Atomics.notify(control, 0);
  port1.close();
  await worker.terminate();
  return { wallMicros, cpuMicros: (cpu.user + cpu.system) / trips };
}

const results: Record<string, Array<{ wallMicros: number; cpuMicros: number }>> = { waitAsync: [], port: [] };
const loads: number[] = [];
for (let run = 0; run < runs; run++) {
  for (const mode of ['waitAsync', 'port'] as const) {
    const r = await pingPong(mode);
    results[mode].push(r);
    loads.push(loadavg()[0]);
    console.log(`run ${run + 1} ${mode}: ${r.wallMicros.toFixed(1)} µs wall, ${r.cpuMicros.toFixed(1)} µs CPU per round trip (load ${loadavg()[0].toFixed(1)})`);
  }
}
for (const mode of ['waitAsync', 'port'] as const) {
  const list = results[mode];
  console.log(`${mode} (median of ${runs}, load ${median(loads).toFixed(1)}): ${median(list.map((r) => r.wallMicros)).toFixed(1)} µs wall, ${median(list.map((r) => r.cpuMicros)).toFixed(1)} µs CPU per round trip`);
}
