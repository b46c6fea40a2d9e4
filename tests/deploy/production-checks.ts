/**
 * Checks of the production overlay (k8s/overlays/production) on its rendered objects: disruption
 * budgets, resources, the Ingress, the dispatcher's KEDA autoscaling, the NetworkPolicies and the
 * PostgreSQL connections the whole can open. Like
 * deploy-checks.ts, every check is a pure function returning problems (sentences naming the object
 * and the mistake); production-overlay.spec.ts runs them on the real render and on broken copies.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { QueueName, SEND_JOBS } from '@comeback/contracts';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { INetworkPolicyPeer } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicyPeer';
import type { INetworkPolicyPort } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicyPort';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IService } from 'kubernetes-models/v1/Service';
import type { IScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import type { ITriggerAuthentication } from '@kubernetes-models/keda/keda.sh/v1alpha1/TriggerAuthentication';
import type { ILabelSelector } from '@kubernetes-models/apimachinery/apis/meta/v1/LabelSelector';
import { DEFAULT_PG_POOL_SIZE, TYPEORM_POOL_SIZE } from '@comeback/platform';
import { dataSourceOptions } from '@comeback/domain';
import { APPS, type AppSpec, DEPLOYED, find, type KObject, list, NAMESPACE, obj, podTemplates, ROOT, SECRET_NAME, text, visibleEnv } from './deploy-checks';

// ---------------------------------------------------------------------------------------------
// Placeholders of the overlay, documented in k8s/README.md

/** The namespace of the ingress controller, the only outside source of traffic to the public apps. */
export const INGRESS_NAMESPACE = 'ingress-nginx';
/** The namespace whose Prometheus scrapes the apps' HTTP port. */
export const MONITORING_NAMESPACE = 'monitoring';
/** The app whose Deployment KEDA scales on queue depth. */
export const AUTOSCALED = 'dispatcher';
/** The queues the dispatcher consumes: one per channel (libs/contracts). */
export const SEND_QUEUES: readonly QueueName[] = Object.values(SEND_JOBS).map((j) => j.queue);
/** Ports the dispatcher may reach the providers on: HTTPS (Twilio, Viber) and SMTP. */
export const PROVIDER_PORTS = [443, 25, 465, 587];
export const STORE_PORTS = { PostgreSQL: 5432, Redis: 6379 } as const;

// ---------------------------------------------------------------------------------------------
// Label selectors and pods

type Labels = Record<string, string>;

/** Whether a LabelSelector (matchLabels and matchExpressions) selects these labels; an empty one selects all. */
export function selects(selector: ILabelSelector | undefined, labels: Labels): boolean {
  if (!selector) return false;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = e.key in labels;
    const values = e.values ?? [];
    if (e.operator === 'In' && !(has && values.includes(labels[e.key]))) return false;
    if (e.operator === 'NotIn' && has && values.includes(labels[e.key])) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

/** Every pod the render makes: workload name, kind, labels, the named container ports. */
export interface Pod {
  workload: string;
  kind: string;
  labels: Labels;
  ports: Map<string, number>;
}

export function podsOf(objects: KObject[]): Pod[] {
  return objects.flatMap((o) =>
    podTemplates(o).map((tpl) => ({
      workload: o.metadata.name,
      kind: o.kind,
      labels: obj(obj(tpl.metadata).labels) as Labels,
      ports: new Map(
        list(obj(tpl.spec).containers)
          .flatMap((c) => list(obj(c).ports))
          .map((p) => [text(obj(p).name) ?? '', Number(obj(p).containerPort)] as [string, number]),
      ),
    })),
  );
}

const deployments = (objects: KObject[]) => objects.filter((o) => o.kind === 'Deployment') as unknown as (IDeployment & KObject)[];

// ---------------------------------------------------------------------------------------------
// Replicas and PodDisruptionBudgets

/** The fewest replicas a Deployment runs: its spec, or the ScaledObject's minimum when KEDA owns it. */
export function minReplicas(objects: KObject[], name: string): number | undefined {
  const scaled = (objects.filter((o) => o.kind === 'ScaledObject') as unknown as IScaledObject[]).find((s) => s.spec.scaleTargetRef.name === name);
  if (scaled) return scaled.spec.minReplicaCount ?? 0;
  return find<IDeployment>(objects, 'Deployment', name)?.spec?.replicas ?? 1;
}

/**
 * Every Deployment runs at least two replicas and has exactly one PDB, whose selector matches its
 * pods and no other Deployment's, and which lets one pod go (a budget that allows no disruption
 * blocks every node drain).
 */
export function checkDisruptionBudgets(objects: KObject[]): string[] {
  const problems: string[] = [];
  const pdbs = objects.filter((o) => o.kind === 'PodDisruptionBudget') as unknown as (IPodDisruptionBudget & KObject)[];
  const pods = podsOf(objects).filter((p) => p.kind === 'Deployment');
  for (const d of deployments(objects)) {
    const name = d.metadata.name;
    const labels = (d.spec?.template?.metadata?.labels ?? {}) as Labels;
    const min = minReplicas(objects, name) ?? 0;
    if (min < 2) problems.push(`Deployment/${name}: runs ${min} replica(s) at the least; production runs at least 2, so a drain or a rollout never leaves it without a pod`);
    const mine = pdbs.filter((p) => selects(p.spec?.selector, labels));
    if (mine.length === 0) problems.push(`Deployment/${name}: no PodDisruptionBudget selects its pods`);
    if (mine.length > 1) problems.push(`Deployment/${name}: ${mine.length} PodDisruptionBudgets select its pods (${mine.map((p) => p.metadata.name).join(', ')}); one each`);
    for (const pdb of mine) {
      const { maxUnavailable, minAvailable } = pdb.spec ?? {};
      const allowed =
        maxUnavailable !== undefined
          ? typeof maxUnavailable === 'number'
            ? maxUnavailable
            : Math.ceil((parseInt(maxUnavailable, 10) / 100) * min)
          : minAvailable !== undefined
            ? min - (typeof minAvailable === 'number' ? minAvailable : Math.ceil((parseInt(minAvailable, 10) / 100) * min))
            : 0;
      if (allowed < 1) problems.push(`PodDisruptionBudget/${pdb.metadata.name}: allows no pod of Deployment/${name} to go at its ${min} replica(s): node drains would block`);
    }
  }
  for (const pdb of pdbs) {
    const matched = pods.filter((p) => selects(pdb.spec?.selector, p.labels)).map((p) => p.workload);
    if (matched.length === 0) problems.push(`PodDisruptionBudget/${pdb.metadata.name}: its selector matches no Deployment's pods`);
    if (new Set(matched).size > 1) problems.push(`PodDisruptionBudget/${pdb.metadata.name}: selects the pods of several Deployments (${[...new Set(matched)].join(', ')})`);
  }
  return problems;
}

/**
 * Every Deployment spreads its replicas over nodes: a topologySpreadConstraint on
 * kubernetes.io/hostname whose labelSelector selects its own pods, and no other Deployment's (a
 * selector matching nothing, or everything, spreads nothing).
 */
export function checkTopologySpread(objects: KObject[]): string[] {
  const problems: string[] = [];
  const pods = podsOf(objects).filter((p) => p.kind === 'Deployment');
  for (const d of deployments(objects)) {
    const where = `Deployment/${d.metadata.name}`;
    const labels = (d.spec?.template?.metadata?.labels ?? {}) as Labels;
    const constraints = d.spec?.template?.spec?.topologySpreadConstraints ?? [];
    const byHost = constraints.filter((c) => c.topologyKey === 'kubernetes.io/hostname');
    if (!byHost.length) problems.push(`${where}: no topologySpreadConstraint on kubernetes.io/hostname: its replicas may all land on one node`);
    for (const c of constraints) {
      if (!selects(c.labelSelector, labels)) problems.push(`${where}: the spread on ${c.topologyKey} selects none of its own pods`);
      const others = pods.filter((p) => p.workload !== d.metadata.name && selects(c.labelSelector, p.labels)).map((p) => p.workload);
      if (others.length) problems.push(`${where}: the spread on ${c.topologyKey} also counts the pods of ${others.join(', ')}`);
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Resources

/** A Kubernetes quantity in base units (cores, bytes). */
export function quantity(q: string | number | undefined): number {
  if (q === undefined) return NaN;
  if (typeof q === 'number') return q;
  const m = /^([0-9.]+)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(q);
  if (!m) return NaN;
  const factor: Record<string, number> = { '': 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };
  return Number(m[1]) * factor[m[2] ?? ''];
}

/** Every container of every workload requests and limits CPU and memory, with requests within the limits. */
export function checkResources(objects: KObject[]): string[] {
  const problems: string[] = [];
  for (const o of objects) {
    for (const tpl of podTemplates(o)) {
      for (const c of [...list(obj(tpl.spec).containers), ...list(obj(tpl.spec).initContainers)] as IContainer[]) {
        const where = `${o.kind}/${o.metadata.name} container ${c.name}`;
        for (const r of ['cpu', 'memory']) {
          const request = quantity(c.resources?.requests?.[r] as string | undefined);
          const limit = quantity(c.resources?.limits?.[r] as string | undefined);
          if (!Number.isFinite(request)) problems.push(`${where}: resources.requests.${r} is missing or not a quantity`);
          if (!Number.isFinite(limit)) problems.push(`${where}: resources.limits.${r} is missing or not a quantity`);
          if (request > limit) problems.push(`${where}: requests ${r} ${c.resources?.requests?.[r]} above its limit ${c.resources?.limits?.[r]}`);
        }
      }
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Ingress

/**
 * The first path segments an app serves: the `@Controller('…')` prefixes of its source (the
 * /health routes live in libs/platform and are not among them).
 */
export function servedPrefixes(app: string): string[] {
  const found = new Set<string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (entry.endsWith('.controller.ts')) {
        for (const m of readFileSync(path, 'utf8').matchAll(/@Controller\(\s*(?:'([^']*)'|"([^"]*)")/g)) {
          const segment = (m[1] ?? m[2]).replace(/^\//, '').split('/')[0];
          if (segment) found.add(segment);
        }
      }
    }
  };
  walk(join(ROOT, 'apps', app, 'src'));
  return [...found].sort();
}

interface Route {
  ingress: string;
  host: string;
  path: string;
  pathType: string;
  service: string;
  port: string | number | undefined;
}

export function ingressRoutes(objects: KObject[]): Route[] {
  return (objects.filter((o) => o.kind === 'Ingress') as unknown as (IIngress & KObject)[]).flatMap((ing) =>
    (ing.spec?.rules ?? []).flatMap((rule) =>
      (rule.http?.paths ?? []).map((p) => ({
        ingress: ing.metadata.name,
        host: rule.host ?? '',
        path: p.path ?? '',
        pathType: p.pathType,
        service: p.backend.service?.name ?? '',
        port: p.backend.service?.port?.name ?? p.backend.service?.port?.number,
      })),
    ),
  );
}

/**
 * The Ingress routes only to the public apps' Services, on a port they have, only paths those apps
 * serve (by prefix of a served first segment), and every path they serve; every host is named
 * and covered by TLS from a Secret; no default backend.
 */
export function checkIngress(objects: KObject[], served: Record<string, string[]> = Object.fromEntries(APPS.filter((a) => a.public).map((a) => [a.name, servedPrefixes(a.name)]))): string[] {
  const problems: string[] = [];
  const ingresses = objects.filter((o) => o.kind === 'Ingress') as unknown as (IIngress & KObject)[];
  if (!ingresses.length) problems.push('k8s: no Ingress');
  for (const ing of ingresses) {
    const where = `Ingress/${ing.metadata.name}`;
    if (ing.spec?.defaultBackend) problems.push(`${where}: has a defaultBackend: every request it does not route on purpose would reach it`);
    const tlsHosts = (ing.spec?.tls ?? []).flatMap((t) => (t.secretName ? t.hosts ?? [] : []));
    for (const rule of ing.spec?.rules ?? []) {
      if (!rule.host) problems.push(`${where}: a rule without host answers for any name; name the host`);
      else if (!tlsHosts.includes(rule.host)) problems.push(`${where}: host ${rule.host} has no TLS entry with a secretName`);
    }
  }
  const routes = ingressRoutes(objects);
  for (const r of routes) {
    const where = `Ingress/${r.ingress} ${r.host}${r.path}`;
    const prefixes = served[r.service];
    if (!prefixes) {
      problems.push(`${where}: routes to Service ${r.service}, which is not a public app (only ${Object.keys(served).join(' and ')} take outside traffic)`);
      continue;
    }
    const svc = find<IService>(objects, 'Service', r.service);
    if (!svc) problems.push(`${where}: Service ${r.service} does not exist`);
    else if (!(svc.spec?.ports ?? []).some((p) => p.name === r.port || p.port === r.port)) problems.push(`${where}: Service ${r.service} has no port ${JSON.stringify(r.port)}`);
    if (r.pathType !== 'Prefix' && r.pathType !== 'Exact') problems.push(`${where}: pathType ${r.pathType}: use Prefix or Exact (ImplementationSpecific differs between controllers)`);
    const segment = r.path.replace(/^\//, '').split('/')[0];
    if (!r.path.startsWith('/') || !prefixes.includes(segment)) problems.push(`${where}: ${r.service} serves no path under /${segment} (it serves ${prefixes.map((p) => `/${p}`).join(', ')})`);
  }
  for (const [service, prefixes] of Object.entries(served)) {
    for (const p of prefixes) {
      if (!routes.some((r) => r.service === service && r.path.replace(/^\//, '').split('/')[0] === p)) {
        problems.push(`k8s: the Ingress does not route /${p} to ${service}, which serves it to the outside`);
      }
    }
  }
  return problems;
}

/**
 * The public URLs in the ConfigMap are the Ingress hosts over https: the collector's for the
 * links, callbacks and Twilio's signatures, the report app's for the console.
 */
export function checkPublicUrls(objects: KObject[]): string[] {
  const problems: string[] = [];
  const data = obj(objects.find((o) => o.kind === 'ConfigMap')?.data) as Record<string, string>;
  const hostOf = (service: string) => [...new Set(ingressRoutes(objects).filter((r) => r.service === service).map((r) => r.host))];
  const expect: Record<string, string> = {
    PUBLIC_BASE_URL: 'response-collector',
    PUBLIC_FEEDBACK_URL: 'response-collector',
    PUBLIC_CALLBACK_URL: 'response-collector',
    CONSOLE_PUBLIC_URL: 'report',
  };
  for (const [key, service] of Object.entries(expect)) {
    // Only the variables the apps' schemas know (a renamed one is checkConfigMaps' business).
    if (!DEPLOYED.some((a) => key in a.env)) continue;
    const hosts = hostOf(service);
    const want = hosts.map((h) => `https://${h}`);
    if (!(key in data)) problems.push(`ConfigMap: ${key} is not set; in production it must be ${want.join(' or ') || `the https URL of ${service}'s Ingress host`}`);
    else if (!want.includes(data[key].replace(/\/+$/, ''))) problems.push(`ConfigMap: ${key} is ${data[key]}, but ${service}'s Ingress host is ${hosts.join(', ') || 'none'} (expected ${want.join(' or ')})`);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// KEDA

/** The BullMQ wait list of a queue, as BullMQ names its keys: `<prefix>:<queue>:wait`. */
export const waitList = (prefix: string, queue: string): string => `${prefix}:${queue}:wait`;

/**
 * One ScaledObject, on the dispatcher Deployment (which leaves its replica count to it), with a
 * Redis trigger on the wait list of each send queue under the ConfigMap's REDIS_PREFIX (and no
 * other list), each authenticated by a TriggerAuthentication that reads the address and the
 * password from the comeback-secrets Secret; at least one replica always (delayed sends are
 * promoted by a running worker).
 */
export function checkAutoscaling(objects: KObject[]): string[] {
  const problems: string[] = [];
  const scaled = objects.filter((o) => o.kind === 'ScaledObject') as unknown as (IScaledObject & KObject)[];
  const prefix = obj(objects.find((o) => o.kind === 'ConfigMap')?.data).REDIS_PREFIX as string | undefined;
  if (!prefix) problems.push('ConfigMap: REDIS_PREFIX is not set, so the queue keys KEDA reads are unknown');
  const mine = scaled.filter((s) => s.spec.scaleTargetRef.name === AUTOSCALED);
  if (!mine.length) problems.push(`k8s: no ScaledObject targets Deployment/${AUTOSCALED}`);
  for (const s of scaled) {
    const where = `ScaledObject/${s.metadata.name}`;
    const ref = s.spec.scaleTargetRef;
    if ((ref.kind ?? 'Deployment') !== 'Deployment' || (ref.apiVersion ?? 'apps/v1') !== 'apps/v1') problems.push(`${where}: targets ${ref.apiVersion} ${ref.kind}, expected apps/v1 Deployment`);
    const target = find<IDeployment>(objects, 'Deployment', ref.name);
    if (!target) problems.push(`${where}: targets Deployment/${ref.name}, which does not exist`);
    else if (ref.name !== AUTOSCALED) problems.push(`${where}: targets Deployment/${ref.name}; only the ${AUTOSCALED} scales on queue depth`);
    if (target?.spec?.replicas !== undefined) problems.push(`Deployment/${ref.name}: sets spec.replicas (${target.spec.replicas}) while ${where} scales it: every kubectl apply would reset the autoscaler's count`);
    const min = s.spec.minReplicaCount ?? 0;
    const max = s.spec.maxReplicaCount ?? 100;
    if (min < 1) problems.push(`${where}: minReplicaCount ${min}: at zero dispatchers, delayed sends are never moved back to the wait list, so nothing would wake it`);
    if (max < min) problems.push(`${where}: maxReplicaCount ${max} is below minReplicaCount ${min}`);
    const lists: string[] = [];
    for (const t of s.spec.triggers) {
      const tw = `${where} trigger ${t.name ?? t.type}`;
      if (t.type !== 'redis') {
        problems.push(`${tw}: type ${t.type}, expected redis (the BullMQ wait lists)`);
        continue;
      }
      const md = t.metadata as Record<string, string>;
      lists.push(md.listName);
      if (!/^[1-9][0-9]*$/.test(md.listLength ?? '')) problems.push(`${tw}: listLength ${JSON.stringify(md.listLength)} must be a positive integer string`);
      for (const secretish of ['address', 'password', 'host', 'passwordFromEnv', 'addressFromEnv']) {
        if (secretish in md) problems.push(`${tw}: sets ${secretish} in its metadata; the Redis address and password come from the TriggerAuthentication`);
      }
      const authName = t.authenticationRef?.name;
      const auth = authName ? find<ITriggerAuthentication & KObject>(objects, 'TriggerAuthentication', authName) : undefined;
      if (!auth) {
        problems.push(`${tw}: authenticationRef ${authName ?? 'missing'}: no such TriggerAuthentication`);
        continue;
      }
      for (const parameter of ['address', 'password']) {
        const ref = (auth.spec?.secretTargetRef ?? []).find((r) => r.parameter === parameter);
        if (!ref) problems.push(`TriggerAuthentication/${authName}: no secretTargetRef for the redis scaler's ${parameter}`);
        else if (ref.name !== SECRET_NAME) problems.push(`TriggerAuthentication/${authName}: ${parameter} comes from Secret ${ref.name}, expected ${SECRET_NAME}`);
      }
    }
    if (prefix && ref.name === AUTOSCALED) {
      const want = SEND_QUEUES.map((q) => waitList(prefix, q));
      for (const w of want) if (!lists.includes(w)) problems.push(`${where}: no trigger on ${w} (the wait list of a queue the dispatcher consumes)`);
      for (const l of lists) if (!want.includes(l)) problems.push(`${where}: trigger on ${l}, which is not the wait list of a send queue (expected one of ${want.join(', ')})`);
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// NetworkPolicies

interface Rule {
  policy: string;
  peers: INetworkPolicyPeer[] | undefined;
  ports: INetworkPolicyPort[] | undefined;
}

const policies = (objects: KObject[]) => objects.filter((o) => o.kind === 'NetworkPolicy') as unknown as (INetworkPolicy & KObject)[];

const policyTypes = (p: INetworkPolicy): string[] => p.spec?.policyTypes ?? ['Ingress', ...(p.spec?.egress ? ['Egress'] : [])];

/** The rules of one direction that apply to a pod. */
function rulesFor(objects: KObject[], pod: Pod, direction: 'Ingress' | 'Egress'): Rule[] {
  return policies(objects)
    .filter((p) => policyTypes(p).includes(direction) && selects(p.spec?.podSelector, pod.labels))
    .flatMap((p) =>
      ((direction === 'Ingress' ? p.spec?.ingress : p.spec?.egress) ?? []).map((r) => ({
        policy: p.metadata.name,
        peers: direction === 'Ingress' ? (r as { from?: INetworkPolicyPeer[] }).from : (r as { to?: INetworkPolicyPeer[] }).to,
        ports: r.ports,
      })),
    );
}

/** A pod's port number for a NetworkPolicy port (a number, or a container port's name). */
function portNumber(pod: Pod, port: number | string | undefined): number | undefined {
  return typeof port === 'number' ? port : port === undefined ? undefined : pod.ports.get(port);
}

const allowsPort = (pod: Pod, rule: Rule, port: number): boolean =>
  !rule.ports?.length || rule.ports.some((p) => (p.protocol ?? 'TCP') === 'TCP' && (p.port === undefined || portNumber(pod, p.port) === port || (p.endPort !== undefined && typeof p.port === 'number' && p.port <= port && port <= p.endPort)));

/** The namespace a peer admits when it is a namespaceSelector on kubernetes.io/metadata.name, '*' for any source, or undefined. */
function peerNamespaces(peer: INetworkPolicyPeer): string | undefined {
  if (peer.ipBlock) return '*';
  if (!peer.namespaceSelector) return NAMESPACE;
  const ns = peer.namespaceSelector.matchLabels?.['kubernetes.io/metadata.name'];
  return ns ?? '*';
}

/**
 * Default deny in both directions; only report and response-collector take traffic from outside
 * the namespace, from the ingress controller's namespace, on their HTTP port only; monitoring may
 * reach any app's HTTP port; no pod takes traffic from the other pods of the namespace (the apps
 * meet in PostgreSQL and Redis); every pod may resolve names and reach PostgreSQL and Redis; only
 * the dispatcher reaches the providers; every policy selects pods that exist.
 */
export function checkNetworkPolicies(objects: KObject[], publicApps: string[] = APPS.filter((a) => a.public).map((a) => a.name)): string[] {
  const problems: string[] = [];
  const all = policies(objects);
  const pods = podsOf(objects);
  const denyAll = all.find((p) => {
    const sel = p.spec?.podSelector;
    return !Object.keys(sel?.matchLabels ?? {}).length && !(sel?.matchExpressions ?? []).length && policyTypes(p).includes('Ingress') && policyTypes(p).includes('Egress') && !p.spec?.ingress?.length && !p.spec?.egress?.length;
  });
  if (!denyAll) problems.push('NetworkPolicy: no default deny (podSelector {}, policyTypes Ingress and Egress, no rules)');
  for (const p of all) {
    const selected = pods.filter((pod) => selects(p.spec?.podSelector, pod.labels));
    if (!selected.length) problems.push(`NetworkPolicy/${p.metadata.name}: its podSelector matches no pod of the namespace`);
    for (const r of [...(p.spec?.ingress ?? []).flatMap((i) => i.from ?? []), ...(p.spec?.egress ?? []).flatMap((e) => e.to ?? [])]) {
      if (r.podSelector && !r.namespaceSelector && !pods.some((pod) => selects(r.podSelector, pod.labels))) {
        problems.push(`NetworkPolicy/${p.metadata.name}: a peer podSelector matches no pod of the namespace`);
      }
    }
  }
  for (const pod of pods) {
    const where = `${pod.kind}/${pod.workload}`;
    const http = pod.ports.get('http');
    for (const rule of rulesFor(objects, pod, 'Ingress')) {
      const rw = `NetworkPolicy/${rule.policy} (ingress to ${where})`;
      if (!rule.peers?.length) {
        problems.push(`${rw}: a rule without "from" admits any source`);
        continue;
      }
      if (!rule.ports?.length) problems.push(`${rw}: a rule without ports opens every port; name the HTTP port`);
      for (const port of rule.ports ?? []) if (http === undefined || portNumber(pod, port.port) !== http) problems.push(`${rw}: opens port ${JSON.stringify(port.port)}, not the app's HTTP port ${http ?? '(none)'}`);
      for (const peer of rule.peers) {
        const ns = peerNamespaces(peer);
        if (ns === '*') problems.push(`${rw}: admits ${peer.ipBlock ? `ipBlock ${peer.ipBlock.cidr}` : 'every namespace'}; only the ${INGRESS_NAMESPACE} and ${MONITORING_NAMESPACE} namespaces may be sources`);
        else if (ns === NAMESPACE) problems.push(`${rw}: admits pods of the ${NAMESPACE} namespace; the apps do not call each other`);
        else if (ns === INGRESS_NAMESPACE && !publicApps.includes(pod.workload)) problems.push(`${rw}: admits the ingress controller, but only ${publicApps.join(' and ')} take outside traffic`);
        else if (ns !== INGRESS_NAMESPACE && ns !== MONITORING_NAMESPACE) problems.push(`${rw}: admits namespace ${ns}, which is neither ${INGRESS_NAMESPACE} nor ${MONITORING_NAMESPACE}`);
      }
    }
    if (pod.kind === 'Deployment' && http !== undefined) {
      const scraped = rulesFor(objects, pod, 'Ingress').some((r) => r.peers?.some((peer) => peerNamespaces(peer) === MONITORING_NAMESPACE) && allowsPort(pod, r, http));
      if (!scraped) problems.push(`${where}: no NetworkPolicy admits the ${MONITORING_NAMESPACE} namespace on its port ${http} (/metrics, /health)`);
    }
    if (publicApps.includes(pod.workload) && http !== undefined) {
      const reachable = rulesFor(objects, pod, 'Ingress').some((r) => r.peers?.some((peer) => peerNamespaces(peer) === INGRESS_NAMESPACE) && allowsPort(pod, r, http));
      if (!reachable) problems.push(`${where}: takes outside traffic, but no NetworkPolicy admits the ${INGRESS_NAMESPACE} namespace on its port ${http}`);
    }
    const egress = rulesFor(objects, pod, 'Egress');
    const dns = egress.some((r) => r.ports?.some((p) => p.port === 53 && (p.protocol ?? 'TCP') === 'UDP'));
    if (!dns) problems.push(`${where}: no NetworkPolicy lets it resolve names (UDP 53 to kube-dns)`);
    for (const [store, port] of Object.entries(STORE_PORTS)) {
      if (!egress.some((r) => r.ports?.length && allowsPort(pod, r, port))) problems.push(`${where}: no NetworkPolicy lets it reach ${store} (TCP ${port})`);
    }
    for (const rule of egress) {
      if (!rule.ports?.length) problems.push(`NetworkPolicy/${rule.policy} (egress from ${where}): a rule without ports allows every port`);
      for (const port of PROVIDER_PORTS) {
        if (pod.workload !== AUTOSCALED && allowsPort(pod, rule, port) && rule.ports?.length) problems.push(`NetworkPolicy/${rule.policy} (egress from ${where}): allows TCP ${port}; only the dispatcher talks to the providers`);
      }
    }
    if (pod.workload === AUTOSCALED) {
      for (const port of PROVIDER_PORTS) if (!egress.some((r) => allowsPort(pod, r, port))) problems.push(`${where}: no NetworkPolicy lets it reach the providers on TCP ${port}`);
    }
  }
  for (const app of DEPLOYED) if (!pods.some((p) => p.workload === app.name)) problems.push(`k8s: no pods of ${app.name} to check the NetworkPolicies against`);
  return problems;
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL connections

/** The Namespace annotations where the overlay declares its budget (postgres-connections.yaml). */
export const BUDGET_ANNOTATION = 'comeback/postgres-connection-budget';
export const MAX_CONNECTIONS_ANNOTATION = 'comeback/postgres-max-connections';
/** PostgreSQL's default superuser_reserved_connections: never the apps'. */
const SUPERUSER_RESERVED = 3;

/** Jobs a replica runs at once, each holding one PG_POOL connection for its transaction: its pool must be larger. */
const CONNECTION_HOLDERS: Record<string, string> = { 'lapse-detector': 'LAPSE_WORKER_CONCURRENCY', 'response-collector-worker': 'INBOUND_CONCURRENCY' };

/** The most connections of the migrate Job: the TypeORM data source `comeback migrate` opens (libs/domain). */
function migratePool(): number {
  return Number(obj((dataSourceOptions('postgres://budget@localhost/comeback') as { extra?: unknown }).extra).max);
}

/** A rolling update's extra pods: maxSurge as a count or a percentage of the replicas (Kubernetes' default 25 %, rounded up); none for Recreate. */
function surgeOf(d: IDeployment, replicas: number): number {
  if (d.spec?.strategy?.type === 'Recreate') return 0;
  const surge = d.spec?.strategy?.rollingUpdate?.maxSurge ?? '25%';
  return typeof surge === 'number' ? surge : Math.ceil((parseInt(surge, 10) / 100) * replicas);
}

/**
 * The most PostgreSQL connections the rendered manifests can open at once: for each Deployment,
 * its most pods (replicas, KEDA's maxReplicaCount for an autoscaled one, plus the rolling update's
 * surge) × (TypeORM's pool + PG_POOL_SIZE as the container sees it, else its schema's default);
 * for each Job, its pods × the migration data source's pool. Pool sizes come from the code.
 */
export function connectionWorstCase(objects: KObject[], apps: readonly AppSpec[] = DEPLOYED): { total: number; parts: string[]; problems: string[] } {
  const problems: string[] = [];
  const scaled = objects.filter((o) => o.kind === 'ScaledObject') as unknown as IScaledObject[];
  const parts: string[] = [];
  let total = 0;
  for (const d of deployments(objects)) {
    const name = d.metadata.name;
    const app = apps.find((a) => a.name === name);
    const c = (d.spec?.template?.spec?.containers ?? [])[0];
    const env = c ? visibleEnv(objects, c) : {};
    const so = scaled.find((x) => x.spec.scaleTargetRef.name === name);
    const replicas = so ? so.spec.maxReplicaCount ?? 100 : d.spec?.replicas ?? 1;
    const surge = surgeOf(d, replicas);
    let pool = DEFAULT_PG_POOL_SIZE;
    const poolVar = app?.env.PG_POOL_SIZE;
    if (poolVar) {
      const parsed = poolVar.schema.safeParse(env.PG_POOL_SIZE);
      if (parsed.success) pool = Number(parsed.data);
      else problems.push(`Deployment/${name}: PG_POOL_SIZE ${JSON.stringify(env.PG_POOL_SIZE)} is not a pool size its schema accepts`);
    }
    const holders = CONNECTION_HOLDERS[name];
    const holding = holders ? app?.env[holders]?.schema.safeParse(env[holders]) : undefined;
    if (holders && holding?.success && Number(holding.data) >= pool) {
      problems.push(`Deployment/${name}: PG_POOL_SIZE ${pool} is not above ${holders} ${String(holding.data)}: each of those jobs holds a connection, and nothing would be left for the rest`);
    }
    const n = (replicas + surge) * (TYPEORM_POOL_SIZE + pool);
    parts.push(`${name} (${replicas} + ${surge}) × (${TYPEORM_POOL_SIZE} + ${pool}) = ${n}`);
    total += n;
  }
  for (const j of objects.filter((o) => o.kind === 'Job')) {
    const pods = Number(obj(j.spec).parallelism ?? 1);
    const n = pods * migratePool();
    parts.push(`Job/${j.metadata.name} ${pods} × ${migratePool()} = ${n}`);
    total += n;
  }
  return { total, parts, problems };
}

/** An annotation of the Namespace as a whole number, or undefined. */
function declared(objects: KObject[], key: string): number | undefined {
  const ns = objects.find((o) => o.kind === 'Namespace');
  const value = text(obj(ns?.metadata.annotations)[key]);
  return value !== undefined && /^[1-9][0-9]*$/.test(value) ? Number(value) : undefined;
}

/**
 * The overlay declares on its Namespace the max_connections PostgreSQL must have and the share of
 * it the apps may use (the rest: the superuser reserve, maintenance, monitoring), and the most
 * connections it can open stay within that budget.
 */
export function checkConnectionBudget(objects: KObject[], apps: readonly AppSpec[] = DEPLOYED): string[] {
  const budget = declared(objects, BUDGET_ANNOTATION);
  const max = declared(objects, MAX_CONNECTIONS_ANNOTATION);
  const problems: string[] = [];
  if (budget === undefined) problems.push(`Namespace: declares no PostgreSQL connection budget (annotation ${BUDGET_ANNOTATION}, a whole number)`);
  if (max === undefined) problems.push(`Namespace: does not say which max_connections PostgreSQL needs (annotation ${MAX_CONNECTIONS_ANNOTATION}, a whole number)`);
  if (budget !== undefined && max !== undefined && budget > max - SUPERUSER_RESERVED) {
    problems.push(`Namespace: a connection budget of ${budget} leaves no room under max_connections ${max} for the ${SUPERUSER_RESERVED} superuser connections (and maintenance)`);
  }
  const { total, parts, problems: pools } = connectionWorstCase(objects, apps);
  problems.push(...pools);
  if (budget !== undefined && total > budget) problems.push(`PostgreSQL: the manifests can open ${total} connections (${parts.join('; ')}), over the budget of ${budget} (docs/scale-out.md, "PostgreSQL sizing")`);
  return problems;
}
