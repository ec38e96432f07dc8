// Why this file exists: the replicated log is only worth what it does against a real three-node JetStream
// cluster (Raft elections, a dead leader, a lost quorum), so tests and the benchmark run
// Debian's `nats-server` for real instead of a mock. This one module starts such a cluster on
// loopback ports, writes a manifest (ports, pid files, configs) that .ci/run hands to the
// tests through MATCHLOG_NATS_CLUSTER, and lets a test SIGKILL and restart any node by pid,
// the stream leader included. Nodes are detached and write their own pid files, so whoever
// started the cluster (.ci/run's trap, a benchmark's finally) stops them by pid, never by name.
//
// CLI (used by .ci/run):  tsx test/support/nats-cluster.ts start <dir> [basePort]
//                         tsx test/support/nats-cluster.ts stop <dir>

import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, openSync, readFileSync, writeFileSync, existsSync, closeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Environment variable naming the manifest file of a running cluster. */
export const CLUSTER_ENV = 'MATCHLOG_NATS_CLUSTER';

export interface NodeInfo {
  /** server_name, as JetStream reports it for a stream's leader and replicas. */
  readonly name: string;
  readonly clientPort: number;
  readonly clusterPort: number;
  readonly httpPort: number;
  readonly configPath: string;
  readonly pidPath: string;
  readonly logPath: string;
  readonly storeDir: string;
}

export interface ClusterManifest {
  readonly dir: string;
  readonly binary: string;
  readonly nodes: readonly NodeInfo[];
  /** nats:// URLs of every node, for a client that should fail over between them. */
  readonly servers: readonly string[];
}

export interface StartOptions {
  /** Directory for configs, pid files, logs and each node's JetStream store (created). */
  dir: string;
  /** Client ports are basePort, +1, +2; cluster ports +100…; monitoring ports +200…. */
  basePort?: number;
  /** How long to wait for every node to report JetStream healthy. */
  readyMsMax?: number;
}

const NODE_COUNT = 3;
const DEFAULT_BASE_PORT = 14_222;
const DEFAULT_READY_MS_MAX = 30_000;

export function natsServerBinary(): string | null {
  const found = spawnSync('sh', ['-c', 'command -v nats-server'], { encoding: 'utf8' });
  const path = found.stdout.trim();
  return found.status === 0 && path.length > 0 ? path : null;
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

function nodeConfig(node: NodeInfo, all: readonly NodeInfo[]): string {
  const routes = all.filter((other) => other !== node).map((other) => `    nats-route://127.0.0.1:${other.clusterPort}`);
  return [
    `server_name: ${node.name}`,
    `listen: 127.0.0.1:${node.clientPort}`,
    `http: 127.0.0.1:${node.httpPort}`,
    `pid_file: "${node.pidPath}"`,
    `jetstream {`,
    `  store_dir: "${node.storeDir}"`,
    `  max_memory_store: 256MB`,
    `  max_file_store: 8GB`,
    `}`,
    `cluster {`,
    `  name: matchlog`,
    `  listen: 127.0.0.1:${node.clusterPort}`,
    `  routes: [`,
    ...routes,
    `  ]`,
    `}`,
    '',
  ].join('\n');
}

/** Write configs and start three nodes; resolves once all three report JetStream healthy. */
export async function startCluster(options: StartOptions): Promise<ClusterManifest> {
  const binary = natsServerBinary();
  if (binary === null) throw new Error('nats-server is not installed (apt-get install -y nats-server)');
  const dir = resolve(options.dir);
  const basePort = options.basePort ?? DEFAULT_BASE_PORT;
  mkdirSync(dir, { recursive: true });
  const nodes: NodeInfo[] = [];
  for (let i = 0; i < NODE_COUNT; i++) {
    const name = `n${i + 1}`;
    nodes.push({
      name,
      clientPort: basePort + i,
      clusterPort: basePort + 100 + i,
      httpPort: basePort + 200 + i,
      configPath: join(dir, `${name}.conf`),
      pidPath: join(dir, `${name}.pid`),
      logPath: join(dir, `${name}.log`),
      storeDir: join(dir, name),
    });
  }
  for (const node of nodes) {
    mkdirSync(node.storeDir, { recursive: true });
    writeFileSync(node.configPath, nodeConfig(node, nodes));
  }
  const manifest: ClusterManifest = {
    dir,
    binary,
    nodes,
    servers: nodes.map((node) => `nats://127.0.0.1:${node.clientPort}`),
  };
  writeFileSync(join(dir, 'cluster.json'), JSON.stringify(manifest, null, 2));
  for (const node of nodes) launch(manifest, node);
  await waitReady(manifest, nodes, options.readyMsMax ?? DEFAULT_READY_MS_MAX);
  return manifest;
}

function launch(manifest: ClusterManifest, node: NodeInfo): void {
  const log = openSync(node.logPath, 'a');
  const child = spawn(manifest.binary, ['-c', node.configPath], { detached: true, stdio: ['ignore', log, log] });
  child.unref();
  closeSync(log);
  // nats-server writes its own pid file once it runs; write it now too so a stop racing the
  // start still finds the process.
  if (child.pid !== undefined) writeFileSync(node.pidPath, String(child.pid));
}

async function healthy(node: NodeInfo): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${node.httpPort}/healthz`, { signal: AbortSignal.timeout(1_000) });
    return response.ok;
  } catch {
    return false;
  }
}

async function waitReady(manifest: ClusterManifest, nodes: readonly NodeInfo[], msMax: number): Promise<void> {
  const deadline = Date.now() + msMax;
  for (;;) {
    const states = await Promise.all(nodes.map((node) => healthy(node)));
    if (states.every(Boolean)) return;
    if (Date.now() > deadline) {
      const down = nodes.filter((_, i) => !states[i]).map((node) => `${node.name} (log ${node.logPath})`);
      throw new Error(`nats cluster in ${manifest.dir} not healthy after ${msMax} ms: ${down.join(', ')}`);
    }
    await sleep(100);
  }
}

export function readManifest(path: string): ClusterManifest {
  return JSON.parse(readFileSync(path, 'utf8')) as ClusterManifest;
}

function nodeNamed(manifest: ClusterManifest, name: string): NodeInfo {
  const node = manifest.nodes.find((candidate) => candidate.name === name);
  if (node === undefined) throw new Error(`no node '${name}' in ${manifest.dir}`);
  return node;
}

function pidOf(node: NodeInfo): number | null {
  if (!existsSync(node.pidPath)) return null;
  const pid = Number(readFileSync(node.pidPath, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGKILL one node (by its pid file) and wait until the process is gone. */
export async function killNode(manifest: ClusterManifest, name: string): Promise<void> {
  const pid = pidOf(nodeNamed(manifest, name));
  if (pid === null || !alive(pid)) return;
  process.kill(pid, 'SIGKILL');
  while (alive(pid)) await sleep(20);
}

/**
 * SIGSTOP (pause) or SIGCONT (resume) one node: a stalled leader that still holds what it was
 * sent, so a client's timed-out publish is committed later and its retry is a duplicate.
 */
export function pauseNode(manifest: ClusterManifest, name: string, paused: boolean): void {
  const pid = pidOf(nodeNamed(manifest, name));
  if (pid === null || !alive(pid)) throw new Error(`node ${name} is not running`);
  process.kill(pid, paused ? 'SIGSTOP' : 'SIGCONT');
}

/** Start a killed node again with its own store; resolves once it reports healthy. */
export async function restartNode(manifest: ClusterManifest, name: string, readyMsMax = DEFAULT_READY_MS_MAX): Promise<void> {
  const node = nodeNamed(manifest, name);
  const pid = pidOf(node);
  if (pid !== null && alive(pid)) return;
  launch(manifest, node);
  await waitReady(manifest, [node], readyMsMax);
}

/** Stop every node by pid (SIGTERM, then SIGKILL after a grace period). */
export async function stopCluster(manifest: ClusterManifest, graceMs = 3_000): Promise<void> {
  const pids = manifest.nodes.map(pidOf).filter((pid): pid is number => pid !== null && alive(pid));
  for (const pid of pids) process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (pids.some(alive) && Date.now() < deadline) await sleep(50);
  for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
}

export type ClusterLookup = { readonly manifest: ClusterManifest } | { readonly manifest: null; readonly reason: string };

/**
 * The cluster .ci/run started, from MATCHLOG_NATS_CLUSTER. In CI (CI=true) a missing cluster
 * throws, so tests that need it fail instead of silently skipping; locally it returns the
 * reason, printed loudly, and the caller skips.
 */
export function findCluster(): ClusterLookup {
  const path = process.env[CLUSTER_ENV];
  let reason: string | null = null;
  if (path === undefined || path === '') reason = `${CLUSTER_ENV} is not set (run .ci/run, or start one: tsx test/support/nats-cluster.ts start <dir>)`;
  else if (!existsSync(path)) reason = `${CLUSTER_ENV}=${path} does not exist`;
  if (reason === null) return { manifest: readManifest(path!) };
  if (process.env['CI'] === 'true') throw new Error(`JetStream cluster required in CI: ${reason}`);
  process.stderr.write(`\n*** SKIPPING JetStream tests: ${reason} ***\n\n`);
  return { manifest: null, reason };
}

async function main(argv: readonly string[]): Promise<void> {
  const [command, dir, base] = argv;
  if (command === 'start' && dir !== undefined) {
    const manifest = await startCluster({ dir, basePort: base === undefined ? undefined : Number(base) });
    process.stdout.write(`${join(manifest.dir, 'cluster.json')}\n`);
  } else if (command === 'stop' && dir !== undefined) {
    await stopCluster(readManifest(join(resolve(dir), 'cluster.json')));
  } else {
    process.stderr.write('usage: tsx test/support/nats-cluster.ts start <dir> [basePort] | stop <dir>\n');
    process.exitCode = 2;
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((error: Error) => {
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 1;
  });
}
