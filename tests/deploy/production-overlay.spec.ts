/**
 * The production overlay (k8s/overlays/production) renders on the base, every object of it
 * validates against the Kubernetes schemas (KEDA's for its kinds), and it holds what production
 * needs: the base's checks still pass on it, every Deployment has replicas and a matching
 * PodDisruptionBudget, every container has resources, the Ingress routes only what the public apps
 * serve, KEDA scales the dispatcher on its real queues, and the NetworkPolicies let in only what
 * must come in. The last block breaks copies on purpose, to prove that every check can fail.
 */
import { join } from 'node:path';
import { QueueName } from '@comeback/contracts';
import {
  DEPLOYED,
  type Base,
  checkConfigMaps,
  checkGracePeriods,
  checkPreStopDelays,
  checkK8sApps,
  checkMigrateJob,
  checkOverlayFiles,
  checkRendered,
  checkSchemas,
  find,
  type Json,
  type KObject,
  list,
  loadBase,
  LONGEST_JOBS,
  obj,
  renderBase,
  ROOT,
  strategicMerge,
  text,
} from './deploy-checks';
import {
  BUDGET_ANNOTATION,
  checkAutoscaling,
  checkConnectionBudget,
  connectionWorstCase,
  checkDisruptionBudgets,
  checkIngress,
  checkNetworkPolicies,
  checkPublicUrls,
  checkResources,
  checkTopologySpread,
  MAX_CONNECTIONS_ANNOTATION,
  servedPrefixes,
} from './production-checks';

const overlay = loadBase(join(ROOT, 'k8s', 'overlays', 'production'));
const rendered = renderBase(overlay);
const baseRendered = renderBase(loadBase(join(ROOT, 'k8s', 'base')));
const imageEntry = obj(list(overlay.kustomization.images)[0]);
const image = `${text(imageEntry.newName)}:${text(imageEntry.newTag)}`;
const overlayImage = { name: `the overlay's image ${image}`, pattern: new RegExp(`^${image.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) };
const id = (o: KObject): string => `${o.kind}/${o.metadata.name.replace(/^(comeback-config)-[a-z0-9]{10}$/, '$1')}`;

describe('k8s/overlays/production renders', () => {
  it('uses every file of its directory, and only files that exist', () => {
    expect(checkOverlayFiles(overlay)).toEqual([]);
  });

  it('renders on the base without a field or patch the render cannot apply', () => {
    expect(rendered.problems).toEqual([]);
    expect(checkRendered(rendered.objects)).toEqual([]);
  });

  it("keeps every object of the base and adds a PDB per Deployment, the two Ingresses, KEDA's objects and the NetworkPolicies", () => {
    const ids = rendered.objects.map(id);
    expect(ids).toEqual(expect.arrayContaining(baseRendered.objects.map(id)));
    expect(ids).toEqual(
      expect.arrayContaining([
        ...DEPLOYED.map((a) => `PodDisruptionBudget/${a.name}`),
        'Ingress/report',
        'Ingress/response-collector',
        'ScaledObject/dispatcher',
        'TriggerAuthentication/comeback-redis',
        'NetworkPolicy/default-deny',
      ]),
    );
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('applies its transformers: the image everywhere, replicas, the dispatcher left to KEDA, the merged ConfigMap', () => {
    const images = rendered.objects.flatMap((o) => list(obj(obj(obj(o.spec).template).spec).containers).map((c) => text(obj(c).image)));
    expect(images.length).toBe(DEPLOYED.length + 1);
    expect(new Set(images)).toEqual(new Set([image]));
    for (const r of list(overlay.kustomization.replicas)) {
      expect([text(obj(r).name), obj(find<Json>(rendered.objects, 'Deployment', text(obj(r).name) ?? '')?.spec).replicas]).toEqual([text(obj(r).name), obj(r).count]);
    }
    expect('replicas' in obj(find<Json>(rendered.objects, 'Deployment', 'dispatcher')?.spec)).toBe(false);
    const configMaps = rendered.objects.filter((o) => o.kind === 'ConfigMap');
    expect(configMaps).toHaveLength(1);
    const data = obj(configMaps[0].data);
    expect(data).toEqual(expect.objectContaining(obj(baseRendered.objects.find((o) => o.kind === 'ConfigMap')?.data)));
    expect(data.PUBLIC_BASE_URL).toMatch(/^https:\/\//);
    // The merged ConfigMap gets a new name, and every container reads that one.
    expect(configMaps[0].metadata.name).not.toBe(baseRendered.objects.find((o) => o.kind === 'ConfigMap')?.metadata.name);
    const refs = rendered.objects.flatMap((o) => list(obj(obj(obj(o.spec).template).spec).containers).flatMap((c) => list(obj(c).envFrom).map((e) => text(obj(obj(e).configMapRef).name))));
    expect(new Set(refs)).toEqual(new Set([configMaps[0].metadata.name]));
  });
});

describe('k8s/overlays/production holds', () => {
  it('validates every object against the Kubernetes API schemas, and KEDA objects against KEDA CRD schemas', () => {
    expect(checkSchemas(rendered.objects)).toEqual([]);
  });

  it("passes the base's checks: apps, ports, probes, env, security, the ConfigMap, the migrate Job", () => {
    expect(checkK8sApps(rendered.objects, DEPLOYED, overlayImage)).toEqual([]);
    expect(checkConfigMaps(rendered.objects)).toEqual([]);
    expect(checkMigrateJob(rendered.objects)).toEqual([]);
  });

  it('gives every container, the migrate Job included, CPU and memory requests within their limits', () => {
    expect(checkResources(rendered.objects)).toEqual([]);
  });

  it('runs every Deployment with at least two replicas and one PodDisruptionBudget that matches it and lets one pod go', () => {
    expect(checkDisruptionBudgets(rendered.objects)).toEqual([]);
  });

  it("spreads each Deployment's replicas over nodes, counting only its own pods", () => {
    expect(checkTopologySpread(rendered.objects)).toEqual([]);
  });

  it('routes the Ingress only to the public apps, only on paths their controllers serve, all of them, with TLS', () => {
    expect(servedPrefixes('response-collector')).toEqual(expect.arrayContaining(['f', 'u', 'webhooks']));
    expect(servedPrefixes('report')).toEqual(expect.arrayContaining(['api', 'console']));
    expect(checkIngress(rendered.objects)).toEqual([]);
  });

  it("sets the public URLs to the Ingress hosts (Twilio's signatures are checked against PUBLIC_BASE_URL)", () => {
    expect(checkPublicUrls(rendered.objects)).toEqual([]);
  });

  it("scales the dispatcher with KEDA on the BullMQ wait lists of the four send queues, under the ConfigMap's REDIS_PREFIX", () => {
    expect(checkAutoscaling(rendered.objects)).toEqual([]);
  });

  it('denies by default; only the public apps take traffic from the ingress controller; every pod reaches DNS, PostgreSQL and Redis; only the dispatcher the providers', () => {
    expect(checkNetworkPolicies(rendered.objects)).toEqual([]);
  });
});

describe('k8s/overlays/production and PostgreSQL', () => {
  it('opens at most the connections its Namespace budgets for, at the largest replica counts plus the rolling-update surge', () => {
    expect(checkConnectionBudget(rendered.objects)).toEqual([]);
  });

  it('declares a budget that leaves room under max_connections, and the worst case is what postgres-connections.yaml says', () => {
    const annotations = obj(find<Json>(rendered.objects, 'Namespace', 'comeback')?.metadata).annotations;
    expect(annotations).toEqual(expect.objectContaining({ [BUDGET_ANNOTATION]: '180', [MAX_CONNECTIONS_ANNOTATION]: '200' }));
    const { total, parts, problems } = connectionWorstCase(rendered.objects);
    expect(problems).toEqual([]);
    expect(parts).toContain('dispatcher (8 + 1) × (2 + 4) = 54');
    expect(total).toBe(169);
  });
});

describe('k8s/overlays/production on SIGTERM', () => {
  it("gives every Deployment a grace period that covers its app's longest job plus the HTTP drain", () => {
    expect(checkGracePeriods(rendered.objects)).toEqual([]);
  });

  it('lets the apps behind the Ingress sleep in preStop while the ingress stops sending them requests', () => {
    expect(checkPreStopDelays(rendered.objects)).toEqual([]);
  });
});

describe("the render's strategic merge", () => {
  it('merges maps, merges containers and env by name, replaces other lists, and deletes a field set to null', () => {
    const problems: string[] = [];
    const target = {
      spec: {
        replicas: 1,
        template: { spec: { containers: [{ name: 'a', image: 'x', env: [{ name: 'A', value: '1' }], args: ['p'] }, { name: 'b', image: 'y' }] } },
      },
    };
    const patch = {
      spec: { replicas: null, template: { spec: { containers: [{ name: 'a', env: [{ name: 'B', value: '2' }], args: ['q'] }, { name: 'c', image: 'z' }] } } },
    };
    expect(strategicMerge(target, patch, 'test', problems)).toEqual({
      spec: {
        template: {
          spec: {
            containers: [
              { name: 'a', image: 'x', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }], args: ['q'] },
              { name: 'b', image: 'y' },
              { name: 'c', image: 'z' },
            ],
          },
        },
      },
    });
    expect(problems).toEqual([]);
    strategicMerge(target, { spec: { $patch: 'replace' } }, 'test', problems);
    expect(problems).toEqual([expect.stringMatching(/directive \$patch is not emulated/)]);
  });
});

// ---------------------------------------------------------------------------------------------
// Each check fails on a broken copy.

function objectsWith(edit: (objects: KObject[]) => void): KObject[] {
  const copy = structuredClone(rendered.objects);
  edit(copy);
  return copy;
}
function overlayWith(edit: (k: Json, o: Base) => void): Base {
  const copy: Base = { ...overlay, kustomization: structuredClone(overlay.kustomization), files: [...overlay.files], patches: new Map(overlay.patches) };
  edit(copy.kustomization, copy);
  return copy;
}
const get = (objects: KObject[], kind: string, name: string): Json => obj(find<Json>(objects, kind, name));
const spec = (objects: KObject[], kind: string, name: string): Json => obj(get(objects, kind, name).spec);
const firstContainer = (objects: KObject[], kind: string, name: string): Json => obj(list(obj(obj(spec(objects, kind, name).template).spec).containers)[0]);
const remove = (objects: KObject[], kind: string, name: string): void => {
  objects.splice(objects.findIndex((o) => o.kind === kind && o.metadata.name === name), 1);
};
const configMapData = (objects: KObject[]): Json => obj(objects.find((o) => o.kind === 'ConfigMap')?.data);
const ingressPaths = (objects: KObject[], name: string): Json[] => list(obj(obj(list(spec(objects, 'Ingress', name).rules)[0]).http).paths).map(obj);
const triggers = (objects: KObject[]): Json[] => list(spec(objects, 'ScaledObject', 'dispatcher').triggers).map(obj);
const policyNamed = (objects: KObject[], name: string): Json => spec(objects, 'NetworkPolicy', name);
const envNamed = (c: Json, name: string): Json => obj(list(c.env).find((e) => obj(e).name === name));

const cases: [string, () => string[], RegExp][] = [
  // files and render
  ['overlay: a file not listed', () => checkOverlayFiles(overlayWith((_, o) => o.files.push('hpa.yaml'))), /production\/hpa.yaml is neither a resource nor a patch/],
  ['overlay: a listed resource that does not exist', () => checkOverlayFiles(overlayWith((k) => (k.resources = [...list(k.resources), 'missing.yaml']))), /resource missing.yaml is neither a YAML file/],
  ['overlay: a patch of a Deployment that does not exist', () => renderBase(overlayWith((_, o) => o.patches.set('resources.yaml', [{ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'dispatchr' }, spec: {} }]))).problems, /targets apps\/v1 Deployment\/dispatchr, which is not among the resources/],
  ['overlay: replicas of an unknown Deployment', () => renderBase(overlayWith((k) => (k.replicas = [{ name: 'reports', count: 2 }]))).problems, /replicas names reports/],
  ['overlay: an image name no container runs', () => renderBase(overlayWith((k) => (k.images = [{ name: 'comback', newTag: '1' }]))).problems, /images names comback, which no container runs/],
  ['overlay: merging into a ConfigMap no base generates', () => renderBase(overlayWith((k) => (obj(list(k.configMapGenerator)[0]).name = 'comeback-settings'))).problems, /behavior merge, but no base generates a ConfigMap comeback-settings/],
  ['overlay: a JSON 6902 patch the render cannot apply', () => renderBase(overlayWith((k) => (k.patches = [{ target: { kind: 'Deployment' }, patch: '[]' }]))).problems, /only strategic merge patches from a file/],
  // schemas
  ['schema: a PDB with a bad maxUnavailable', () => checkSchemas(objectsWith((o) => (spec(o, 'PodDisruptionBudget', 'report').maxUnavailable = { pods: 1 }))), /PodDisruptionBudget\/report: does not match the Kubernetes schema/],
  ['schema: a ScaledObject without triggers', () => checkSchemas(objectsWith((o) => delete spec(o, 'ScaledObject', 'dispatcher').triggers)), /ScaledObject\/dispatcher: does not match the Kubernetes schema: .*triggers/],
  ['schema: a TriggerAuthentication ref without key', () => checkSchemas(objectsWith((o) => delete obj(list(spec(o, 'TriggerAuthentication', 'comeback-redis').secretTargetRef)[0]).key)), /TriggerAuthentication\/comeback-redis: does not match/],
  ['schema: an Ingress backend port as a string number', () => checkSchemas(objectsWith((o) => (obj(obj(obj(ingressPaths(o, 'report')[0].backend).service).port).number = '80'))), /Ingress\/report: does not match/],
  ['schema: a NetworkPolicy with policyTypes as a string', () => checkSchemas(objectsWith((o) => (policyNamed(o, 'default-deny').policyTypes = 'Ingress'))), /NetworkPolicy\/default-deny: does not match/],
  // base checks on the overlay
  ['apps: a container still on the placeholder image', () => checkK8sApps(objectsWith((o) => (firstContainer(o, 'Deployment', 'campaign').image = 'comeback:latest')), DEPLOYED, overlayImage), /campaign container campaign: image must be the overlay's image/],
  ['apps: a patch that dropped the readiness probe', () => checkK8sApps(objectsWith((o) => delete firstContainer(o, 'Deployment', 'report').readinessProbe), DEPLOYED, overlayImage), /report: no readinessProbe/],
  // resources
  ['resources: a request above its limit', () => checkResources(objectsWith((o) => (obj(obj(firstContainer(o, 'Deployment', 'lapse-detector').resources).requests).memory = '2Gi'))), /lapse-detector container lapse-detector: requests memory 2Gi above its limit 1Gi/],
  ['resources: the migrate Job without a memory limit', () => checkResources(objectsWith((o) => delete obj(obj(firstContainer(o, 'Job', 'migrate').resources).limits).memory)), /Job\/migrate container migrate: resources.limits.memory is missing/],
  // replicas and PDBs
  ['pdb: a Deployment without one', () => checkDisruptionBudgets(objectsWith((o) => remove(o, 'PodDisruptionBudget', 'campaign'))), /Deployment\/campaign: no PodDisruptionBudget selects its pods/],
  ['pdb: a selector that matches nothing', () => checkDisruptionBudgets(objectsWith((o) => (spec(o, 'PodDisruptionBudget', 'report').selector = { matchLabels: { 'app.kubernetes.io/name': 'reports' } }))), /PodDisruptionBudget\/report: its selector matches no Deployment's pods/],
  ['pdb: one selecting every app', () => checkDisruptionBudgets(objectsWith((o) => (spec(o, 'PodDisruptionBudget', 'report').selector = { matchLabels: { 'app.kubernetes.io/part-of': 'comeback' } }))), /PodDisruptionBudget\/report: selects the pods of several Deployments/],
  ['pdb: one that allows no disruption', () => checkDisruptionBudgets(objectsWith((o) => (spec(o, 'PodDisruptionBudget', 'lapse-detector').maxUnavailable = 0))), /lapse-detector: allows no pod of Deployment\/lapse-detector to go/],
  ['pdb: minAvailable equal to the replicas', () => checkDisruptionBudgets(objectsWith((o) => { const s = spec(o, 'PodDisruptionBudget', 'report'); delete s.maxUnavailable; s.minAvailable = 2; })), /PodDisruptionBudget\/report: allows no pod/],
  ['replicas: a Deployment with one replica', () => checkDisruptionBudgets(objectsWith((o) => (spec(o, 'Deployment', 'campaign').replicas = 1))), /Deployment\/campaign: runs 1 replica/],
  ['spread: a Deployment without one', () => checkTopologySpread(objectsWith((o) => delete obj(obj(spec(o, 'Deployment', 'campaign').template).spec).topologySpreadConstraints)), /Deployment\/campaign: no topologySpreadConstraint on kubernetes.io\/hostname/],
  ['spread: a selector copied from another app', () => checkTopologySpread(objectsWith((o) => (obj(list(obj(obj(spec(o, 'Deployment', 'campaign').template).spec).topologySpreadConstraints)[0]).labelSelector = { matchLabels: { 'app.kubernetes.io/name': 'dispatcher' } }))), /Deployment\/campaign: the spread on kubernetes.io\/hostname selects none of its own pods/],
  // Ingress
  ['ingress: a route to an internal app', () => checkIngress(objectsWith((o) => (obj(obj(ingressPaths(o, 'report')[1].backend).service).name = 'campaign'))), /routes to Service campaign, which is not a public app/],
  ['ingress: /health routed to the outside', () => checkIngress(objectsWith((o) => (ingressPaths(o, 'response-collector')[0].path = '/health'))), /response-collector serves no path under \/health/],
  ['ingress: a served path left out', () => checkIngress(objectsWith((o) => list(obj(obj(list(spec(o, 'Ingress', 'response-collector').rules)[0]).http).paths).pop())), /does not route \/public-assets to response-collector/],
  ['ingress: a host without TLS', () => checkIngress(objectsWith((o) => (spec(o, 'Ingress', 'report').tls = []))), /host console\.comeback\.example\.com has no TLS entry/],
  ['ingress: a port the Service does not have', () => checkIngress(objectsWith((o) => (obj(obj(obj(ingressPaths(o, 'report')[0].backend).service).port).name = 'https'))), /Service report has no port "https"/],
  ['ingress: a default backend', () => checkIngress(objectsWith((o) => (spec(o, 'Ingress', 'report').defaultBackend = { service: { name: 'report', port: { name: 'http' } } }))), /has a defaultBackend/],
  ['public URLs: PUBLIC_BASE_URL on another host', () => checkPublicUrls(objectsWith((o) => (configMapData(o).PUBLIC_BASE_URL = 'https://console.comeback.example.com'))), /PUBLIC_BASE_URL is https:\/\/console.comeback.example.com, but response-collector's Ingress host is links/],
  ['public URLs: the feedback links over http', () => checkPublicUrls(objectsWith((o) => (configMapData(o).PUBLIC_FEEDBACK_URL = 'http://links.comeback.example.com'))), /PUBLIC_FEEDBACK_URL is http:/],
  // KEDA
  ['keda: a ScaledObject on another Deployment', () => checkAutoscaling(objectsWith((o) => (obj(spec(o, 'ScaledObject', 'dispatcher').scaleTargetRef).name = 'campaign'))), /no ScaledObject targets Deployment\/dispatcher/],
  ['keda: a wait list under the wrong prefix', () => checkAutoscaling(objectsWith((o) => (obj(triggers(o)[0].metadata).listName = `bull:${QueueName.SendSms}:wait`))), /no trigger on comeback:send-sms:wait/],
  ['keda: a trigger on a queue the dispatcher does not consume', () => checkAutoscaling(objectsWith((o) => (obj(triggers(o)[1].metadata).listName = `comeback:${QueueName.Inbound}:wait`))), /trigger on comeback:inbound:wait, which is not the wait list of a send queue/],
  ['keda: the voice queue left out', () => checkAutoscaling(objectsWith((o) => list(spec(o, 'ScaledObject', 'dispatcher').triggers).pop())), /no trigger on comeback:send-voice:wait/],
  ['keda: lists read with the ConfigMap on another prefix', () => checkAutoscaling(objectsWith((o) => (configMapData(o).REDIS_PREFIX = 'cb'))), /no trigger on cb:send-sms:wait/],
  ['keda: scale to zero', () => checkAutoscaling(objectsWith((o) => (spec(o, 'ScaledObject', 'dispatcher').minReplicaCount = 0))), /minReplicaCount 0: at zero dispatchers/],
  ['keda: the Deployment keeps a replica count', () => checkAutoscaling(objectsWith((o) => (spec(o, 'Deployment', 'dispatcher').replicas = 2))), /Deployment\/dispatcher: sets spec.replicas \(2\)/],
  ['keda: the password from another Secret', () => checkAutoscaling(objectsWith((o) => (obj(list(spec(o, 'TriggerAuthentication', 'comeback-redis').secretTargetRef)[1]).name = 'redis'))), /password comes from Secret redis, expected comeback-secrets/],
  ['keda: a password written into a trigger', () => checkAutoscaling(objectsWith((o) => (obj(triggers(o)[0].metadata).password = 'hunter2'))), /sets password in its metadata/],
  ['keda: an authenticationRef to nothing', () => checkAutoscaling(objectsWith((o) => (obj(triggers(o)[2].authenticationRef).name = 'redis-auth'))), /authenticationRef redis-auth: no such TriggerAuthentication/],
  // PostgreSQL connections
  ['connections: the dispatcher allowed 12 replicas', () => checkConnectionBudget(objectsWith((o) => (spec(o, 'ScaledObject', 'dispatcher').maxReplicaCount = 12))), /can open 193 connections \(.*dispatcher \(12 \+ 1\) × \(2 \+ 4\) = 78.*over the budget of 180/],
  ['connections: the web process back at its default pool of 20', () => checkConnectionBudget(objectsWith((o) => (firstContainer(o, 'Deployment', 'response-collector').env = list(firstContainer(o, 'Deployment', 'response-collector').env).filter((e) => obj(e).name !== 'PG_POOL_SIZE')))), /response-collector \(3 \+ 1\) × \(2 \+ 20\) = 88.*over the budget/],
  ['connections: a pool set in the ConfigMap for an app without its own', () => checkConnectionBudget(objectsWith((o) => { configMapData(o).PG_POOL_SIZE = '40'; const c = firstContainer(o, 'Deployment', 'campaign'); c.env = list(c.env).filter((e) => obj(e).name !== 'PG_POOL_SIZE'); })), /campaign \(2 \+ 1\) × \(2 \+ 40\) = 126/],
  ['connections: a bigger surge on the dispatcher', () => checkConnectionBudget(objectsWith((o) => (obj(obj(spec(o, 'Deployment', 'dispatcher').strategy).rollingUpdate).maxSurge = '50%'))), /dispatcher \(8 \+ 4\) × \(2 \+ 4\) = 72/],
  ['connections: no budget declared', () => checkConnectionBudget(objectsWith((o) => delete obj(get(o, 'Namespace', 'comeback').metadata).annotations)), /declares no PostgreSQL connection budget/],
  ['connections: a budget with no room for the superusers', () => checkConnectionBudget(objectsWith((o) => (obj(obj(get(o, 'Namespace', 'comeback').metadata).annotations)[MAX_CONNECTIONS_ANNOTATION] = '180'))), /budget of 180 leaves no room under max_connections 180/],
  ['connections: a pool no larger than the chunks in flight', () => checkConnectionBudget(objectsWith((o) => (envNamed(firstContainer(o, 'Deployment', 'lapse-detector'), 'PG_POOL_SIZE').value = '2'))), /lapse-detector: PG_POOL_SIZE 2 is not above LAPSE_WORKER_CONCURRENCY 2/],
  ['connections: a pool size the schema refuses', () => checkConnectionBudget(objectsWith((o) => (envNamed(firstContainer(o, 'Deployment', 'dispatcher'), 'PG_POOL_SIZE').value = '0'))), /dispatcher: PG_POOL_SIZE "0" is not a pool size/],
  // grace periods
  ['grace: the report app back at 30 s', () => checkGracePeriods(objectsWith((o) => (obj(obj(spec(o, 'Deployment', 'report').template).spec).terminationGracePeriodSeconds = 30))), /Deployment\/report: terminationGracePeriodSeconds 30 is shorter than the preStop sleep \(5 s\) \+ a report-rollups refresh .*\(600 s\) \+ the HTTP drain \(20 s\) = 625 s/],
  ['grace: the lapse detector left at the default', () => checkGracePeriods(objectsWith((o) => delete obj(obj(spec(o, 'Deployment', 'lapse-detector').template).spec).terminationGracePeriodSeconds)), /Deployment\/lapse-detector: terminationGracePeriodSeconds 30 is shorter than a lapse-sweep chunk/],
  ['grace: bigger sweep chunks', () => checkGracePeriods(objectsWith((o) => list(firstContainer(o, 'Deployment', 'lapse-detector').env).push({ name: 'LAPSE_CHUNK_CLIENTS', value: '200000' }))), /lapse-detector: .*\(240 s\) \+ the HTTP drain \(20 s\) = 260 s/],
  ['grace: an app that declares no job', () => checkGracePeriods(rendered.objects, undefined, { ...LONGEST_JOBS, campaign: undefined } as unknown as typeof LONGEST_JOBS), /Deployment\/campaign: its app declares no longest job/],
  ['preStop: the response collector without its sleep', () => checkPreStopDelays(objectsWith((o) => delete firstContainer(o, 'Deployment', 'response-collector').lifecycle)), /Deployment\/response-collector: takes outside traffic, so its container needs a preStop \["sleep", "5"\] or longer \(has 0 s\)/],
  ['preStop: the console sleeping 1 s', () => checkPreStopDelays(objectsWith((o) => (firstContainer(o, 'Deployment', 'report').lifecycle = { preStop: { exec: { command: ['sleep', '1'] } } }))), /Deployment\/report: .*\(has 1 s\)/],
  ['grace: the collector sleeps 15 s in preStop', () => checkGracePeriods(objectsWith((o) => (firstContainer(o, 'Deployment', 'response-collector').lifecycle = { preStop: { exec: { command: ['sleep', '15'] } } }))), /Deployment\/response-collector: terminationGracePeriodSeconds 30 is shorter than the preStop sleep \(15 s\) \+ the HTTP drain \(20 s\) = 35 s/],
  // NetworkPolicies
  ['netpol: no default deny', () => checkNetworkPolicies(objectsWith((o) => remove(o, 'NetworkPolicy', 'default-deny'))), /no default deny/],
  ['netpol: an internal app open to the ingress controller', () => checkNetworkPolicies(objectsWith((o) => (obj(policyNamed(o, 'report-from-ingress-controller').podSelector).matchLabels = { 'app.kubernetes.io/component': 'worker' }))), /Deployment\/dispatcher\): admits the ingress controller, but only report and response-collector/],
  ['netpol: a public app the ingress controller cannot reach', () => checkNetworkPolicies(objectsWith((o) => remove(o, 'NetworkPolicy', 'response-collector-from-ingress-controller'))), /Deployment\/response-collector: takes outside traffic, but no NetworkPolicy admits the ingress-nginx namespace/],
  ['netpol: a selector that matches no pod', () => checkNetworkPolicies(objectsWith((o) => (obj(policyNamed(o, 'report-from-ingress-controller').podSelector).matchLabels = { 'app.kubernetes.io/name': 'console' }))), /report-from-ingress-controller: its podSelector matches no pod/],
  ['netpol: an ingress rule from anywhere', () => checkNetworkPolicies(objectsWith((o) => delete obj(list(policyNamed(o, 'response-collector-from-ingress-controller').ingress)[0]).from)), /a rule without "from" admits any source/],
  ['netpol: apps allowed to call each other', () => checkNetworkPolicies(objectsWith((o) => (obj(list(policyNamed(o, 'apps-from-monitoring').ingress)[0]).from = [{ podSelector: {} }]))), /admits pods of the comeback namespace/],
  ['netpol: monitoring on every port', () => checkNetworkPolicies(objectsWith((o) => delete obj(list(policyNamed(o, 'apps-from-monitoring').ingress)[0]).ports)), /apps-from-monitoring \(ingress to Deployment\/campaign\): a rule without ports opens every port/],
  ['netpol: the providers closed to the dispatcher', () => checkNetworkPolicies(objectsWith((o) => remove(o, 'NetworkPolicy', 'dispatcher-to-providers'))), /Deployment\/dispatcher: no NetworkPolicy lets it reach the providers on TCP 443/],
  ['netpol: HTTPS out of every pod', () => checkNetworkPolicies(objectsWith((o) => list(obj(list(policyNamed(o, 'egress-postgres-redis').egress)[0]).ports).push({ protocol: 'TCP', port: 443 }))), /egress-postgres-redis \(egress from Deployment\/report\): allows TCP 443; only the dispatcher/],
  ['netpol: PostgreSQL closed to the migrate Job', () => checkNetworkPolicies(objectsWith((o) => (policyNamed(o, 'egress-postgres-redis').podSelector = { matchLabels: { 'app.kubernetes.io/component': 'api' } }))), /Job\/migrate: no NetworkPolicy lets it reach PostgreSQL/],
  ['netpol: an app monitoring cannot scrape', () => checkNetworkPolicies(objectsWith((o) => (obj(list(obj(policyNamed(o, 'apps-from-monitoring').podSelector).matchExpressions)[0]).values = ['report']))), /Deployment\/campaign: no NetworkPolicy admits the monitoring namespace on its port 3002/],
  ['netpol: no DNS', () => checkNetworkPolicies(objectsWith((o) => remove(o, 'NetworkPolicy', 'egress-dns'))), /no NetworkPolicy lets it resolve names/],
];

describe('the production checks catch mistakes', () => {
  it.each(cases)('%s', (_name, run, expected) => {
    expect(run()).toEqual(expect.arrayContaining([expect.stringMatching(expected)]));
  });
});
