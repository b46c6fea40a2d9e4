/**
 * Checks of the deployment files (docker-compose.yml, k8s/base, Dockerfile) against the apps'
 * configuration schemas. Every check is a pure function returning a list of problems, each a
 * sentence naming the file, the object and the mismatch; an empty list means "all good". The spec
 * (deployment-config.spec.ts) runs them on the real files, and on broken copies to prove that
 * each one can fail.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { COMMON_ENV, ConfigError, loadConfig, type EnvSpec, type EnvVar } from '@comeback/config';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IJob } from 'kubernetes-models/batch/v1/Job';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodTemplateSpec } from 'kubernetes-models/v1/PodTemplateSpec';
import type { IProbe } from 'kubernetes-models/v1/Probe';
import type { IService } from 'kubernetes-models/v1/Service';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Service } from 'kubernetes-models/v1/Service';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import { TriggerAuthentication } from '@kubernetes-models/keda/keda.sh/v1alpha1/TriggerAuthentication';
import { CAMPAIGN_ENV } from '../../apps/campaign/src/config';
import { DISPATCHER_ENV } from '../../apps/dispatcher/src/config';
import { LAPSE_DETECTOR_ENV } from '../../apps/lapse-detector/src/config';
import { REPORT_ENV } from '../../apps/report/src/config';
import { RESPONSE_COLLECTOR_ENV, RESPONSE_COLLECTOR_WORKER_ENV } from '../../apps/response-collector/src/config';
import { CAMPAIGN_JOB_LONGEST_SECONDS } from '../../apps/campaign/src/fan-out/campaigns.processor';
import { SEND_JOB_LONGEST_SECONDS } from '../../apps/dispatcher/src/send/send.processor';
import { sweepJobLongestSeconds } from '../../apps/lapse-detector/src/sweep/lapse-sweep.processor';
import { ROLLUP_JOB_LONGEST_SECONDS } from '../../apps/report/src/reports/report-rollups.processor';
import { INBOUND_JOB_LONGEST_SECONDS } from '../../apps/response-collector/src/intake/inbound.processor';
import { HTTP_DRAIN_SECONDS } from '@comeback/platform';

export const ROOT = join(__dirname, '..', '..');

// ---------------------------------------------------------------------------------------------
// The apps and their schemas

export interface AppSpec {
  /** Directory under apps/, and the name of its compose service, Deployment and Service. */
  name: string;
  env: EnvSpec;
  /** Takes outside traffic: the only apps whose port compose publishes. */
  public: boolean;
  /** The script its command runs, when not apps/<name>/src/main.ts (a second process of an app, see PROCESSES). */
  script?: string;
}

export const APPS: readonly AppSpec[] = [
  { name: 'report', env: REPORT_ENV, public: true },
  { name: 'response-collector', env: RESPONSE_COLLECTOR_ENV, public: true },
  { name: 'campaign', env: CAMPAIGN_ENV, public: false },
  { name: 'lapse-detector', env: LAPSE_DETECTOR_ENV, public: false },
  { name: 'dispatcher', env: DISPATCHER_ENV, public: false },
];

/**
 * A second process of an app, deployed as one of its own (compose service, Deployment and Service
 * named after it, held to the same checks): the response collector's inbound worker.
 */
export const PROCESSES: readonly AppSpec[] = [
  { name: 'response-collector-worker', env: RESPONSE_COLLECTOR_WORKER_ENV, public: false, script: 'apps/response-collector/src/worker.ts' },
];

/** Every process deployed: each app's main process and the second processes. */
export const DEPLOYED: readonly AppSpec[] = [...APPS, ...PROCESSES];

/** The one-shot `comeback` CLI services; they read (a subset of) the common variables. */
export const CLI_SPEC: EnvSpec = COMMON_ENV;
export const INFRA_SERVICES = ['postgres', 'redis', 'mailpit', 'migrate', 'demo-data'] as const;
export const SECRET_NAME = 'comeback-secrets';
export const NAMESPACE = 'comeback';
export const PART_OF = { 'app.kubernetes.io/part-of': 'comeback' };

/** A variable is required when its schema rejects "not set" (no default, not optional). */
export function isRequired(v: EnvVar): boolean {
  return !v.schema.safeParse(undefined).success;
}

export function defaultPort(app: AppSpec): number | undefined {
  const port = app.env.PORT;
  if (!port) return undefined;
  const parsed = port.schema.safeParse(undefined);
  return parsed.success && typeof parsed.data === 'number' ? parsed.data : undefined;
}

/** Runs the app's own loader; returns its ConfigError message (or other error) as problems. */
export function configProblems(where: string, appName: string, spec: EnvSpec, env: Record<string, string>): string[] {
  try {
    loadConfig(appName, spec, env);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => `${where}: ${p.name}: ${p.message}`);
    return [`${where}: ${(err as Error).message}`];
  }
}

// ---------------------------------------------------------------------------------------------
// Small helpers for untyped YAML

export type Json = Record<string, unknown>;
export const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
export const obj = (v: unknown): Json => (isObj(v) ? v : {});
export const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const text = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;

export function readYaml(path: string): unknown {
  // `merge: true`: compose files use `<<: *anchor` merge keys.
  return parse(readFileSync(path, 'utf8'), { merge: true });
}

export function readYamlDocs(path: string): unknown[] {
  return parseAllDocuments(readFileSync(path, 'utf8'), { merge: true })
    .map((d) => {
      if (d.errors.length) throw new Error(`${path}: ${d.errors.map((e) => e.message).join('; ')}`);
      return d.toJS() as unknown;
    })
    .filter((d) => d !== null && d !== undefined);
}

/** The script `node` runs in a command line: the first argument that is not an option. */
export function scriptOf(cmd: string[]): string | undefined {
  if (cmd[0] !== 'node') return undefined;
  for (let i = 1; i < cmd.length; i++) {
    const a = cmd[i];
    if (['-r', '--require', '--import', '--env-file', '-e', '--eval'].includes(a)) {
      if (a === '-e' || a === '--eval') return undefined;
      i++;
    } else if (!a.startsWith('-')) {
      return a;
    }
  }
  return undefined;
}

/**
 * Apps whose V8 heap is capped wherever they run: without a cap V8 lets garbage pile up in
 * proportion to the machine's memory, so a process's peak RSS would depend on the host.
 */
export const HEAP_CAPS: Record<string, string> = {
  campaign: '--max-old-space-size=256',
  dispatcher: '--max-old-space-size=256',
  // Both response-collector processes: `npm run bench -- webhooks` measures them with it.
  'response-collector': '--max-old-space-size=256',
  'response-collector-worker': '--max-old-space-size=256',
};

/** The modules preloaded with `-r`/`--require`. */
export function preloadsOf(cmd: string[]): string[] {
  return cmd.flatMap((a, i) => ((a === '-r' || a === '--require') && cmd[i + 1] ? [cmd[i + 1]] : []));
}

/** The arguments after the script. */
export function scriptArgs(cmd: string[]): string[] {
  const script = scriptOf(cmd);
  return script === undefined ? [] : cmd.slice(cmd.indexOf(script) + 1);
}

function appCommandProblems(where: string, app: string, cmd: string[], entry?: string): string[] {
  const problems: string[] = [];
  const want = entry ?? `apps/${app}/src/main.ts`;
  if (!cmd.length) return [`${where}: no command; it must run node -r ./tools/register.js ${want}`];
  const script = scriptOf(cmd);
  if (script !== want) problems.push(`${where}: command runs ${JSON.stringify(script ?? cmd.join(' '))}, expected node running ${want}`);
  if (!preloadsOf(cmd).includes('./tools/register.js')) problems.push(`${where}: command does not preload the TypeScript hook (-r ./tools/register.js)`);
  const heap = HEAP_CAPS[app];
  if (heap && !cmd.includes(heap)) problems.push(`${where}: command must cap the heap with ${heap} (the memory figures are measured with it: npm run bench -- campaign / webhooks)`);
  return problems;
}

// ---------------------------------------------------------------------------------------------
// docker-compose.yml

export function composeServices(compose: unknown): Json {
  return obj(obj(compose).services);
}

export function composeCommand(svc: Json): string[] {
  if (Array.isArray(svc.command)) return svc.command.map((a) => text(a) ?? '');
  const s = text(svc.command);
  return s ? s.trim().split(/\s+/) : [];
}

/** `environment` as a map, from either the mapping or the `KEY=value` list form. */
export function composeEnv(svc: Json): Record<string, string> {
  const env = svc.environment;
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((e) => {
        const s = text(e) ?? '';
        const i = s.indexOf('=');
        return i < 0 ? [s, ''] : [s.slice(0, i), s.slice(i + 1)];
      }),
    );
  }
  return Object.fromEntries(Object.entries(obj(env)).map(([k, v]) => [k, text(v) ?? '']));
}

/** The container ports a service publishes on the host (short and long syntax). */
export function composePublished(svc: Json): number[] {
  return list(svc.ports).map((p) => {
    if (isObj(p)) return Number(p.target);
    const s = text(p) ?? '';
    const container = s.split('/')[0].split(':').pop() ?? '';
    return Number(container.split('-')[0]);
  });
}

function healthcheckTest(svc: Json): string {
  const test = obj(svc.healthcheck).test;
  return Array.isArray(test) ? test.map((a) => text(a) ?? '').join(' ') : text(test) ?? '';
}

function dependsOnProblems(where: string, svc: Json, want: Record<string, string>): string[] {
  const deps = svc.depends_on;
  const conditions: Record<string, string> = Array.isArray(deps)
    ? Object.fromEntries(deps.map((d) => [text(d) ?? '', 'service_started']))
    : Object.fromEntries(Object.entries(obj(deps)).map(([k, v]) => [k, text(obj(v).condition) ?? 'service_started']));
  return Object.entries(want)
    .filter(([dep, cond]) => conditions[dep] !== cond)
    .map(([dep, cond]) => `${where}: depends_on ${dep} must have condition ${cond} (has ${conditions[dep] ?? 'none'})`);
}

/** The set of services, and for each app: command, env keys, port, healthcheck, published ports, restart, depends_on. */
export function checkComposeApps(compose: unknown, apps: readonly AppSpec[] = DEPLOYED): string[] {
  const problems: string[] = [];
  const root = obj(compose);
  if ('version' in root) problems.push('docker-compose.yml: has a top-level `version` key (obsolete in the Compose specification); remove it');
  const services = composeServices(compose);
  const expected = [...apps.map((a) => a.name), ...INFRA_SERVICES];
  for (const name of expected) if (!(name in services)) problems.push(`docker-compose.yml: service ${name} is missing`);
  for (const name of Object.keys(services)) {
    if (!expected.includes(name)) problems.push(`docker-compose.yml: unexpected service ${name} (expected exactly: ${expected.join(', ')})`);
  }

  const image = text(obj(services[apps[0]?.name ?? '']).image);
  for (const name of [...apps.map((a) => a.name), 'migrate', 'demo-data']) {
    const svc = obj(services[name]);
    if (!(name in services)) continue;
    if (text(svc.image) !== image) problems.push(`docker-compose.yml: service ${name} uses image ${text(svc.image)}, the apps use ${image}: every app service must run the one image`);
    const build = svc.build;
    const context = isObj(build) ? text(build.context) : text(build);
    if (context !== '.') problems.push(`docker-compose.yml: service ${name} must build the image from the repository root (build context ".")`);
  }

  for (const app of apps) {
    const where = `docker-compose.yml: service ${app.name}`;
    if (!(app.name in services)) continue;
    const svc = obj(services[app.name]);
    problems.push(...appCommandProblems(where, app.name, composeCommand(svc), app.script));

    const env = composeEnv(svc);
    const known = Object.keys(app.env);
    for (const key of Object.keys(env)) {
      if (!known.includes(key)) problems.push(`${where}: environment sets ${key}, which apps/${app.name}/src/config.ts does not know (known: ${known.join(', ')})`);
    }
    for (const [key, v] of Object.entries(app.env)) {
      if (isRequired(v) && !(key in env)) problems.push(`${where}: environment lacks ${key}, which apps/${app.name}/src/config.ts requires (no default)`);
    }

    const port = defaultPort(app);
    if (port === undefined) problems.push(`apps/${app.name}/src/config.ts: PORT has no numeric default`);
    if (env.PORT !== String(port)) problems.push(`${where}: PORT is ${JSON.stringify(env.PORT)}, the schema default is ${port}`);
    if (env.HOST !== '0.0.0.0') problems.push(`${where}: HOST must be 0.0.0.0 (reachable from other containers), is ${JSON.stringify(env.HOST)}`);
    if (env.NODE_ENV !== 'production') problems.push(`${where}: NODE_ENV must be production, is ${JSON.stringify(env.NODE_ENV)}`);
    for (const [key, host] of [['DATABASE_URL', 'postgres'], ['REDIS_URL', 'redis']] as const) {
      let actual: string | undefined;
      try {
        actual = new URL(env[key] ?? '').hostname;
      } catch {
        actual = undefined;
      }
      if (actual !== host) problems.push(`${where}: ${key} must point at the compose service "${host}", points at ${JSON.stringify(actual ?? env[key])}`);
    }

    const test = healthcheckTest(svc);
    const m = /https?:\/\/(?:127\.0\.0\.1|localhost|\[::1\]):(\d+)\/health\/live\b/.exec(test);
    if (!test.includes('node')) problems.push(`${where}: healthcheck must run node (the image has no curl/wget), is ${JSON.stringify(test)}`);
    if (!m) problems.push(`${where}: healthcheck must fetch http://127.0.0.1:${port}/health/live, is ${JSON.stringify(test)}`);
    else if (Number(m[1]) !== port) problems.push(`${where}: healthcheck uses port ${m[1]}, the app listens on ${port}`);

    const published = composePublished(svc);
    if (app.public) {
      if (!published.length) problems.push(`${where}: takes outside traffic, so it must publish its port ${port}`);
      for (const p of published) if (p !== port) problems.push(`${where}: publishes container port ${p}, the app listens on ${port}`);
    } else if (published.length || 'ports' in svc) {
      problems.push(`${where}: is internal and must not publish ports (only ${apps.filter((a) => a.public).map((a) => a.name).join(' and ')} do)`);
    }

    if (text(svc.restart) !== 'unless-stopped') problems.push(`${where}: restart must be unless-stopped, is ${JSON.stringify(svc.restart)}`);
    problems.push(
      ...dependsOnProblems(where, svc, {
        postgres: 'service_healthy',
        redis: 'service_healthy',
        migrate: 'service_completed_successfully',
      }),
    );
  }
  return problems;
}

/** Each app's compose `environment` names every variable its schema knows (the file documents the whole configuration). */
export function checkComposeEnvComplete(compose: unknown, apps: readonly AppSpec[] = DEPLOYED): string[] {
  const services = composeServices(compose);
  return apps.flatMap((app) => {
    const env = composeEnv(obj(services[app.name]));
    return Object.keys(app.env)
      .filter((k) => !(k in env))
      .map((k) => `docker-compose.yml: service ${app.name}: environment does not list ${k} (apps/${app.name}/src/config.ts knows it)`);
  });
}

/** Every compose environment value passes the app's own schema (and the CLI services' values the common schema). */
export function checkComposeEnvValues(compose: unknown, apps: readonly AppSpec[] = DEPLOYED): string[] {
  const services = composeServices(compose);
  const problems: string[] = [];
  for (const app of apps) {
    if (!(app.name in services)) continue;
    problems.push(...configProblems(`docker-compose.yml: service ${app.name}`, app.name, app.env, composeEnv(obj(services[app.name]))));
  }
  for (const name of ['migrate', 'demo-data']) {
    if (!(name in services)) continue;
    const env = composeEnv(obj(services[name]));
    for (const key of Object.keys(env)) {
      if (!(key in CLI_SPEC)) problems.push(`docker-compose.yml: service ${name}: environment sets ${key}, which the common schema (libs/config/src/env-var.ts) does not know`);
    }
    problems.push(...configProblems(`docker-compose.yml: service ${name}`, name, CLI_SPEC, env));
  }
  return problems;
}

/** postgres, redis, mailpit, migrate and demo-data. */
export function checkComposeInfra(compose: unknown): string[] {
  const services = composeServices(compose);
  const problems: string[] = [];
  const volumes = Object.keys(obj(obj(compose).volumes));
  const namedVolume = (name: string, target: string): void => {
    const mounts = list(obj(services[name]).volumes).map((v) => (isObj(v) ? `${text(v.source)}:${text(v.target)}` : text(v) ?? ''));
    const mount = mounts.find((m) => m.split(':')[1] === target);
    const source = mount?.split(':')[0];
    if (!source || !volumes.includes(source)) problems.push(`docker-compose.yml: service ${name} must keep ${target} in a named volume declared under top-level volumes`);
  };

  const pg = obj(services.postgres);
  if (!/^postgres:16(\b|$)/.test(text(pg.image) ?? '')) problems.push(`docker-compose.yml: postgres must run image postgres:16, runs ${text(pg.image)}`);
  if (!healthcheckTest(pg).includes('pg_isready')) problems.push('docker-compose.yml: postgres healthcheck must use pg_isready');
  namedVolume('postgres', '/var/lib/postgresql/data');

  const redis = obj(services.redis);
  if (!/^redis:7(\b|$)/.test(text(redis.image) ?? '')) problems.push(`docker-compose.yml: redis must run image redis:7, runs ${text(redis.image)}`);
  const redisCmd = composeCommand(redis);
  const flag = (name: string): string | undefined => {
    const i = redisCmd.indexOf(name);
    return i < 0 ? undefined : redisCmd[i + 1];
  };
  if (flag('--appendonly') !== 'yes') problems.push(`docker-compose.yml: redis must run with --appendonly yes (has ${JSON.stringify(flag('--appendonly'))}): the queues must survive a restart`);
  if (flag('--appendfsync') !== 'everysec') problems.push(`docker-compose.yml: redis must run with --appendfsync everysec (has ${JSON.stringify(flag('--appendfsync'))})`);
  if (!/redis-cli.*\bping\b/.test(healthcheckTest(redis))) problems.push('docker-compose.yml: redis healthcheck must be redis-cli ping');
  namedVolume('redis', '/data');

  const mailpit = obj(services.mailpit);
  if (!/^axllent\/mailpit(:|$)/.test(text(mailpit.image) ?? '')) problems.push(`docker-compose.yml: mailpit must run image axllent/mailpit, runs ${text(mailpit.image)}`);
  const mailPorts = composePublished(mailpit);
  for (const p of [1025, 8025]) if (!mailPorts.includes(p)) problems.push(`docker-compose.yml: mailpit must publish ${p}`);

  for (const name of ['postgres', 'redis']) {
    if ('ports' in obj(services[name])) problems.push(`docker-compose.yml: ${name} must not be published on the host`);
  }

  const migrate = obj(services.migrate);
  const migrateCmd = composeCommand(migrate);
  if (scriptOf(migrateCmd) !== 'bin/comeback.js' || scriptArgs(migrateCmd)[0] !== 'migrate') {
    problems.push(`docker-compose.yml: migrate must run node bin/comeback.js migrate, runs ${JSON.stringify(migrateCmd.join(' '))}`);
  }
  if (!scriptArgs(migrateCmd).includes('--create-database')) problems.push('docker-compose.yml: migrate must pass --create-database');
  if (text(migrate.restart) !== 'no') problems.push(`docker-compose.yml: migrate is one-shot: restart must be "no", is ${JSON.stringify(migrate.restart)}`);
  problems.push(...dependsOnProblems('docker-compose.yml: service migrate', migrate, { postgres: 'service_healthy' }));

  const demo = obj(services['demo-data']);
  const demoCmd = composeCommand(demo);
  if (scriptOf(demoCmd) !== 'bin/comeback.js' || scriptArgs(demoCmd)[0] !== 'demo-data') {
    problems.push(`docker-compose.yml: demo-data must run node bin/comeback.js demo-data, runs ${JSON.stringify(demoCmd.join(' '))}`);
  }
  if (!list(demo.profiles).includes('demo')) problems.push('docker-compose.yml: demo-data must be in the "demo" profile (it must not run on a plain `up`)');
  if (text(demo.restart) !== 'no') problems.push(`docker-compose.yml: demo-data is one-shot: restart must be "no", is ${JSON.stringify(demo.restart)}`);
  problems.push(...dependsOnProblems('docker-compose.yml: service demo-data', demo, { migrate: 'service_completed_successfully' }));
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Kustomize: loading and rendering (the base, and overlays on it)

export interface KObject extends Json {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [k: string]: unknown };
}

/** A kustomization directory as read from disk: k8s/base, or an overlay such as k8s/overlays/production. */
export interface Base {
  dir: string;
  kustomization: Json;
  /** Every file of the directory except kustomization.yaml. */
  files: string[];
  /** The parsed documents of every resource file listed in kustomization.yaml that exists. */
  resources: Map<string, unknown[]>;
  /** The kustomizations listed as directory resources (an overlay's `../../base`), loaded in turn. */
  bases: Map<string, Base>;
  /** The parsed documents of every `patches: - path:` file that exists. */
  patches: Map<string, unknown[]>;
}

const YAML_FILE = /\.ya?ml$/;
const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml'];

/** The path of a kustomization's file relative to the repository, for messages. */
export function kustomizationPath(base: Base, file = 'kustomization.yaml'): string {
  return relative(ROOT, join(base.dir, file));
}

export function loadBase(dir: string): Base {
  const kustomization = obj(readYaml(join(dir, 'kustomization.yaml')));
  const files = readdirSync(dir).filter((f) => !KUSTOMIZATION_FILES.includes(f) && statSync(join(dir, f)).isFile());
  const resources = new Map<string, unknown[]>();
  const bases = new Map<string, Base>();
  for (const r of list(kustomization.resources)) {
    const entry = text(r) ?? '';
    const path = join(dir, entry);
    if (files.includes(entry) && YAML_FILE.test(entry)) resources.set(entry, readYamlDocs(path));
    else if (existsSync(path) && statSync(path).isDirectory() && KUSTOMIZATION_FILES.some((f) => existsSync(join(path, f)))) bases.set(entry, loadBase(path));
  }
  const patches = new Map<string, unknown[]>();
  for (const p of list(kustomization.patches)) {
    const file = text(obj(p).path);
    if (file && files.includes(file)) patches.set(file, readYamlDocs(join(dir, file)));
  }
  return { dir, kustomization, files, resources, bases, patches };
}

/** kustomization.yaml `resources` and the files of the directory are the same set (the base: only files of its own). */
export function checkBaseFiles(base: Base): string[] {
  const problems: string[] = [];
  const where = kustomizationPath(base);
  const dir = relative(ROOT, base.dir);
  const listed = list(base.kustomization.resources).map((r) => text(r) ?? '');
  for (const r of listed) {
    if (!YAML_FILE.test(r) || r.includes('/')) problems.push(`${where}: resource ${JSON.stringify(r)} must be a YAML file of ${dir} itself`);
    else if (!base.files.includes(r)) problems.push(`${where}: resource ${r} does not exist in ${dir}`);
  }
  for (const f of base.files) {
    if (!listed.includes(f)) problems.push(`${dir}/${f} is not listed in kustomization.yaml resources (remove it or list it)`);
  }
  const dupes = listed.filter((r, i) => listed.indexOf(r) !== i);
  for (const d of dupes) problems.push(`${where}: resource ${d} is listed twice`);
  return problems;
}

/**
 * An overlay's kustomization.yaml and its directory agree: every listed resource is a file of the
 * overlay or a kustomization directory, every patch file exists, and every file of the directory
 * is used (a forgotten file is a manifest that silently never gets applied).
 */
export function checkOverlayFiles(overlay: Base): string[] {
  const problems: string[] = [];
  const where = kustomizationPath(overlay);
  const dir = relative(ROOT, overlay.dir);
  const listed = list(overlay.kustomization.resources).map((r) => text(r) ?? '');
  const patchFiles = list(overlay.kustomization.patches).map((p) => text(obj(p).path)).filter((p): p is string => p !== undefined);
  for (const r of listed) {
    if (!overlay.resources.has(r) && !overlay.bases.has(r)) problems.push(`${where}: resource ${r} is neither a YAML file of ${dir} nor a kustomization directory`);
  }
  for (const p of patchFiles) if (!overlay.patches.has(p)) problems.push(`${where}: patch ${p} does not exist in ${dir}`);
  for (const f of overlay.files) {
    if (!listed.includes(f) && !patchFiles.includes(f)) problems.push(`${dir}/${f} is neither a resource nor a patch of kustomization.yaml (remove it or list it)`);
    if (listed.includes(f) && patchFiles.includes(f)) problems.push(`${where}: ${f} is listed both as a resource and as a patch`);
  }
  const dupes = [...listed, ...patchFiles].filter((r, i, all) => all.indexOf(r) !== i);
  for (const d of new Set(dupes)) problems.push(`${where}: ${d} is listed twice`);
  return problems;
}

const CLUSTER_SCOPED = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'PersistentVolume',
  'StorageClass',
  'PriorityClass',
  'IngressClass',
  'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration',
  'ClusterTriggerAuthentication',
]);
const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job']);
/** The kustomization fields this render understands; any other makes the render refuse. */
const RENDERED_FIELDS = new Set([
  'apiVersion', 'kind', 'namespace', 'labels', 'commonLabels', 'resources', 'configMapGenerator', 'generatorOptions', 'patches', 'replicas', 'images',
]);

function addLabels(target: Json, key: string, pairs: Record<string, string>): void {
  target[key] = { ...obj(target[key]), ...pairs };
}

export function podTemplates(o: Json): Json[] {
  const spec = obj(o.spec);
  if (WORKLOADS.has(text(o.kind) ?? '')) return [obj(spec.template)];
  if (o.kind === 'CronJob') return [obj(obj(obj(spec.jobTemplate).spec).template)];
  return [];
}

/** The containers and init containers of every pod template of an object. */
function templateContainers(o: Json): Json[] {
  return podTemplates(o).flatMap((tpl) => [...list(obj(tpl.spec).containers), ...list(obj(tpl.spec).initContainers)].map((c) => obj(c)));
}

/**
 * The list fields a strategic merge patch merges item by item (the Kubernetes types' patchMergeKey)
 * instead of replacing: the ones a pod template has.
 */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  ports: 'containerPort',
  imagePullSecrets: 'name',
};

/**
 * A strategic merge patch as kustomize applies one: maps merge, `null` deletes the field, the
 * lists of MERGE_KEYS merge by their key, other lists and scalars are replaced. `$patch`
 * directives are not emulated (reported, so the render never silently differs from kustomize).
 */
export function strategicMerge(target: unknown, patch: unknown, where: string, problems: string[]): unknown {
  if (!isObj(patch)) return structuredClone(patch);
  const out: Json = isObj(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$')) {
      problems.push(`${where}: the directive ${key} is not emulated by this test's render: extend strategicMerge() in tests/deploy/deploy-checks.ts`);
    } else if (value === null) {
      delete out[key];
    } else if (MERGE_KEYS[key] && Array.isArray(value) && Array.isArray(out[key])) {
      const mergeKey = MERGE_KEYS[key];
      const merged = [...(out[key] as unknown[])];
      for (const item of value) {
        const i = merged.findIndex((m) => obj(m)[mergeKey] !== undefined && obj(m)[mergeKey] === obj(item)[mergeKey]);
        if (i >= 0) merged[i] = strategicMerge(merged[i], item, where, problems);
        else merged.push(structuredClone(item));
      }
      out[key] = merged;
    } else if (isObj(value)) {
      out[key] = strategicMerge(out[key], value, where, problems);
    } else {
      out[key] = structuredClone(value);
    }
  }
  return out;
}

interface Level {
  objects: KObject[];
  /** Generated ConfigMaps by their name as written (before the hash suffix): whether they get the suffix. */
  generated: Map<string, boolean>;
  problems: string[];
}

/** The image reference without its tag or digest: what kustomize's `images[].name` matches. */
function imageName(image: string): string {
  const at = image.indexOf('@');
  const noDigest = at < 0 ? image : image.slice(0, at);
  const colon = noDigest.lastIndexOf(':');
  return colon > noDigest.lastIndexOf('/') ? noDigest.slice(0, colon) : noDigest;
}

/** One kustomization: its resources (directories rendered first), generators, then its transformers. */
function renderLevel(base: Base): Level {
  const k = base.kustomization;
  const where = kustomizationPath(base);
  const problems: string[] = [];
  if (k.apiVersion !== 'kustomize.config.k8s.io/v1beta1' || k.kind !== 'Kustomization') {
    problems.push(`${where}: must be apiVersion kustomize.config.k8s.io/v1beta1, kind Kustomization`);
  }
  for (const field of Object.keys(k)) {
    if (!RENDERED_FIELDS.has(field)) problems.push(`${where}: uses "${field}", which this test's render does not emulate: extend renderBase() in tests/deploy/deploy-checks.ts`);
  }

  const objects: KObject[] = [];
  const generated = new Map<string, boolean>();
  for (const r of list(k.resources)) {
    const entry = text(r) ?? '';
    const sub = base.bases.get(entry);
    if (sub) {
      const level = renderLevel(sub);
      objects.push(...level.objects);
      for (const [name, hash] of level.generated) generated.set(name, hash);
      problems.push(...level.problems);
      continue;
    }
    for (const doc of base.resources.get(entry) ?? []) {
      const o = structuredClone(doc);
      if (!isObj(o) || !text(o.apiVersion) || !text(o.kind) || !text(obj(o.metadata).name)) {
        problems.push(`${relative(ROOT, join(base.dir, entry))}: a document lacks apiVersion, kind or metadata.name`);
        continue;
      }
      objects.push(o as KObject);
    }
  }

  // configMapGenerator: create a ConfigMap, or merge into / replace one a base generated.
  const hashNames = obj(k.generatorOptions).disableNameSuffixHash !== true;
  for (const g of list(k.configMapGenerator)) {
    const gen = obj(g);
    const name = text(gen.name) ?? '';
    for (const field of Object.keys(gen)) {
      if (!['name', 'literals', 'behavior'].includes(field)) problems.push(`${where}: configMapGenerator ${name} uses "${field}", which the render does not emulate (use literals)`);
    }
    const data: Record<string, string> = {};
    for (const lit of list(gen.literals)) {
      const s = text(lit) ?? '';
      const i = s.indexOf('=');
      if (i <= 0) problems.push(`${where}: configMapGenerator ${name}: literal ${JSON.stringify(s)} is not KEY=value`);
      else if (s.slice(0, i) in data) problems.push(`${where}: configMapGenerator ${name}: ${s.slice(0, i)} is set twice`);
      else data[s.slice(0, i)] = s.slice(i + 1);
    }
    const behavior = text(gen.behavior) ?? 'create';
    const existing = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === name && generated.has(name));
    if (behavior === 'create') {
      if (existing) problems.push(`${where}: configMapGenerator ${name} creates a ConfigMap a base already generates (use behavior: merge or replace)`);
      else {
        objects.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data });
        generated.set(name, hashNames);
      }
    } else if (behavior === 'merge' || behavior === 'replace') {
      if (!existing) problems.push(`${where}: configMapGenerator ${name} has behavior ${behavior}, but no base generates a ConfigMap ${name}`);
      else existing.data = behavior === 'merge' ? { ...obj(existing.data), ...data } : data;
    } else {
      problems.push(`${where}: configMapGenerator ${name}: behavior ${JSON.stringify(behavior)} is not create, merge or replace`);
    }
  }

  // patches: strategic merge patches from files, each naming its target by kind and name.
  for (const p of list(k.patches)) {
    const entry = obj(p);
    const file = text(entry.path);
    if (!file || Object.keys(entry).some((f) => f !== 'path')) {
      problems.push(`${where}: patch ${JSON.stringify(entry)}: only strategic merge patches from a file ({ path }) are emulated by this test's render`);
      continue;
    }
    for (const doc of base.patches.get(file) ?? []) {
      const patch = obj(doc);
      const kind = text(patch.kind);
      const name = text(obj(patch.metadata).name);
      const i = objects.findIndex((o) => o.kind === kind && o.metadata.name === name && o.apiVersion === patch.apiVersion);
      if (i < 0) {
        problems.push(`${where}: patch ${file} targets ${patch.apiVersion} ${kind}/${name}, which is not among the resources`);
        continue;
      }
      objects[i] = strategicMerge(objects[i], patch, `${relative(ROOT, join(base.dir, file))} (${kind}/${name})`, problems) as KObject;
    }
  }

  // replicas
  for (const r of list(k.replicas)) {
    const name = text(obj(r).name);
    const count = obj(r).count;
    const targets = objects.filter((o) => ['Deployment', 'StatefulSet', 'ReplicaSet'].includes(o.kind) && o.metadata.name === name);
    if (!targets.length) problems.push(`${where}: replicas names ${name}, which is no Deployment of the resources`);
    if (typeof count !== 'number' || !Number.isInteger(count)) problems.push(`${where}: replicas of ${name}: count must be an integer`);
    for (const t of targets) t.spec = { ...obj(t.spec), replicas: count };
  }

  // images
  for (const im of list(k.images)) {
    const entry = obj(im);
    const name = text(entry.name) ?? '';
    let used = false;
    for (const o of objects) {
      for (const c of templateContainers(o)) {
        const image = text(c.image);
        if (!image || imageName(image) !== name) continue;
        used = true;
        const newName = text(entry.newName) ?? name;
        const digest = text(entry.digest);
        const tag = text(entry.newTag) ?? (image.length > name.length && image[name.length] === ':' ? image.slice(name.length + 1) : undefined);
        c.image = digest ? `${newName}@${digest}` : tag ? `${newName}:${tag}` : newName;
      }
    }
    if (!used) problems.push(`${where}: images names ${name}, which no container runs`);
  }

  // namespace and labels, on everything this level holds (its bases' objects included).
  for (const o of objects) {
    const ns = text(k.namespace);
    if (ns && !CLUSTER_SCOPED.has(o.kind)) o.metadata.namespace = ns;
    const labelSets: { pairs: Record<string, string>; selectors: boolean; templates: boolean }[] = [];
    if (isObj(k.commonLabels)) labelSets.push({ pairs: k.commonLabels as Record<string, string>, selectors: true, templates: true });
    for (const l of list(k.labels)) {
      const entry = obj(l);
      const selectors = entry.includeSelectors === true;
      labelSets.push({ pairs: obj(entry.pairs) as Record<string, string>, selectors, templates: selectors || entry.includeTemplates === true });
    }
    for (const { pairs, selectors, templates } of labelSets) {
      o.metadata.labels = { ...(o.metadata.labels ?? {}), ...pairs };
      if (templates) for (const tpl of podTemplates(o)) addLabels((tpl.metadata = obj(tpl.metadata)), 'labels', pairs);
      if (selectors) {
        const spec = obj(o.spec);
        if (o.kind === 'Service') addLabels(spec, 'selector', pairs);
        else if (WORKLOADS.has(o.kind) && o.kind !== 'Job') addLabels((spec.selector = obj(spec.selector)), 'matchLabels', pairs);
      }
    }
  }
  return { objects, generated, problems };
}

/**
 * Renders a kustomization the way `kustomize build` does for the fields it uses: resources
 * (files, and directories such as an overlay's base, rendered first), generated ConfigMaps
 * (created, or merged into by an overlay; name + content-hash suffix, references rewritten),
 * strategic merge patches, replicas, images, namespace on namespaced objects, and labels
 * (metadata; selectors and pod templates as `labels`/`commonLabels` ask). The hash is not
 * kustomize's exact algorithm, only its behaviour (a suffix that changes with the content).
 * A field it does not emulate is reported, never ignored.
 */
export function renderBase(base: Base): { objects: KObject[]; problems: string[] } {
  const { objects, generated, problems } = renderLevel(base);
  const renamed = new Map<string, string>();
  for (const o of objects) {
    const hash = generated.get(o.metadata.name);
    if (o.kind !== 'ConfigMap' || hash === undefined || renamed.has(o.metadata.name)) continue;
    const name = o.metadata.name;
    const suffix = createHash('sha256').update(JSON.stringify({ name, data: o.data })).digest('hex').slice(0, 10);
    const finalName = hash ? `${name}-${suffix}` : name;
    renamed.set(name, finalName);
    o.metadata.name = finalName;
  }
  // References to generated ConfigMaps follow the new name.
  for (const o of objects) {
    for (const tpl of podTemplates(o)) {
      const spec = obj(tpl.spec);
      for (const c of [...list(spec.containers), ...list(spec.initContainers)]) {
        for (const ef of list(obj(c).envFrom)) {
          const ref = obj(obj(ef).configMapRef);
          const n = text(ref.name);
          if (n && renamed.has(n)) ref.name = renamed.get(n);
        }
        for (const e of list(obj(c).env)) {
          const ref = obj(obj(obj(e).valueFrom).configMapKeyRef);
          const n = text(ref.name);
          if (n && renamed.has(n)) ref.name = renamed.get(n);
        }
      }
      for (const v of list(spec.volumes)) {
        const cm = obj(obj(v).configMap);
        const n = text(cm.name);
        if (n && renamed.has(n)) cm.name = renamed.get(n);
      }
    }
  }
  return { objects, problems };
}

/** Replaces the hash suffix of generated ConfigMap names, to compare two renders. */
export function normalizeGeneratedNames(objects: unknown[], generated: string[]): unknown[] {
  let s = JSON.stringify(objects);
  for (const name of generated) s = s.replace(new RegExp(`"${name}-[a-z0-9]{10}"`, 'g'), `"${name}-HASH"`);
  return JSON.parse(s) as unknown[];
}

// ---------------------------------------------------------------------------------------------
// Kubernetes checks on the rendered objects

type ModelCtor = new (data: never) => { validate(): void };
const MODELS: Record<string, ModelCtor> = {
  'apps/v1 Deployment': Deployment,
  'v1 Service': Service,
  'v1 ConfigMap': ConfigMap,
  'v1 Namespace': Namespace,
  'batch/v1 Job': Job,
  'policy/v1 PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1 Ingress': Ingress,
  'networking.k8s.io/v1 NetworkPolicy': NetworkPolicy,
  // KEDA's custom resources, against the schemas of its CRDs (@kubernetes-models/keda).
  'keda.sh/v1alpha1 ScaledObject': ScaledObject,
  'keda.sh/v1alpha1 TriggerAuthentication': TriggerAuthentication,
};

/** Each object against the Kubernetes OpenAPI schema of its kind (kubernetes-models; KEDA's CRD schemas for its kinds). */
export function checkSchemas(objects: KObject[]): string[] {
  return objects.flatMap((o) => {
    const Model = MODELS[`${o.apiVersion} ${o.kind}`];
    if (!Model) return [`${o.kind}/${o.metadata.name}: no schema for apiVersion ${o.apiVersion} kind ${o.kind} (add it to MODELS in tests/deploy/deploy-checks.ts)`];
    try {
      new Model(structuredClone(o) as never).validate();
      return [];
    } catch (err) {
      return [`${o.kind}/${o.metadata.name}: does not match the Kubernetes schema: ${(err as Error).message}`];
    }
  });
}

export function find<T>(objects: KObject[], kind: string, name: string): T | undefined {
  return objects.find((o) => o.kind === kind && o.metadata.name === name) as T | undefined;
}

/** Namespace, labels, unique names, ConfigMap references of the rendered base. */
export function checkRendered(objects: KObject[], apps: readonly AppSpec[] = DEPLOYED): string[] {
  const problems: string[] = [];
  if (!find(objects, 'Namespace', NAMESPACE)) problems.push(`render: no Namespace ${NAMESPACE}`);
  const seen = new Set<string>();
  for (const o of objects) {
    const id = `${o.kind}/${o.metadata.name}`;
    if (seen.has(id)) problems.push(`render: ${id} is defined twice`);
    seen.add(id);
    if (!CLUSTER_SCOPED.has(o.kind) && o.metadata.namespace !== NAMESPACE) {
      problems.push(`render: ${id} is in namespace ${JSON.stringify(o.metadata.namespace)}, expected ${NAMESPACE}`);
    }
    for (const [k, v] of Object.entries(PART_OF)) {
      if (o.metadata.labels?.[k] !== v) problems.push(`render: ${id} lacks the label ${k}: ${v}`);
      for (const tpl of podTemplates(o)) {
        if (obj(obj(tpl.metadata).labels)[k] !== v) problems.push(`render: ${id}: its pod template lacks the label ${k}: ${v}`);
      }
    }
    for (const tpl of podTemplates(o)) {
      for (const c of list(obj(tpl.spec).containers)) {
        for (const ef of list(obj(c).envFrom)) {
          const n = text(obj(obj(ef).configMapRef).name);
          if (n && !find(objects, 'ConfigMap', n)) problems.push(`render: ${id} reads ConfigMap ${n}, which the base does not produce`);
        }
      }
    }
  }
  for (const app of apps) {
    for (const kind of ['Deployment', 'Service']) if (!find(objects, kind, app.name)) problems.push(`render: no ${kind} ${app.name}`);
  }
  if (!find(objects, 'Job', 'migrate')) problems.push('render: no Job migrate');
  if (!objects.some((o) => o.kind === 'ConfigMap')) problems.push('render: no ConfigMap (comeback-config)');
  return problems;
}

function resolvePort(port: number | string | undefined, container: IContainer): number | undefined {
  if (typeof port === 'number') return port;
  return list(container.ports).map((p) => p as { name?: string; containerPort: number }).find((p) => p.name === port)?.containerPort;
}

/** The environment a container gets: ConfigMap data (envFrom), plain values, and secret references. */
export function containerEnv(objects: KObject[], container: IContainer) {
  const fromConfigMaps: Record<string, string> = {};
  const configMapKeys: Record<string, string> = {};
  const wholeSecrets: string[] = [];
  for (const ef of list(container.envFrom)) {
    const name = text(obj(obj(ef).configMapRef).name);
    const cm = name ? find<{ data?: Record<string, string> }>(objects, 'ConfigMap', name) : undefined;
    for (const [k, v] of Object.entries(cm?.data ?? {})) {
      fromConfigMaps[k] = v;
      configMapKeys[k] = name ?? '';
    }
    if (isObj(obj(ef).secretRef)) wholeSecrets.push(text(obj(obj(ef).secretRef).name) ?? '');
  }
  const values: Record<string, string> = {};
  const secretRefs: Record<string, { name?: string; key?: string }> = {};
  const otherRefs: string[] = [];
  for (const e of list(container.env)) {
    const entry = obj(e);
    const name = text(entry.name) ?? '';
    if ('value' in entry) values[name] = text(entry.value) ?? '';
    else if (isObj(obj(entry.valueFrom).secretKeyRef)) {
      const ref = obj(obj(entry.valueFrom).secretKeyRef);
      secretRefs[name] = { name: text(ref.name), key: text(ref.key) };
    } else otherRefs.push(name);
  }
  return { fromConfigMaps, configMapKeys, wholeSecrets, values, secretRefs, otherRefs };
}

function envProblems(where: string, objects: KObject[], container: IContainer, appName: string, spec: EnvSpec): string[] {
  const problems: string[] = [];
  const env = containerEnv(objects, container);
  for (const s of env.wholeSecrets) problems.push(`${where}: envFrom secretRef ${s}: use one secretKeyRef per secret variable instead`);
  const known = Object.keys(spec);
  for (const name of [...Object.keys(env.values), ...Object.keys(env.secretRefs), ...env.otherRefs]) {
    if (!known.includes(name)) problems.push(`${where}: env sets ${name}, which the schema does not know (known: ${known.join(', ')})`);
  }
  for (const [name, v] of Object.entries(spec)) {
    if (v.secret) {
      const ref = env.secretRefs[name];
      if (!ref) problems.push(`${where}: secret ${name} must come from secretKeyRef ${SECRET_NAME}/${name}`);
      else if (ref.name !== SECRET_NAME || ref.key !== name) {
        problems.push(`${where}: secret ${name} comes from ${ref.name}/${ref.key}, expected secretKeyRef ${SECRET_NAME}/${name}`);
      }
      if (name in env.values) problems.push(`${where}: secret ${name} has a plain value in the manifest`);
      if (name in env.configMapKeys) problems.push(`${where}: secret ${name} is in ConfigMap ${env.configMapKeys[name]}; secrets belong in ${SECRET_NAME}`);
    } else {
      if (name in env.secretRefs) problems.push(`${where}: ${name} is not a secret (secret: false) but comes from a Secret`);
      if (isRequired(v) && !(name in env.configMapKeys)) {
        problems.push(`${where}: ${name} has no default, so it must be in the ConfigMap (comeback-config)`);
      }
    }
  }
  // The values that are in the manifests pass the schema (secrets are checked where they live).
  const visibleSpec = Object.fromEntries(Object.entries(spec).filter(([name]) => !(name in env.secretRefs)));
  const visibleEnv = { ...env.fromConfigMaps, ...env.values };
  problems.push(...configProblems(where, appName, visibleSpec, visibleEnv));
  return problems;
}

function securityProblems(where: string, tpl: IPodTemplateSpec | undefined, container: IContainer): string[] {
  const problems: string[] = [];
  const pod = tpl?.spec;
  const runAsNonRoot = container.securityContext?.runAsNonRoot ?? pod?.securityContext?.runAsNonRoot;
  if (runAsNonRoot !== true) problems.push(`${where}: must set securityContext.runAsNonRoot: true`);
  if (container.securityContext?.readOnlyRootFilesystem !== true) problems.push(`${where}: must set securityContext.readOnlyRootFilesystem: true`);
  const tmp = list(container.volumeMounts).map((m) => obj(m)).find((m) => m.mountPath === '/tmp');
  const volume = list(pod?.volumes).map((v) => obj(v)).find((v) => v.name === tmp?.name);
  if (!tmp || !volume || !isObj(volume.emptyDir)) problems.push(`${where}: needs a writable /tmp (an emptyDir volume mounted at /tmp): @swc-node/register caches there`);
  const res = container.resources;
  for (const kind of ['requests', 'limits'] as const) {
    for (const r of ['cpu', 'memory']) if (!res?.[kind]?.[r]) problems.push(`${where}: resources.${kind}.${r} is not set`);
  }
  return problems;
}

function probeProblems(where: string, name: string, probe: IProbe | undefined, container: IContainer, path: string, port: number): string[] {
  if (!probe) return [`${where}: no ${name}`];
  const get = probe.httpGet;
  if (!get) return [`${where}: ${name} must be an httpGet on ${path}`];
  const problems: string[] = [];
  if (get.path !== path) problems.push(`${where}: ${name} checks ${get.path}, expected ${path}`);
  const p = resolvePort(get.port, container);
  if (p !== port) problems.push(`${where}: ${name} uses port ${JSON.stringify(get.port)}${p !== get.port ? ` (= ${p})` : ''}, the app listens on ${port}`);
  return problems;
}

/** The image the base runs: the placeholder comeback:latest, which an overlay renames with `images:`. */
export const BASE_IMAGE = { name: 'the comeback image (placeholder comeback:latest)', pattern: /^comeback(:|@|$)/ };

/** Each app: Deployment and Service named after it, ports, probes, env from ConfigMap/Secret, security. */
export function checkK8sApps(objects: KObject[], apps: readonly AppSpec[] = DEPLOYED, image: { name: string; pattern: RegExp } = BASE_IMAGE): string[] {
  const problems: string[] = [];
  for (const app of apps) {
    const port = defaultPort(app);
    const d = find<IDeployment>(objects, 'Deployment', app.name);
    const where = `Deployment/${app.name}`;
    if (!d) {
      problems.push(`k8s: no Deployment named ${app.name}`);
      continue;
    }
    const tpl = d.spec?.template;
    const containers = list(tpl?.spec?.containers) as IContainer[];
    const c = containers.find((x) => x.name === app.name) ?? containers[0];
    if (!c) {
      problems.push(`${where}: no container`);
      continue;
    }
    const cw = `${where} container ${c.name}`;
    problems.push(...appCommandProblems(cw, app.name, [...(c.command ?? []), ...(c.args ?? [])], app.script));
    if (!image.pattern.test(c.image ?? '')) problems.push(`${cw}: image must be ${image.name}, is ${c.image}`);
    const containerPorts = list(c.ports).map((p) => obj(p).containerPort);
    if (!containerPorts.includes(port)) problems.push(`${cw}: containerPort ${containerPorts.join(', ') || 'none'}, the schema's PORT default is ${port}`);
    const portEnv = containerEnv(objects, c);
    const portValue = portEnv.values.PORT ?? portEnv.fromConfigMaps.PORT;
    if (portValue !== undefined && portValue !== String(port)) problems.push(`${cw}: env PORT is ${portValue}, the containerPort is ${port}`);
    problems.push(...probeProblems(cw, 'readinessProbe', c.readinessProbe, c, '/health/ready', port ?? -1));
    problems.push(...probeProblems(cw, 'livenessProbe', c.livenessProbe, c, '/health/live', port ?? -1));
    problems.push(...probeProblems(cw, 'startupProbe', c.startupProbe, c, '/health/live', port ?? -1));
    problems.push(...envProblems(cw, objects, c, app.name, app.env));
    problems.push(...securityProblems(cw, tpl, c));

    const podLabels = tpl?.metadata?.labels ?? {};
    const selector = d.spec?.selector?.matchLabels ?? {};
    if (!Object.keys(selector).length) problems.push(`${where}: empty selector`);
    for (const [k, v] of Object.entries(selector)) if (podLabels[k] !== v) problems.push(`${where}: selector ${k}=${v} does not match its pod template labels`);

    const s = find<IService>(objects, 'Service', app.name);
    if (!s) {
      problems.push(`k8s: no Service named ${app.name}`);
      continue;
    }
    const sw = `Service/${app.name}`;
    const svcSelector = s.spec?.selector ?? {};
    if (!Object.keys(svcSelector).length) problems.push(`${sw}: empty selector`);
    for (const [k, v] of Object.entries(svcSelector)) if (podLabels[k] !== v) problems.push(`${sw}: selector ${k}=${v} does not match the pods of Deployment/${app.name}`);
    for (const other of objects.filter((o) => o.kind === 'Deployment' && o.metadata.name !== app.name) as unknown as IDeployment[]) {
      const labels = other.spec?.template?.metadata?.labels ?? {};
      if (Object.keys(svcSelector).length && Object.entries(svcSelector).every(([k, v]) => labels[k] === v)) {
        problems.push(`${sw}: selector also matches the pods of Deployment/${other.metadata?.name}`);
      }
    }
    const ports = list(s.spec?.ports).map((p) => obj(p));
    if (!ports.length) problems.push(`${sw}: no ports`);
    for (const p of ports) {
      const target = p.targetPort === undefined ? p.port : p.targetPort;
      const resolved = resolvePort(target as number | string | undefined, c);
      if (resolved !== port) problems.push(`${sw}: port ${text(p.port)} targets ${JSON.stringify(target)}, the app listens on ${port}`);
    }
  }
  return problems;
}

/** The shared ConfigMap holds only known, non-secret variables. */
export function checkConfigMaps(objects: KObject[], apps: readonly AppSpec[] = DEPLOYED): string[] {
  const problems: string[] = [];
  const specs = [...apps.map((a) => a.env), CLI_SPEC];
  for (const cm of objects.filter((o) => o.kind === 'ConfigMap')) {
    for (const key of Object.keys(obj(cm.data))) {
      const vars = specs.map((s) => s[key]).filter((v): v is EnvVar => v !== undefined);
      if (!vars.length) problems.push(`ConfigMap/${cm.metadata.name}: ${key} is not a variable of any app's schema`);
      if (vars.some((v) => v.secret)) problems.push(`ConfigMap/${cm.metadata.name}: ${key} is a secret; it belongs in the ${SECRET_NAME} Secret, not in a ConfigMap`);
    }
  }
  return problems;
}

export function checkMigrateJob(objects: KObject[]): string[] {
  const job = find<IJob>(objects, 'Job', 'migrate');
  if (!job) return ['k8s: no Job named migrate'];
  const problems: string[] = [];
  const where = 'Job/migrate';
  if (job.apiVersion !== 'batch/v1') problems.push(`${where}: apiVersion must be batch/v1`);
  if (typeof job.spec?.backoffLimit !== 'number') problems.push(`${where}: set spec.backoffLimit`);
  if (typeof job.spec?.ttlSecondsAfterFinished !== 'number') problems.push(`${where}: set spec.ttlSecondsAfterFinished`);
  const tpl = job.spec?.template;
  if (!['Never', 'OnFailure'].includes(tpl?.spec?.restartPolicy ?? '')) problems.push(`${where}: restartPolicy must be Never or OnFailure`);
  const c = (list(tpl?.spec?.containers) as IContainer[])[0];
  if (!c) return [...problems, `${where}: no container`];
  const cmd = [...(c.command ?? []), ...(c.args ?? [])];
  if (scriptOf(cmd) !== 'bin/comeback.js' || scriptArgs(cmd)[0] !== 'migrate') {
    problems.push(`${where}: must run node bin/comeback.js migrate, runs ${JSON.stringify(cmd.join(' '))}`);
  }
  problems.push(...envProblems(where, objects, c, 'migrate', CLI_SPEC));
  problems.push(...securityProblems(where, tpl, c));
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Dockerfile and .dockerignore

export function checkDockerfile(dockerfile: string, dockerignore: string, exists: (path: string) => boolean, apps: readonly AppSpec[] = APPS): string[] {
  const problems: string[] = [];
  // Join continuation lines, drop comments.
  const lines = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const args = Object.fromEntries(
    lines.filter((l) => /^ARG\s/i.test(l)).map((l) => {
      const [k, v] = l.replace(/^ARG\s+/i, '').split('=');
      return [k, v];
    }),
  );
  const fromLines = lines.filter((l) => /^FROM\s/i.test(l)).map((l) => l.split(/\s+/));
  const stages = fromLines.map((f) => (f[2]?.toUpperCase() === 'AS' ? f[3] : undefined));
  const froms = fromLines.map((f) => f[1].replace(/^\$\{?(\w+)\}?$/, (_, a: string) => args[a] ?? a));
  if (!froms.length) problems.push('Dockerfile: no FROM');
  for (const f of froms.filter((x) => !stages.includes(x))) {
    if (f !== 'node:20-bookworm-slim') problems.push(`Dockerfile: base image ${f}, expected node:20-bookworm-slim`);
  }
  if (froms.length < 2) problems.push('Dockerfile: must be multi-stage');
  const lastFrom = lines.map((l) => /^FROM\s/i.test(l)).lastIndexOf(true);
  const final = lines.slice(lastFrom);
  const user = final.filter((l) => /^USER\s/i.test(l)).pop()?.split(/\s+/)[1];
  if (!user || /^(root|0)(:|$)/.test(user)) problems.push(`Dockerfile: the final stage must switch to a non-root USER (has ${user ?? 'none'})`);
  if (!final.some((l) => /^ENV\s.*\bNODE_ENV=production\b/i.test(l))) problems.push('Dockerfile: the final stage must set ENV NODE_ENV=production');
  const health = final.find((l) => /^HEALTHCHECK\s/i.test(l)) ?? '';
  if (!health.includes('/health/live') || !health.includes('process.env.PORT') || !health.includes('fetch(')) {
    problems.push('Dockerfile: HEALTHCHECK must fetch /health/live on $PORT with node');
  }
  for (const app of apps) {
    const re = new RegExp(`(?:'${app.name}'|"${app.name}"|\\b${app.name.replace(/-/g, '_')})\\s*:\\s*(\\d+)`);
    const m = re.exec(health);
    if (!m || Number(m[1]) !== defaultPort(app)) problems.push(`Dockerfile: HEALTHCHECK's default port for ${app.name} is ${m?.[1] ?? 'missing'}, the schema says ${defaultPort(app)}`);
  }
  if (!lines.some((l) => /npm ci\b/.test(l))) problems.push('Dockerfile: must install with npm ci (the lockfile)');
  if (!lines.some((l) => /npm prune --omit=dev/.test(l))) problems.push('Dockerfile: must drop devDependencies (npm prune --omit=dev)');
  // Every path copied from the build context exists and is not excluded by .dockerignore.
  const ignored = dockerignore
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  for (const l of lines.filter((x) => /^COPY\s/i.test(x) && !/--from=/.test(x))) {
    const parts = l.split(/\s+/).slice(1).filter((p) => !p.startsWith('--'));
    for (const src of parts.slice(0, -1)) {
      if (!exists(src)) problems.push(`Dockerfile: COPY ${src}: no such file in the repository`);
      if (ignored.includes(src)) problems.push(`Dockerfile: COPY ${src}, but .dockerignore excludes it`);
    }
  }
  const copied = lines.filter((x) => /^COPY\s/i.test(x) && !/--from=/.test(x)).join(' ');
  for (const needed of ['package.json', 'tsconfig.json', 'tsconfig.base.json', '.swcrc', 'apps', 'libs', 'bin']) {
    if (!new RegExp(`\\s${needed.replace(/\./g, '\\.')}(\\s|$)`).test(copied)) problems.push(`Dockerfile: the image needs ${needed} (COPY it)`);
  }
  for (const must of ['node_modules', '.git', 'dist', 'tmp', 'coverage', '*.log']) {
    if (!ignored.includes(must)) problems.push(`.dockerignore: must exclude ${must}`);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Grace periods: SIGTERM lets the jobs in hand finish

/** The variables a container sees as its app reads them: ConfigMap data overridden by plain env values. */
export function visibleEnv(objects: KObject[], container: IContainer): Record<string, string> {
  const env = containerEnv(objects, container);
  return { ...env.fromConfigMaps, ...env.values };
}

/** One kind of job a process runs, and the longest it takes in seconds given the process's environment. */
export interface LongestJob {
  job: string;
  seconds: (env: Record<string, string>) => number;
}

/**
 * The longest job of every deployed process, from the constant declared next to its processor
 * (each says what its figure is based on). A process that runs no job has an empty list; a
 * process missing here fails the check, so a new app must declare its jobs.
 */
export const LONGEST_JOBS: Record<string, readonly LongestJob[]> = {
  report: [{ job: 'a report-rollups refresh (ROLLUP_JOB_LONGEST_SECONDS)', seconds: () => ROLLUP_JOB_LONGEST_SECONDS }],
  'response-collector': [],
  'response-collector-worker': [{ job: 'an inbound job (INBOUND_JOB_LONGEST_SECONDS)', seconds: () => INBOUND_JOB_LONGEST_SECONDS }],
  campaign: [{ job: 'a campaign fan-out (CAMPAIGN_JOB_LONGEST_SECONDS)', seconds: () => CAMPAIGN_JOB_LONGEST_SECONDS }],
  'lapse-detector': [
    {
      job: 'a lapse-sweep chunk (sweepJobLongestSeconds of LAPSE_CHUNK_CLIENTS)',
      seconds: (env) => sweepJobLongestSeconds(Number(LAPSE_DETECTOR_ENV.LAPSE_CHUNK_CLIENTS.schema.parse(env.LAPSE_CHUNK_CLIENTS))),
    },
  ],
  dispatcher: [{ job: 'a send (SEND_JOB_LONGEST_SECONDS)', seconds: () => SEND_JOB_LONGEST_SECONDS }],
};

/** What a process needs on SIGTERM: its longest job, then the HTTP server's drain (HTTP_DRAIN_SECONDS). */
function shutdownNeeds(app: string, env: Record<string, string>, jobs: Record<string, readonly LongestJob[]>): { seconds: number; why: string } | undefined {
  const declared = jobs[app];
  if (!declared) return undefined;
  const longest = declared.map((j) => ({ job: j.job, seconds: j.seconds(env) })).sort((a, b) => b.seconds - a.seconds)[0];
  return longest
    ? { seconds: longest.seconds + HTTP_DRAIN_SECONDS, why: `${longest.job} (${longest.seconds} s) + the HTTP drain (${HTTP_DRAIN_SECONDS} s)` }
    : { seconds: HTTP_DRAIN_SECONDS, why: `the HTTP drain (${HTTP_DRAIN_SECONDS} s)` };
}

/** Kubernetes' default terminationGracePeriodSeconds. */
const K8S_DEFAULT_GRACE_SECONDS = 30;

/**
 * Each Deployment's terminationGracePeriodSeconds covers its app's longest job plus the HTTP drain,
 * so a rolling update or a node drain lets the job in hand finish instead of SIGKILLing it (BullMQ
 * would run it again from the start once its lock lapsed).
 */
export function checkGracePeriods(objects: KObject[], apps: readonly AppSpec[] = DEPLOYED, jobs: Record<string, readonly LongestJob[]> = LONGEST_JOBS): string[] {
  const problems: string[] = [];
  for (const app of apps) {
    const d = find<IDeployment>(objects, 'Deployment', app.name);
    if (!d) continue;
    const where = `Deployment/${app.name}`;
    const c = (d.spec?.template?.spec?.containers ?? [])[0];
    const needs = shutdownNeeds(app.name, c ? visibleEnv(objects, c) : {}, jobs);
    if (!needs) {
      problems.push(`${where}: its app declares no longest job; add it to LONGEST_JOBS in tests/deploy/deploy-checks.ts (an empty list if it runs none)`);
      continue;
    }
    const grace = d.spec?.template?.spec?.terminationGracePeriodSeconds ?? K8S_DEFAULT_GRACE_SECONDS;
    // The preStop sleep runs first and counts against the same grace period.
    const pause = preStopSleepSeconds(c);
    const total = needs.seconds + pause;
    const why = pause ? `the preStop sleep (${pause} s) + ${needs.why}` : needs.why;
    if (grace < total) problems.push(`${where}: terminationGracePeriodSeconds ${grace} is shorter than ${why} = ${total} s: SIGKILL would cut the job in hand`);
  }
  return problems;
}

/**
 * How long a pod that takes outside traffic waits, once told to stop, before its app gets SIGTERM
 * (a preStop `sleep`). Kubernetes takes a terminating pod out of its Service's endpoints, and the
 * ingress controller out of its upstreams, at the same time as it runs preStop, not before: for a
 * few seconds new requests still arrive, and an app that stopped listening at once would refuse
 * them (502s at the ingress during every rollout). Webhooks refused that way are retried by the
 * provider, but a client opening their feedback link sees an error.
 */
export const PRE_STOP_SECONDS = 5;

/** The seconds of a container's preStop `sleep N` (exec), or 0 when it has none. */
function preStopSleepSeconds(c: IContainer | undefined): number {
  const command = c?.lifecycle?.preStop?.exec?.command;
  return command?.length === 2 && command[0] === 'sleep' && /^\d+$/.test(command[1]) ? Number(command[1]) : 0;
}

/** Every Deployment that takes outside traffic sleeps PRE_STOP_SECONDS or more in preStop. */
export function checkPreStopDelays(objects: KObject[], apps: readonly AppSpec[] = DEPLOYED): string[] {
  const problems: string[] = [];
  for (const app of apps.filter((a) => a.public)) {
    const d = find<IDeployment>(objects, 'Deployment', app.name);
    if (!d) continue;
    const seconds = preStopSleepSeconds((d.spec?.template?.spec?.containers ?? [])[0]);
    if (seconds < PRE_STOP_SECONDS) {
      problems.push(`Deployment/${app.name}: takes outside traffic, so its container needs a preStop ["sleep", "${PRE_STOP_SECONDS}"] or longer (has ${seconds} s): requests the ingress still sends after SIGTERM would be refused`);
    }
  }
  return problems;
}

/** A compose duration ("30s", "1m30s", "10m20s", "1h") in seconds; undefined when it is not one. */
export function composeSeconds(value: unknown): number | undefined {
  const m = /^(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?$/.exec(text(value) ?? '');
  if (!m || !text(value)) return undefined;
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

/** Docker's default stop_grace_period. */
const COMPOSE_DEFAULT_GRACE_SECONDS = 10;

/** The same on docker-compose.yml: each app service's stop_grace_period covers its longest job plus the HTTP drain. */
export function checkComposeGracePeriods(compose: unknown, apps: readonly AppSpec[] = DEPLOYED, jobs: Record<string, readonly LongestJob[]> = LONGEST_JOBS): string[] {
  const services = composeServices(compose);
  const problems: string[] = [];
  for (const app of apps) {
    const svc = obj(services[app.name]);
    if (!(app.name in services)) continue;
    const where = `docker-compose.yml: service ${app.name}`;
    const needs = shutdownNeeds(app.name, composeEnv(svc), jobs);
    if (!needs) {
      problems.push(`${where}: its app declares no longest job; add it to LONGEST_JOBS in tests/deploy/deploy-checks.ts`);
      continue;
    }
    const grace = svc.stop_grace_period === undefined ? COMPOSE_DEFAULT_GRACE_SECONDS : composeSeconds(svc.stop_grace_period);
    if (grace === undefined) problems.push(`${where}: stop_grace_period ${JSON.stringify(svc.stop_grace_period)} is not a duration such as 90s or 10m20s`);
    else if (grace < needs.seconds) problems.push(`${where}: stop_grace_period ${grace} s is shorter than ${needs.why} = ${needs.seconds} s: docker compose stop would kill the job in hand`);
  }
  return problems;
}
