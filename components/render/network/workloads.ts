// Who is who on the network: the pods each release's chart makes (selected by their labels), the ports they serve,
// and how a dialled in-cluster host name maps to them. Pure: no provider SDK, no Outputs.
//
// Label facts, learned by rendering the pinned charts (helm template, versions in backends/common.ts CHARTS) with
// both stacks' values: every pod of a release carries `app.kubernetes.io/name` (the chart's name: `mimir` for
// mimir-distributed, `tempo` for tempo and tempo-distributed, `loki`, `grafana`, `alertmanager`,
// `opentelemetry-collector`) and `app.kubernetes.io/instance` (the release). Distributed charts add
// `app.kubernetes.io/component` (mimir: distributor, ingester, querier, query-frontend, query-scheduler, ruler,
// compactor, store-gateway and the caches chunks-cache, index-cache, metadata-cache, results-cache; loki: the same
// minus store-gateway plus index-gateway, caches memcached-chunks-cache and memcached-results-cache, dev's monolith
// single-binary; tempo-distributed: distributor, ingester, querier, query-frontend, compactor, metrics-generator,
// cache memcached); the monolithic tempo chart, grafana and alertmanager set none. The collector chart sets
// `component` (agent-collector, statefulset-collector) instead. A Service `<release>-<component>` selects its
// component's pods, a Service `<release>` every pod of the release (dev's loki and tempo).
import type { RenderedRelease, Values } from "../backends/common";
import { ALERTMANAGER_PORT, ALERTMANAGER_RELEASE } from "../backends/alertmanager";
import { forwarderConfigOf } from "../backends/alertmanager-forwarder";
import { programConfig } from "../connections/census";
import { get } from "../connections/dskit";
import type { RenderedCollector } from "../collector/releases";
import { GATEWAY_HEADLESS_SERVICE } from "../collector/otel";

export const NAME_LABEL = "app.kubernetes.io/name";
export const INSTANCE_LABEL = "app.kubernetes.io/instance";
export const COMPONENT_LABEL = "app.kubernetes.io/component";
/** The label the API server puts on every namespace (its name), which namespace selectors match. */
export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

/** A Kubernetes label selector (`matchLabels` AND every `matchExpressions` requirement). */
export interface LabelSelector {
    readonly matchLabels?: Readonly<Record<string, string>>;
    readonly matchExpressions?: readonly { readonly key: string; readonly operator: "In" | "NotIn" | "Exists" | "DoesNotExist"; readonly values?: readonly string[] }[];
}

/** A set of pods: the ones in `namespace` that `selector` selects. */
export interface PodGroup {
    /** Unique name, also the name of the NetworkPolicy that selects the group. */
    readonly name: string;
    readonly namespace: string;
    readonly selector: LabelSelector;
}

/** dskit's defaults where a config leaves the port unset (the charts keep them). */
const DSKIT_GRPC_PORT = 9095;
const MEMBERLIST_PORT = 7946;
/** memcached's client port (every cache section of the three charts keeps it). */
export const MEMCACHED_PORT = 11211;
/** Alertmanager's gossip port: the chart's `--cluster.listen-address=0.0.0.0:9094`. */
export const ALERTMANAGER_CLUSTER_PORT = 9094;

/** The `app.kubernetes.io/name` of a chart's pods. */
const APP_NAME: Readonly<Record<string, string>> = { "mimir-distributed": "mimir", "tempo-distributed": "tempo" };
const appName = (r: RenderedRelease) => APP_NAME[r.chart.chart] ?? r.chart.chart;
const isDskit = (r: RenderedRelease) => ["mimir-distributed", "loki", "tempo", "tempo-distributed"].includes(r.chart.chart);

/** The component label of each memcached pod set a release's values turn on (prod's caches). */
export function cacheComponents(r: RenderedRelease): string[] {
    const on = (v: unknown) => get(v, "enabled") === true;
    const v = r.values;
    switch (r.chart.chart) {
        case "mimir-distributed": return Object.keys(v).filter(k => k.endsWith("-cache") && on(v[k]));
        case "loki": return Object.keys(v).filter(k => /Cache$/.test(k) && on(v[k])).map(k => `memcached-${k.replace(/[A-Z]/g, c => `-${c.toLowerCase()}`)}`);
        case "tempo-distributed": return on(v.memcached) ? ["memcached"] : [];
        default: return [];
    }
}

/** The ports a backend release's pods serve, from its rendered values (dskit defaults where the config is silent). */
export interface ReleasePorts {
    /** HTTP(S): API and /metrics. */
    readonly http: number;
    readonly grpc?: number;
    readonly gossip?: number;
    /** Memcached, when the release runs caches. */
    readonly memcached?: number;
}

export function releasePorts(r: RenderedRelease): ReleasePorts {
    // Alertmanager's metrics are pushed (no scrape endpoint): its API port is the one the chart's Service serves.
    if (r.name === ALERTMANAGER_RELEASE) return { http: ALERTMANAGER_PORT, gossip: ALERTMANAGER_CLUSTER_PORT };
    const http = r.metrics[0]?.port;
    if (http === undefined || r.metrics.some(m => m.port !== http)) throw new Error(`${r.name}: expected one metrics port for every component, got ${r.metrics.map(m => m.port).join(", ")}`);
    if (!isDskit(r)) return { http };
    const config = programConfig({ name: r.name, chart: r.chart.chart, values: r.values });
    const num = (path: string, fallback: number) => (typeof get(config, path) === "number" ? (get(config, path) as number) : fallback);
    return {
        http,
        grpc: num("server.grpc_listen_port", DSKIT_GRPC_PORT),
        gossip: num("memberlist.bind_port", MEMBERLIST_PORT),
        ...(cacheComponents(r).length > 0 ? { memcached: MEMCACHED_PORT } : {}),
    };
}

/** Every pod of a backend release but its caches. */
export function releaseGroup(r: RenderedRelease, namespace: string): PodGroup {
    const caches = cacheComponents(r);
    return {
        name: r.name,
        namespace,
        selector: {
            matchLabels: { [NAME_LABEL]: appName(r), [INSTANCE_LABEL]: r.name },
            ...(caches.length > 0 ? { matchExpressions: [{ key: COMPONENT_LABEL, operator: "NotIn" as const, values: caches }] } : {}),
        },
    };
}

/** A backend release's memcached pods (none in dev). */
export function cacheGroup(r: RenderedRelease, namespace: string): PodGroup | undefined {
    const caches = cacheComponents(r);
    if (caches.length === 0) return undefined;
    return {
        name: `${r.name}-memcached`,
        namespace,
        selector: { matchLabels: { [NAME_LABEL]: appName(r), [INSTANCE_LABEL]: r.name }, matchExpressions: [{ key: COMPONENT_LABEL, operator: "In", values: caches }] },
    };
}

/** One component of a distributed release (`<release>-<component>`). */
export function componentGroup(r: RenderedRelease, component: string, namespace: string): PodGroup {
    return { name: `${r.name}-${component}`, namespace, selector: { matchLabels: { [NAME_LABEL]: appName(r), [INSTANCE_LABEL]: r.name, [COMPONENT_LABEL]: component } } };
}

/** A collector release's pods (the chart's selector labels and its component label). */
export function collectorGroup(c: RenderedCollector, namespace: string): PodGroup {
    return { name: c.name, namespace, selector: { matchLabels: { ...c.podSelector } } };
}

/** The releases of a stack by namespace, which the dialled host names resolve against. */
export interface StackReleases {
    readonly namespace: string;
    readonly agentNamespace: string;
    /** alertmanager, mimir, loki, tempo, grafana. */
    readonly backends: readonly RenderedRelease[];
    readonly gateway: RenderedCollector;
    readonly agent: RenderedCollector;
}

/** A dialled address: a pod group of the stack, a Service in another namespace, or somewhere outside the cluster. */
export type Target =
    | { readonly group: PodGroup; readonly port: number }
    | { readonly external: string; readonly port: number; readonly namespace?: string };

/**
 * Where a client's address leads: `https://svc.ns.svc:port/path`, `svc.ns.svc.cluster.local:port` or `dns:///…`. A
 * Service of the stack resolves to the pods it selects, another `.svc` name of the stack's namespaces is an error (a
 * connection these rules would not know), one of another namespace is that namespace, anything else is outside.
 */
export function resolveAddress(s: StackReleases, address: string, defaultPort?: number): Target {
    const m = /^(?:([a-z]+):\/\/)?([^/:]+)(?::(\d+))?/.exec(address.replace(/^dns:\/\/\//, ""));
    if (!m) throw new Error(`not an address: ${address}`);
    const [, scheme, host, portText] = m;
    const port = portText ? Number(portText) : scheme === "https" ? 443 : scheme === "http" ? 80 : defaultPort;
    if (port === undefined) throw new Error(`no port in ${address}`);
    const labels = host.replace(/\.cluster\.local$/, "").split(".");
    if (labels.length !== 3 || labels[2] !== "svc") return { external: host, port };
    const [service, namespace] = labels;
    if (namespace !== s.namespace && namespace !== s.agentNamespace) return { external: host, port, namespace };
    const group = serviceGroup(s, service, namespace);
    if (!group) throw new Error(`${address}: ${service}.${namespace} is no Service of the stack the network policies know`);
    return { group, port };
}

/** The pods a Service of the stack selects. */
export function serviceGroup(s: StackReleases, service: string, namespace: string): PodGroup | undefined {
    if (namespace === s.agentNamespace) return service === s.agent.name ? collectorGroup(s.agent, s.agentNamespace) : undefined;
    if (namespace !== s.namespace) return undefined;
    if (service === s.gateway.name || service === GATEWAY_HEADLESS_SERVICE) return collectorGroup(s.gateway, s.namespace);
    const bare = service.replace(/-(headless|discovery)$/, "");
    for (const r of s.backends) {
        if (bare === r.name) return releaseGroup(r, s.namespace);
        if (bare.startsWith(`${r.name}-`)) return componentGroup(r, bare.slice(r.name.length + 1), s.namespace);
    }
    return undefined;
}

/**
 * The URLs a rendered release's program dials beyond its gRPC and gossip: Grafana's datasources, the ruler's
 * Alertmanager, the metrics-generator's remote write, Loki's tail proxy (its queriers' HTTP), Alertmanager's metrics
 * forwarder's OTLP exporter.
 */
export function dialledUrls(r: RenderedRelease): string[] {
    const v: Values = r.values;
    if (r.chart.chart === "grafana") {
        const list = get(v, "datasources") as Values | undefined;
        return (((list?.["datasources.yaml"] as Values | undefined)?.datasources as Values[] | undefined) ?? []).map(d => String(d.url));
    }
    const forwarder = forwarderConfigOf(v);
    if (forwarder) return Object.values(forwarder.exporters).map(e => String(e.endpoint));
    if (!isDskit(r)) return [];
    const config = programConfig({ name: r.name, chart: r.chart.chart, values: v });
    const single = ["ruler.alertmanager_url", "frontend.tail_proxy_url"].map(k => get(config, k)).filter((u): u is string => typeof u === "string");
    const remoteWrite = [get(config, "metrics_generator.storage.remote_write"), get(v, "metricsGenerator.config.storage.remote_write")].find(Array.isArray) as Values[] | undefined;
    return [...single, ...(remoteWrite ?? []).map(w => String(w.url))];
}
