// Why this file exists: the member's submit path is profiled in isolation (node --cpu-prof) so the
// cost per command can be attributed (NATS protocol, ack parsing, consumer, engine) and compared
// before/after a change, without the rest of bench:replicated around it.
//
//   MATCHLOG_NATS_CLUSTER=<cluster.json> tsx bench/replicated/profile-member.ts [commands] [window]
import { Exchange } from '../../exchange/exchange.js';
import type { ExchangeCommand } from '../../engine/index.js';
import { MULTI } from '../../test/exchange/fixtures/common.js';
import { LoadGenerator } from '../../test/exchange/fixtures/load.js';
import { deleteStream } from '../../test/support/jetstream.js';
import { findCluster } from '../../test/support/nats-cluster.js';

const count = Number(process.argv[2] ?? 30_000);
const windowMax = Number(process.argv[3] ?? 2_048);
const cluster = findCluster().manifest;
if (cluster === null) throw new Error('set MATCHLOG_NATS_CLUSTER');
const servers = [...cluster.servers];
const stream = `PROF_${process.pid}`;
const generator = new LoadGenerator(11, MULTI);
const list: ExchangeCommand[] = Array.from({ length: count }, () => generator.next());
const ex = await Exchange.open({ instruments: MULTI, ordersMax: 1 << 20, replication: { servers, stream } });
let next = 0;
let done = 0;
const began = performance.now();
await new Promise<void>((resolve, reject) => {
  const settle = (): void => {
    if (++done === list.length) resolve();
    else pump();
  };
  const pump = (): void => {
    while (next < list.length && next - done < windowMax) ex.submit(list[next++]).then(settle, reject);
  };
  pump();
});
const seconds = (performance.now() - began) / 1000;
process.stdout.write(`${count} commands in ${seconds.toFixed(2)} s: ${Math.round(count / seconds)}/s; stats ${JSON.stringify(ex.stats().log)}\n`);
await ex.close();
await deleteStream(servers, stream);
