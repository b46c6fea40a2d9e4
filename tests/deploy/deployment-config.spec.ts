/**
 * The deployment files agree with the apps: docker-compose.yml, the kustomize base in k8s/base and
 * the Dockerfile are checked against each app's configuration schema (apps/<app>/src/config.ts),
 * the Kubernetes API schemas (kubernetes-models) and a render of the base like kustomize's.
 * The last block breaks copies of the files on purpose, to prove that every check can fail.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { envVar } from '@comeback/config';
import {
  APPS,
  type AppSpec,
  DEPLOYED,
  checkBaseFiles,
  checkComposeApps,
  checkComposeEnvComplete,
  checkComposeEnvValues,
  checkComposeGracePeriods,
  checkComposeInfra,
  checkConfigMaps,
  checkDockerfile,
  checkGracePeriods,
  checkPreStopDelays,
  checkK8sApps,
  checkMigrateJob,
  checkRendered,
  checkSchemas,
  composeServices,
  find,
  type Json,
  type KObject,
  list,
  loadBase,
  normalizeGeneratedNames,
  obj,
  readYaml,
  renderBase,
  ROOT,
} from './deploy-checks';

const BASE_DIR = join(ROOT, 'k8s', 'base');
const compose = readYaml(join(ROOT, 'docker-compose.yml'));
const base = loadBase(BASE_DIR);
const rendered = renderBase(base);
const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const dockerignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8');
const inRepo = (p: string): boolean => existsSync(join(ROOT, p));

describe('the apps', () => {
  it('are exactly the HTTP apps of apps/ (a config.ts exporting an *_ENV with PORT)', async () => {
    const found: string[] = [];
    for (const dir of readdirSync(join(ROOT, 'apps'))) {
      const config = join(ROOT, 'apps', dir, 'src', 'config.ts');
      if (!existsSync(config)) continue;
      const mod = (await import(config)) as Record<string, unknown>;
      const isServer = Object.entries(mod).some(([k, v]) => k.endsWith('_ENV') && 'PORT' in obj(v));
      if (isServer) found.push(dir);
    }
    expect(found.sort()).toEqual(APPS.map((a) => a.name).sort());
  });
});

describe('docker-compose.yml', () => {
  it('has the five apps and the response collector\'s inbound worker plus postgres, redis, mailpit, migrate and demo-data; each runs its script on its port, with healthcheck, restart policy and dependencies', () => {
    expect(checkComposeApps(compose)).toEqual([]);
  });

  it("lists every variable of each app's schema, and no other", () => {
    expect(checkComposeEnvComplete(compose)).toEqual([]);
  });

  it("sets only values the app's own schema accepts (loadConfig)", () => {
    expect(checkComposeEnvValues(compose)).toEqual([]);
  });

  it('runs postgres 16, redis 7 with AOF, mailpit, the one-shot migrate and the demo-data profile', () => {
    expect(checkComposeInfra(compose)).toEqual([]);
  });

  it("gives each app a stop_grace_period that covers its longest job plus the HTTP drain", () => {
    expect(checkComposeGracePeriods(compose)).toEqual([]);
  });
});

describe('k8s/base', () => {
  it('lists exactly the files of k8s/base as kustomization resources', () => {
    expect(checkBaseFiles(base)).toEqual([]);
  });

  it('renders: namespace, labels, the generated ConfigMap and its references; the expected objects are there', () => {
    expect(rendered.problems).toEqual([]);
    expect(checkRendered(rendered.objects)).toEqual([]);
    const kinds = rendered.objects.map((o) => `${o.kind}/${o.metadata.name.replace(/^(comeback-config)-[a-z0-9]{10}$/, '$1')}`).sort();
    expect(kinds).toEqual(
      [
        'Namespace/comeback',
        'ConfigMap/comeback-config',
        'Job/migrate',
        ...DEPLOYED.flatMap((a) => [`Deployment/${a.name}`, `Service/${a.name}`]),
      ].sort(),
    );
  });

  it('validates every object against the Kubernetes API schema', () => {
    expect(checkSchemas(rendered.objects)).toEqual([]);
  });

  it('gives each app a Deployment and a Service named after it, on its schema port, probed on /health/ready and /health/live, secrets by secretKeyRef', () => {
    expect(checkK8sApps(rendered.objects)).toEqual([]);
  });

  it('keeps only known, non-secret variables in the ConfigMap', () => {
    expect(checkConfigMaps(rendered.objects)).toEqual([]);
  });

  it('has the migrate Job', () => {
    expect(checkMigrateJob(rendered.objects)).toEqual([]);
  });

  it("gives every Deployment a terminationGracePeriodSeconds that covers its app's longest job plus the HTTP drain", () => {
    expect(checkGracePeriods(rendered.objects)).toEqual([]);
  });

  it('makes the apps that take outside traffic sleep in preStop before SIGTERM', () => {
    expect(checkPreStopDelays(rendered.objects)).toEqual([]);
  });

});

describe('Dockerfile and .dockerignore', () => {
  it('build one non-root node:20-bookworm-slim image with the sources, a liveness HEALTHCHECK and a lean context', () => {
    expect(checkDockerfile(dockerfile, dockerignore, inRepo)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Each check fails on a broken copy.

function composeWith(edit: (services: Json, root: Json) => void): unknown {
  const copy = structuredClone(compose);
  edit(composeServices(copy), obj(copy));
  return copy;
}
const svc = (services: Json, name: string): Json => obj(services[name]);
const env = (services: Json, name: string): Json => obj(svc(services, name).environment);

function objectsWith(edit: (objects: KObject[]) => void): KObject[] {
  const copy = structuredClone(rendered.objects);
  edit(copy);
  return copy;
}
const podSpec = (objects: KObject[], kind: string, name: string): Json => obj(obj(obj(obj(find<Json>(objects, kind, name)).spec).template).spec);
const container = (objects: KObject[], kind: string, name: string): Json => obj(list(podSpec(objects, kind, name).containers)[0]);
const envEntry = (c: Json, name: string): Json => obj(list(c.env).find((e) => obj(e).name === name));
const configMap = (objects: KObject[]): Json => obj(objects.find((o) => o.kind === 'ConfigMap'));

function baseWith(edit: (k: Json, files: string[]) => void) {
  const copy = { ...base, kustomization: structuredClone(base.kustomization), files: [...base.files] };
  edit(copy.kustomization, copy.files);
  return copy;
}

/** The apps with one extra variable that has no default, to exercise the "required" checks. */
const withRequiredVar = (name: string, secret = false): AppSpec[] =>
  DEPLOYED.map((a) => (a.name === 'report' ? { ...a, env: { ...a.env, [name]: envVar(z.string().min(1), 'test only', secret) } } : a));

const cases: [string, () => string[], RegExp][] = [
  // docker-compose.yml
  ['compose: a wrong PORT', () => checkComposeApps(composeWith((s) => (env(s, 'report').PORT = '3005'))), /report: PORT is "3005", the schema default is 3000/],
  ['compose: a healthcheck on the wrong port', () => checkComposeApps(composeWith((s) => (obj(svc(s, 'campaign').healthcheck).test = ['CMD', 'node', '-e', "fetch('http://127.0.0.1:3009/health/live')"]))), /campaign: healthcheck uses port 3009/],
  ['compose: an internal app publishing a port', () => checkComposeApps(composeWith((s) => (svc(s, 'dispatcher').ports = ['3004:3004']))), /dispatcher: is internal and must not publish ports/],
  ['compose: a public app publishing the wrong port', () => checkComposeApps(composeWith((s) => (svc(s, 'report').ports = ['3001:3001']))), /report: publishes container port 3001/],
  ['compose: a public app not published', () => checkComposeApps(composeWith((s) => delete svc(s, 'response-collector').ports)), /response-collector: takes outside traffic/],
  ['compose: a variable the schema does not know', () => checkComposeApps(composeWith((s) => (env(s, 'campaign').SMTP_HOST = 'mailpit'))), /campaign: environment sets SMTP_HOST/],
  ['compose: a required variable missing', () => checkComposeApps(compose, withRequiredVar('SMTP_URL')), /report: environment lacks SMTP_URL/],
  ['compose: a schema variable not listed', () => checkComposeEnvComplete(composeWith((s) => delete env(s, 'lapse-detector').LOG_LEVEL)), /lapse-detector: environment does not list LOG_LEVEL/],
  ['compose: a value the schema rejects', () => checkComposeEnvValues(composeWith((s) => (env(s, 'dispatcher').LOG_LEVEL = 'loud'))), /dispatcher: LOG_LEVEL: .*"loud"/],
  ['compose: a bad secret value (not shown)', () => checkComposeEnvValues(composeWith((s) => (env(s, 'report').DATABASE_URL = 'mysql://db/x'))), /report: DATABASE_URL: .*secret, not shown/],
  ['compose: a CLI value the schema rejects', () => checkComposeEnvValues(composeWith((s) => (env(s, 'migrate').REDIS_URL = 'http://redis'))), /migrate: REDIS_URL/],
  ['compose: DATABASE_URL not on the postgres service', () => checkComposeApps(composeWith((s) => (env(s, 'report').DATABASE_URL = 'postgres://comeback@127.0.0.1:5432/comeback'))), /report: DATABASE_URL must point at the compose service "postgres"/],
  ['compose: an app running another main.ts', () => checkComposeApps(composeWith((s) => (svc(s, 'campaign').command = ['node', '-r', './tools/register.js', 'apps/report/src/main.ts']))), /campaign: command runs "apps\/report\/src\/main.ts"/],
  ['compose: an app without the swc hook', () => checkComposeApps(composeWith((s) => (svc(s, 'campaign').command = 'node apps/campaign/src/main.ts'))), /campaign: command does not preload the TypeScript hook/],
  ['compose: the dispatcher without its heap cap', () => checkComposeApps(composeWith((s) => (svc(s, 'dispatcher').command = ['node', '-r', './tools/register.js', 'apps/dispatcher/src/main.ts']))), /dispatcher: command must cap the heap with --max-old-space-size=256/],
  ['compose: the inbound worker running the web process', () => checkComposeApps(composeWith((s) => (svc(s, 'response-collector-worker').command = ['node', '--max-old-space-size=256', '-r', './tools/register.js', 'apps/response-collector/src/main.ts']))), /response-collector-worker: command runs "apps\/response-collector\/src\/main.ts", expected node running apps\/response-collector\/src\/worker.ts/],
  ['compose: the inbound worker publishing a port', () => checkComposeApps(composeWith((s) => (svc(s, 'response-collector-worker').ports = ['3005:3005']))), /response-collector-worker: is internal and must not publish ports/],
  ['compose: a missing app', () => checkComposeApps(composeWith((s) => delete s.dispatcher)), /service dispatcher is missing/],
  ['compose: an extra service', () => checkComposeApps(composeWith((s) => (s.worker = { image: 'comeback:latest' }))), /unexpected service worker/],
  ['compose: a `version` key', () => checkComposeApps(composeWith((_, root) => (root.version = '3.8'))), /top-level `version`/],
  ['compose: a wrong restart policy', () => checkComposeApps(composeWith((s) => (svc(s, 'report').restart = 'always'))), /report: restart must be unless-stopped/],
  ['compose: an app not waiting for the migrations', () => checkComposeApps(composeWith((s) => (svc(s, 'report').depends_on = { postgres: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } }))), /report: depends_on migrate must have condition service_completed_successfully/],
  ['compose: an app on another image', () => checkComposeApps(composeWith((s) => (svc(s, 'campaign').image = 'other:1'))), /campaign uses image other:1/],
  ['compose: redis without AOF', () => checkComposeInfra(composeWith((s) => (svc(s, 'redis').command = ['redis-server', '--appendonly', 'no']))), /--appendonly yes/],
  ['compose: postgres without a named volume', () => checkComposeInfra(composeWith((s) => (svc(s, 'postgres').volumes = ['./pgdata:/var/lib/postgresql/data']))), /postgres must keep \/var\/lib\/postgresql\/data in a named volume/],
  ['compose: demo-data outside the demo profile', () => checkComposeInfra(composeWith((s) => delete svc(s, 'demo-data').profiles)), /"demo" profile/],
  ['compose: migrate restarting', () => checkComposeInfra(composeWith((s) => (svc(s, 'migrate').restart = 'unless-stopped'))), /migrate is one-shot/],
  ['compose: the report app stopped after 30 s', () => checkComposeGracePeriods(composeWith((s) => (svc(s, 'report').stop_grace_period = '30s'))), /service report: stop_grace_period 30 s is shorter than a report-rollups refresh .* = 620 s/],
  ["compose: docker's default grace period for the dispatcher", () => checkComposeGracePeriods(composeWith((s) => delete svc(s, 'dispatcher').stop_grace_period)), /service dispatcher: stop_grace_period 10 s is shorter than a send/],
  ['compose: a grace period that is not a duration', () => checkComposeGracePeriods(composeWith((s) => (svc(s, 'campaign').stop_grace_period = 'two minutes'))), /service campaign: stop_grace_period "two minutes" is not a duration/],
  // k8s/base: files and render
  ['k8s: a file not listed in resources', () => checkBaseFiles(baseWith((_, files) => files.push('ingress.yaml'))), /k8s\/base\/ingress.yaml is not listed/],
  ['k8s: a listed resource that does not exist', () => checkBaseFiles(baseWith((k) => (k.resources = [...list(k.resources), 'missing.yaml']))), /resource missing.yaml does not exist/],
  ['k8s: no namespace in the kustomization', () => checkRendered(renderBase(baseWith((k) => delete k.namespace)).objects), /Deployment\/report is in namespace undefined, expected comeback/],
  ['k8s: no part-of label', () => checkRendered(renderBase(baseWith((k) => delete k.labels)).objects), /Service\/report lacks the label app.kubernetes.io\/part-of/],
  ['k8s: a kustomization field the render does not know', () => renderBase(baseWith((k) => (k.replacements = []))).problems, /uses "replacements", which this test's render does not emulate/],
  ['k8s: a reference to a ConfigMap the base does not produce', () => checkRendered(objectsWith((o) => (obj(list(container(o, 'Deployment', 'campaign').envFrom)[0]).configMapRef = { name: 'nope' }))), /Deployment\/campaign reads ConfigMap nope/],
  ['k8s: no Deployment of the inbound worker', () => checkRendered(objectsWith((o) => o.splice(o.findIndex((x) => x.kind === 'Deployment' && x.metadata.name === 'response-collector-worker'), 1))), /no Deployment response-collector-worker/],
  ['k8s: a missing Service', () => checkRendered(objectsWith((o) => o.splice(o.findIndex((x) => x.kind === 'Service' && x.metadata.name === 'dispatcher'), 1))), /no Service dispatcher/],
  // k8s/base: schemas
  ['k8s schema: a port given as a string', () => checkSchemas(objectsWith((o) => (obj(list(container(o, 'Deployment', 'report').ports)[0]).containerPort = '3000'))), /Deployment\/report: does not match the Kubernetes schema: .*containerPort must be integer/],
  ['k8s schema: a Deployment without selector', () => checkSchemas(objectsWith((o) => delete obj(obj(find<Json>(o, 'Deployment', 'dispatcher')).spec).selector)), /Deployment\/dispatcher: .*selector/],
  ['k8s schema: an unknown apiVersion', () => checkSchemas(objectsWith((o) => (obj(find<Json>(o, 'Deployment', 'report')).apiVersion = 'apps/v1beta1'))), /no schema for apiVersion apps\/v1beta1/],
  // k8s/base: apps
  ['k8s: a wrong containerPort', () => checkK8sApps(objectsWith((o) => (obj(list(container(o, 'Deployment', 'campaign').ports)[0]).containerPort = 3005))), /campaign: containerPort 3005, the schema's PORT default is 3002/],
  ['k8s: a Service targeting the wrong port', () => checkK8sApps(objectsWith((o) => (obj(list(obj(find<Json>(o, 'Service', 'report')?.spec).ports)[0]).targetPort = 3001))), /Service\/report: port 80 targets 3001, the app listens on 3000/],
  ['k8s: a readiness probe on the wrong path', () => checkK8sApps(objectsWith((o) => (obj(obj(container(o, 'Deployment', 'report').readinessProbe).httpGet).path = '/health/live'))), /readinessProbe checks \/health\/live, expected \/health\/ready/],
  ['k8s: a liveness probe on the wrong port', () => checkK8sApps(objectsWith((o) => (obj(obj(container(o, 'Deployment', 'dispatcher').livenessProbe).httpGet).port = 8080))), /dispatcher: livenessProbe uses port 8080/],
  ['k8s: no startup probe', () => checkK8sApps(objectsWith((o) => delete container(o, 'Deployment', 'lapse-detector').startupProbe)), /lapse-detector: no startupProbe/],
  ['k8s: a PORT env that disagrees', () => checkK8sApps(objectsWith((o) => (envEntry(container(o, 'Deployment', 'campaign'), 'PORT').value = '3009'))), /campaign: env PORT is 3009/],
  ['k8s: a secret in the ConfigMap instead of a secretKeyRef', () => {
    const objects = objectsWith((o) => {
      obj(configMap(o).data).DATABASE_URL = 'postgres://u:p@db/comeback';
      const c = container(o, 'Deployment', 'report');
      c.env = list(c.env).filter((e) => obj(e).name !== 'DATABASE_URL');
    });
    return [...checkK8sApps(objects), ...checkConfigMaps(objects)];
  }, /secret DATABASE_URL must come from secretKeyRef comeback-secrets\/DATABASE_URL/],
  ['k8s: the ConfigMap holding a secret', () => checkConfigMaps(objectsWith((o) => (obj(configMap(o).data).REDIS_URL = 'redis://r:6379'))), /REDIS_URL is a secret; it belongs in the comeback-secrets Secret/],
  ['k8s: a secret from the wrong Secret', () => checkK8sApps(objectsWith((o) => (obj(obj(envEntry(container(o, 'Deployment', 'campaign'), 'REDIS_URL').valueFrom).secretKeyRef).name = 'redis'))), /campaign: secret REDIS_URL comes from redis\/REDIS_URL/],
  ['k8s: a secret with a plain value', () => checkK8sApps(objectsWith((o) => (envEntry(container(o, 'Deployment', 'report'), 'REDIS_URL').value = 'redis://r:6379'))), /secret REDIS_URL has a plain value/],
  ['k8s: a secret variable of the schema not supplied', () => checkK8sApps(rendered.objects, withRequiredVar('SMTP_PASSWORD', true)), /report: secret SMTP_PASSWORD must come from secretKeyRef/],
  ['k8s: a required non-secret variable not in the ConfigMap', () => checkK8sApps(rendered.objects, withRequiredVar('PUBLIC_URL')), /report: PUBLIC_URL has no default, so it must be in the ConfigMap/],
  ['k8s: a ConfigMap value the schema rejects', () => checkK8sApps(objectsWith((o) => (obj(configMap(o).data).NODE_ENV = 'staging'))), /NODE_ENV: .*"staging"/],
  ['k8s: a ConfigMap key no schema knows', () => checkConfigMaps(objectsWith((o) => (obj(configMap(o).data).LOGLEVEL = 'log'))), /LOGLEVEL is not a variable of any app's schema/],
  ['k8s: a Service selecting no pods of its app', () => checkK8sApps(objectsWith((o) => (obj(find<Json>(o, 'Service', 'campaign')?.spec).selector = { 'app.kubernetes.io/name': 'campain' }))), /Service\/campaign: selector app.kubernetes.io\/name=campain/],
  ['k8s: a writable root filesystem', () => checkK8sApps(objectsWith((o) => (obj(container(o, 'Deployment', 'report').securityContext).readOnlyRootFilesystem = false))), /readOnlyRootFilesystem: true/],
  ['k8s: no migrate Job', () => checkMigrateJob(objectsWith((o) => o.splice(o.findIndex((x) => x.kind === 'Job'), 1))), /no Job named migrate/],
  ['k8s: a migrate Job without ttl', () => checkMigrateJob(objectsWith((o) => delete obj(obj(find<Json>(o, 'Job', 'migrate')).spec).ttlSecondsAfterFinished)), /ttlSecondsAfterFinished/],
  ['k8s: a grace period shorter than the longest sweep job', () => checkGracePeriods(objectsWith((o) => (podSpec(o, 'Deployment', 'lapse-detector').terminationGracePeriodSeconds = 60))), /Deployment\/lapse-detector: terminationGracePeriodSeconds 60 is shorter than a lapse-sweep chunk .*\(60 s\) \+ the HTTP drain \(20 s\) = 80 s/],
  ['k8s: a migrate Job running something else', () => checkMigrateJob(objectsWith((o) => (container(o, 'Job', 'migrate').command = ['node', 'bin/comeback.js', 'demo-data']))), /must run node bin\/comeback.js migrate/],
  // Dockerfile
  ['Dockerfile: another base image', () => checkDockerfile(dockerfile.replace('node:20-bookworm-slim', 'node:22-alpine'), dockerignore, inRepo), /base image node:22-alpine/],
  ['Dockerfile: running as root', () => checkDockerfile(dockerfile.replace(/^USER .*$/m, ''), dockerignore, inRepo), /non-root USER/],
  ['Dockerfile: a wrong default port in the HEALTHCHECK', () => checkDockerfile(dockerfile.replace('dispatcher:3004', 'dispatcher:3005'), dockerignore, inRepo), /default port for dispatcher is 3005/],
  ['Dockerfile: copying a file that does not exist', () => checkDockerfile(dockerfile.replace('COPY bin ./bin', 'COPY scripts/nope ./bin'), dockerignore, inRepo), /COPY scripts\/nope: no such file/],
  ['.dockerignore: node_modules sent to the build', () => checkDockerfile(dockerfile, dockerignore.replace(/^node_modules$/m, ''), inRepo), /\.dockerignore: must exclude node_modules/],
];

describe('the checks catch mistakes', () => {
  it.each(cases)('%s', (_name, run, expected) => {
    expect(run()).toEqual(expect.arrayContaining([expect.stringMatching(expected)]));
  });
});
