import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './private-postgres';
import { waitFor } from './wait-for';

const run = promisify(execFile);

/** A Redis Cluster of a test's own: primaries only, nothing on disk but the nodes' cluster files. */
export interface PrivateRedisCluster {
  /** The nodes, as REDIS_CLUSTER_NODES takes them (`127.0.0.1:<port>,…`). */
  nodes: string;
  ports: number[];
  /** Stops one node at once (SIGKILL, as a crash): the others mark it failed after the node timeout. */
  kill(port: number): Promise<void>;
  /** Starts a killed node again (same port and cluster file: it rejoins with its slots); resolves once every node reports `cluster_state:ok`. */
  restart(port: number): Promise<void>;
  /** Stops every node and removes the directory; Jest can exit once it resolves. */
  destroy(): Promise<void>;
}

async function redisCli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 10_000 });
  return stdout;
}

/** `count` distinct free ports (the OS may hand the same one out twice once it is closed again). */
async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

/**
 * `size` (at least 3) `redis-server --cluster-enabled yes` processes on free ports in a temp
 * directory, joined with `redis-cli --cluster create … --cluster-replicas 0`; resolves once every
 * node reports `cluster_state:ok`. The cluster bus ports are chosen free too (`--cluster-port`),
 * since port + 10000 can fall outside the port range. `nodeTimeoutMs` is how soon the others
 * mark a stopped node failed (Redis's default is 15 s).
 */
export async function startPrivateRedisCluster(opts: { size?: number; nodeTimeoutMs?: number } = {}): Promise<PrivateRedisCluster> {
  const size = opts.size ?? 3;
  const dir = mkdtempSync(join(tmpdir(), 'comeback-redis-cluster-'));
  const allPorts = await freePorts(size * 2);
  const ports = allPorts.slice(0, size);
  const children = new Map<number, ChildProcess>();

  const kill = async (port: number) => {
    const child = children.get(port);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  };
  const destroy = async () => {
    await Promise.all(ports.map(kill));
    rmSync(dir, { recursive: true, force: true });
  };

  const start = async (port: number) => {
    const log = join(dir, `redis-${port}.log`);
    const child = spawn(
      'redis-server',
      [
        '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--daemonize', 'no',
        '--cluster-enabled', 'yes', '--cluster-port', String(allPorts[size + ports.indexOf(port)]),
        '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', String(opts.nodeTimeoutMs ?? 15_000),
        '--save', '', '--appendonly', 'no', '--logfile', log,
      ],
      { stdio: 'ignore' },
    );
    children.set(port, child);
    await waitFor(`redis-server on port ${port} to answer (log: ${log})`, async () => {
      if (child.exitCode !== null) throw new Error(`redis-server on port ${port} exited ${child.exitCode} (see ${log})`);
      return (await redisCli(port, 'ping').catch(() => '')).trim() === 'PONG';
    }, 15_000);
  };
  const clusterOk = async () => {
    for (const port of ports) {
      await waitFor(`cluster_state:ok on port ${port}`, async () => /^cluster_state:ok/m.test(await redisCli(port, 'cluster', 'info').catch(() => '')), 20_000);
    }
  };

  try {
    await Promise.all(ports.map(start));
    await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], { timeout: 30_000 });
    await clusterOk();
  } catch (err) {
    await destroy();
    throw err;
  }
  return {
    nodes: ports.map((p) => `127.0.0.1:${p}`).join(','),
    ports,
    kill,
    async restart(port) {
      await kill(port);
      await start(port);
      await clusterOk();
    },
    destroy,
  };
}
