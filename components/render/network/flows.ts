// The stack's own connections between pods, read from what the program renders: each release's ports, the addresses
// its programs dial (Grafana's datasources, the ruler's Alertmanager, the metrics-generator's remote write, the
// collectors' exporters), the agents' scrape targets, and who talks to Kafka. These are the connections of the TLS
// census (components/render/connections), at the level a NetworkPolicy sees: pod groups and ports (test/
// network-policies.spec.ts holds every census connection of both stacks to them). Pure: no provider SDK, no Outputs.
import type { Values } from "../backends/common";
import { get } from "../connections/dskit";
import { programConfig } from "../connections/census";
import type { RenderedCollector } from "../collector/releases";
import {
    cacheGroup, collectorGroup, dialledUrls, PodGroup, releaseGroup, releasePorts, resolveAddress, StackReleases, Target,
} from "./workloads";

/** The rollout-operator's webhook server (its container port `https`, behind its Service's 443). */
export const ROLLOUT_OPERATOR_WEBHOOK_PORT = 8443;

/** Pods of one group connecting to pods of another (or the same) group, on TCP ports. */
export interface Flow {
    readonly from: PodGroup;
    readonly to: PodGroup;
    readonly ports: readonly number[];
    readonly why: string;
}

/** A group's connection to an address outside the stack (a remote-write target, say), by port. */
export interface ExternalDial {
    readonly from: PodGroup;
    readonly host: string;
    readonly port: number;
    /** The namespace of an in-cluster Service outside the stack; absent: outside the cluster. */
    readonly namespace?: string;
    readonly why: string;
}

export interface StackFlows {
    readonly flows: readonly Flow[];
    readonly external: readonly ExternalDial[];
    /** Groups that talk to Kafka (the collectors' Kafka exporter and receiver, Mimir's ingest storage). */
    readonly kafkaClients: readonly PodGroup[];
    /** Groups that call the Kubernetes API (collectors' Kubernetes components, the charts' sidecars when on). */
    readonly apiClients: readonly PodGroup[];
    /** Groups that call the kubelet (the collectors' `kubelet_stats`). */
    readonly kubeletClients: readonly PodGroup[];
    /** Groups the API server calls, and on which port: admission webhooks (Mimir's rollout-operator, prod). */
    readonly webhookServers: readonly { readonly group: PodGroup; readonly port: number }[];
    /**
     * Groups that store in S3 (Loki, Tempo and Mimir, caches excluded), and whether they use the node's instance role
     * (IMDS) rather than a role of their own (web identity: an IRSA annotation or the SDKs' AWS_ROLE_ARN).
     */
    readonly storing: readonly { readonly group: PodGroup; readonly instanceRole: boolean }[];
}

const STORING = ["mimir-distributed", "loki", "tempo", "tempo-distributed"];
/** A role of the pods' own: EKS's IRSA annotation on the ServiceAccount, or the AWS SDKs' web-identity environment. */
const WEB_IDENTITY_RE = /"(eks\.amazonaws\.com\/role-arn|AWS_ROLE_ARN)"/;

/** The pod-to-pod connections of a rendered stack, and its clients of Kafka and S3. */
export function stackFlows(s: StackReleases): StackFlows {
    const flows: Flow[] = [];
    const external: ExternalDial[] = [];
    const dial = (from: PodGroup, target: Target, why: string) => {
        if ("group" in target) flows.push({ from, to: target.group, ports: [target.port], why });
        else external.push({ from, host: target.external, port: target.port, ...(target.namespace ? { namespace: target.namespace } : {}), why });
    };
    const agent = collectorGroup(s.agent, s.agentNamespace);
    const gateway = collectorGroup(s.gateway, s.namespace);
    const storing: { group: PodGroup; instanceRole: boolean }[] = [];
    const kafkaClients: PodGroup[] = [];
    const apiClients: PodGroup[] = [];
    const kubeletClients: PodGroup[] = [];
    const webhookServers: { group: PodGroup; port: number }[] = [];

    for (const r of s.backends) {
        const group = releaseGroup(r, s.namespace);
        const ports = releasePorts(r);
        // A release's own pods: gRPC between its components and gossip (dskit), or Alertmanager's peers' gossip.
        const own = [ports.grpc, ports.gossip].filter((p): p is number => p !== undefined);
        if (own.length > 0) flows.push({ from: group, to: group, ports: own, why: `${r.name}'s pods call and gossip with each other` });
        const caches = cacheGroup(r, s.namespace);
        if (caches && ports.memcached) flows.push({ from: group, to: caches, ports: [ports.memcached], why: `${r.name} reads and writes its memcached caches` });
        for (const url of dialledUrls(r)) dial(group, resolveAddress(s, url), `${r.name} dials ${url}`);
        // The agents scrape every component's /metrics on their own node.
        const scraped = [...new Set(r.metrics.map(m => m.port))];
        if (scraped.length > 0) flows.push({ from: agent, to: group, ports: scraped, why: `the agents scrape ${r.name}'s /metrics` });
        if (STORING.includes(r.chart.chart)) storing.push({ group, instanceRole: !WEB_IDENTITY_RE.test(JSON.stringify(r.values)) });
        const config = programConfig({ name: r.name, chart: r.chart.chart, values: r.values });
        if (get(config, "ingest_storage.enabled") === true) kafkaClients.push(group);
        if (SIDECARS.some(path => get(r.values, path) === true)) apiClients.push(group);
        // The rollout-operator (prod's zone StatefulSets) watches and updates them through the API server, which calls
        // its admission webhooks (pod eviction, downscale) back: failing closed, they must be reachable.
        if (get(r.values, "rollout_operator.enabled") === true) {
            const operator: PodGroup = { name: `${r.name}-rollout-operator`, namespace: s.namespace, selector: { matchLabels: { "app.kubernetes.io/name": "rollout-operator", "app.kubernetes.io/instance": r.name } } };
            apiClients.push(operator);
            webhookServers.push({ group: operator, port: ROLLOUT_OPERATOR_WEBHOOK_PORT });
        }
    }
    for (const [c, group] of [[s.gateway, gateway], [s.agent, agent]] as const) {
        for (const [id, target] of collectorTargets(s, c)) dial(group, target, `${c.name} exporter ${id}`);
        if (usesKafka(c)) kafkaClients.push(group);
        if (callsApi(c)) apiClients.push(group);
        if (Object.keys(c.config.receivers).some(id => id.split("/")[0] === "kubelet_stats")) kubeletClients.push(group);
    }
    return { flows: merge(flows), external, kafkaClients, storing, apiClients, kubeletClients, webhookServers };
}

/** A collector's exporters that dial an address: OTLP endpoints, the load balancer's resolver, remote-write URLs. */
function collectorTargets(s: StackReleases, c: RenderedCollector): [string, Target][] {
    const out: [string, Target][] = [];
    for (const [id, e] of Object.entries(c.config.exporters as Record<string, Values>)) {
        const type = id.split("/")[0];
        if (type === "kafka" || type === "debug" || type === "nop") continue;
        if (type === "load_balancing") {
            const dns = get(e, "resolver.dns") as Values | undefined;
            if (!dns) throw new Error(`${c.name} exporter ${id}: only the DNS resolver is known to the network policies`);
            out.push([id, resolveAddress(s, `${String(dns.hostname)}:${String(dns.port)}`)]);
        } else if (typeof e.endpoint === "string") {
            out.push([id, resolveAddress(s, e.endpoint)]);
        } else {
            throw new Error(`${c.name} exporter ${id} dials no endpoint the network policies know`);
        }
    }
    return out;
}

/** The charts' sidecars that watch the Kubernetes API (Grafana's dashboards, datasources, …; Loki's rules). */
const SIDECARS = ["dashboards", "datasources", "alerts", "notifiers", "plugins", "rules"].map(s => `sidecar.${s}.enabled`);
/** Collector components that call the Kubernetes API. */
const API_PROCESSORS = ["k8s_attributes", "k8sattributes"];
const API_RECEIVERS = ["k8s_cluster", "k8scluster", "k8sobjects", "k8s_objects", "k8s_events", "k8sevents"];
const callsApi = (c: RenderedCollector) =>
    Object.keys(c.config.processors).some(id => API_PROCESSORS.includes(id.split("/")[0]))
    || Object.keys(c.config.receivers).some(id => API_RECEIVERS.includes(id.split("/")[0]))
    || Object.keys(c.config.extensions).some(id => id.split("/")[0] === "k8s_observer")
    || Object.entries(c.config.receivers).some(([id, rec]) => id.split("/")[0] === "prometheus"
        && ((get(rec, "config.scrape_configs") as Values[] | undefined) ?? []).some(job => Array.isArray(job.kubernetes_sd_configs)));

const usesKafka = (c: RenderedCollector) =>
    [...Object.keys(c.config.exporters), ...Object.keys(c.config.receivers)].some(id => id.split("/")[0] === "kafka");

/** One flow per (from, to) pair, with the union of their ports and reasons. */
function merge(flows: readonly Flow[]): Flow[] {
    const byPair = new Map<string, Flow>();
    for (const f of flows) {
        const key = `${f.from.namespace}/${f.from.name}→${f.to.namespace}/${f.to.name}`;
        const seen = byPair.get(key);
        byPair.set(key, seen
            ? { ...seen, ports: [...new Set([...seen.ports, ...f.ports])].sort((a, b) => a - b), why: seen.why.includes(f.why) ? seen.why : `${seen.why}; ${f.why}` }
            : { ...f, ports: [...f.ports].sort((a, b) => a - b) });
    }
    return [...byPair.values()];
}
