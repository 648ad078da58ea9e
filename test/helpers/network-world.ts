// The pods and Services the pinned charts really make, for the network-policy tests: learned by rendering the charts
// (helm template of each release with the stack's rendered values, out/<stack>/helm, Kubernetes 1.33), kept here as
// facts so that the tests need no Helm. Per pod template: namespace, workload, labels (all but helm.sh/chart and
// app.kubernetes.io/version and managed-by) and container ports. Services: the selectors of those that clients
// dial by name. Plus the cluster around the stack (DNS, ingress controllers, ServiceLB, applications), addresses,
// and the World the network-policy spec evaluates connections in.
import * as assert from "assert/strict";
import * as ts from "typescript";
import { NAMESPACE } from "../../components/render/pki";
import { Endpoint, evaluate, inCidr, NetworkPolicy, Pod, Protocol } from "../../components/render/network/reachability";

const KEYS: Record<string, string> = {
    N: "app.kubernetes.io/name", I: "app.kubernetes.io/instance", C: "app.kubernetes.io/component", P: "app.kubernetes.io/part-of",
};
const labels = (text: string): Record<string, string> =>
    Object.fromEntries(text.split(",").filter(Boolean).map(kv => kv.split("=")).map(([k, v]) => [KEYS[k] ?? k, v]));

/** `<namespace> <workload> <k=v,…> <port name:number[/UDP],…>` → a pod (its address is given by the test's world). */
function pods(lines: readonly string[]): Omit<Pod, "ip">[] {
    return lines.map(line => {
        const [namespace, name, l, p = ""] = line.split(" ");
        const ports = p.split(",").filter(Boolean).map(x => {
            const [portName, rest] = x.split(":");
            const [num, protocol] = rest.split("/");
            return { name: portName, containerPort: Number(num), protocol: (protocol ?? "TCP") as Protocol };
        });
        return { namespace, name, labels: labels(l), ports };
    });
}

export type Stack = "dev" | "prod";

/** Every Deployment, StatefulSet and DaemonSet pod template of the stack's releases (helm template). */
export const CHART_PODS: Record<Stack, Omit<Pod, "ip">[]> = {
    dev: pods([
        "observability alertmanager N=alertmanager,I=alertmanager http:9093",
        "observability grafana N=grafana,I=grafana grafana:3000,gossip-tcp:9094,gossip-udp:9094/UDP,profiling:6060",
        "observability loki N=loki,I=loki,C=single-binary,P=memberlist http-metrics:3100,grpc:9095,http-memberlist:7946",
        "observability mimir-distributor N=mimir,I=mimir,C=distributor,P=memberlist http-metrics:8080,grpc:9095,memberlist:7946",
        "observability mimir-querier N=mimir,I=mimir,C=querier,P=memberlist http-metrics:8080,grpc:9095,memberlist:7946",
        "observability mimir-query-frontend N=mimir,I=mimir,C=query-frontend http-metrics:8080,grpc:9095",
        "observability mimir-query-scheduler N=mimir,I=mimir,C=query-scheduler http-metrics:8080,grpc:9095",
        "observability mimir-ruler N=mimir,I=mimir,C=ruler,P=memberlist http-metrics:8080,grpc:9095,memberlist:7946",
        "observability mimir-compactor N=mimir,I=mimir,C=compactor,P=memberlist http-metrics:8080,grpc:9095,memberlist:7946",
        "observability mimir-ingester N=mimir,I=mimir,C=ingester,P=memberlist http-metrics:8080,grpc:9095,memberlist:7946",
        "observability mimir-store-gateway N=mimir,I=mimir,C=store-gateway,P=memberlist http-metrics:8080,grpc:9095,memberlist:7946",
        "observability-agents otel-agent-agent N=opentelemetry-collector,I=otel-agent,component=agent-collector otlp:4317,otlp-http:4318",
        "observability otel-gateway N=opentelemetry-collector,I=otel-gateway,component=statefulset-collector otlp:4317",
        "observability tempo N=tempo,I=tempo prom-metrics:3200,jaeger-thrift-c:6831/UDP,jaeger-thrift-b:6832/UDP,jaeger-thrift-h:14268,jaeger-grpc:14250,zipkin:9411,otlp-legacy:55680,otlp-grpc:4317,otlp-httplegacy:55681,otlp-http:4318",
    ]),
    prod: pods([
        "observability alertmanager N=alertmanager,I=alertmanager http:9093,clusterpeer-tcp:9094,clusterpeer-udp:9094/UDP",
        "observability grafana N=grafana,I=grafana grafana:3000,gossip-tcp:9094,gossip-udp:9094/UDP,profiling:6060",
        "observability loki-distributor N=loki,I=loki,C=distributor,P=memberlist http-metrics:3100,grpc:9095,http-memberlist:7946",
        "observability loki-querier N=loki,I=loki,C=querier,P=memberlist http-metrics:3100,grpc:9095,http-memberlist:7946",
        "observability loki-query-frontend N=loki,I=loki,C=query-frontend,P=memberlist http-metrics:3100,grpc:9095,http-memberlist:7946",
        "observability loki-query-scheduler N=loki,I=loki,C=query-scheduler,P=memberlist http-metrics:3100,grpc:9095,http-memberlist:7946",
        "observability loki-chunks-cache N=loki,I=loki,C=memcached-chunks-cache,name=memcached-chunks-cache client:11211,http-metrics:9150",
        "observability loki-compactor N=loki,I=loki,C=compactor,P=memberlist http-metrics:3100,grpc:9095,http-memberlist:7946",
        "observability loki-index-gateway N=loki,I=loki,C=index-gateway,P=memberlist http-metrics:3100,grpc:9095,http-memberlist:7946",
        "observability loki-ingester N=loki,I=loki,C=ingester,P=memberlist http-metrics:3100,grpc:9095,http-memberlist:7946",
        "observability loki-results-cache N=loki,I=loki,C=memcached-results-cache,name=memcached-results-cache client:11211,http-metrics:9150",
        "observability loki-ruler N=loki,I=loki,C=ruler,P=memberlist http-metrics:3100,grpc:9095,http-memberlist:7946",
        "observability mimir-distributor N=mimir,I=mimir,C=distributor,P=memberlist http-metrics:8080,grpc:9095,memberlist:7946",
        "observability mimir-querier N=mimir,I=mimir,C=querier,P=memberlist http-metrics:8080,grpc:9095,memberlist:7946",
        "observability mimir-query-frontend N=mimir,I=mimir,C=query-frontend http-metrics:8080,grpc:9095",
        "observability mimir-query-scheduler N=mimir,I=mimir,C=query-scheduler http-metrics:8080,grpc:9095",
        "observability mimir-ruler N=mimir,I=mimir,C=ruler,P=memberlist http-metrics:8080,grpc:9095,memberlist:7946",
        "observability mimir-chunks-cache N=mimir,I=mimir,C=chunks-cache client:11211,http-metrics:9150",
        "observability mimir-compactor N=mimir,I=mimir,C=compactor,P=memberlist http-metrics:8080,grpc:9095,memberlist:7946",
        "observability mimir-index-cache N=mimir,I=mimir,C=index-cache client:11211,http-metrics:9150",
        "observability mimir-ingester N=mimir,I=mimir,C=ingester,P=memberlist http-metrics:8080,grpc:9095,memberlist:7946",
        "observability mimir-metadata-cache N=mimir,I=mimir,C=metadata-cache client:11211,http-metrics:9150",
        "observability mimir-results-cache N=mimir,I=mimir,C=results-cache client:11211,http-metrics:9150",
        "observability mimir-store-gateway N=mimir,I=mimir,C=store-gateway,P=memberlist http-metrics:8080,grpc:9095,memberlist:7946",
        "observability mimir-rollout-operator N=rollout-operator,I=mimir http-metrics:8001,https:8443",
        "observability-agents otel-agent-agent N=opentelemetry-collector,I=otel-agent,component=agent-collector otlp:4317,otlp-http:4318",
        "observability otel-gateway N=opentelemetry-collector,I=otel-gateway,component=statefulset-collector otlp:4317",
        "observability tempo-compactor N=tempo,I=tempo,C=compactor,P=memberlist http-memberlist:7946,http-metrics:3200",
        "observability tempo-distributor N=tempo,I=tempo,C=distributor,P=memberlist http-memberlist:7946,http-metrics:3200,otlp-http:4318,grpc-otlp:4317",
        "observability tempo-metrics-generator N=tempo,I=tempo,C=metrics-generator,P=memberlist grpc:9095,http-memberlist:7946,http-metrics:3200",
        "observability tempo-querier N=tempo,I=tempo,C=querier,P=memberlist http-memberlist:7946,http-metrics:3200",
        "observability tempo-query-frontend N=tempo,I=tempo,C=query-frontend,P=memberlist http-memberlist:7946,http-metrics:3200,grpc:9095",
        "observability tempo-ingester N=tempo,I=tempo,C=ingester,P=memberlist http-memberlist:7946,http-metrics:3200,grpc:9095",
        "observability tempo-memcached N=tempo,I=tempo,C=memcached client:11211,http-metrics:9150",
    ]),
};

const COLLECTOR = "N=opentelemetry-collector,component=";
/** Services the clients dial by name: the charts' (helm template) and the program's own (OtelGateway, OtelAgent). */
export const CHART_SERVICES: Record<Stack, Record<string, Record<string, string>>> = {
    dev: {
        alertmanager: labels("N=alertmanager,I=alertmanager"),
        grafana: labels("N=grafana,I=grafana"),
        loki: labels("N=loki,I=loki,C=single-binary"),
        tempo: labels("N=tempo,I=tempo"),
        "mimir-distributor": labels("N=mimir,I=mimir,C=distributor"),
        "mimir-query-frontend": labels("N=mimir,I=mimir,C=query-frontend"),
        "otel-gateway": labels(`${COLLECTOR}statefulset-collector,I=otel-gateway`),
        "otel-gateway-headless": labels(`${COLLECTOR}statefulset-collector,I=otel-gateway`),
    },
    prod: {
        alertmanager: labels("N=alertmanager,I=alertmanager"),
        grafana: labels("N=grafana,I=grafana"),
        "loki-distributor": labels("N=loki,I=loki,C=distributor"),
        "loki-querier": labels("N=loki,I=loki,C=querier"),
        "loki-query-frontend": labels("N=loki,I=loki,C=query-frontend"),
        "mimir-distributor": labels("N=mimir,I=mimir,C=distributor"),
        "mimir-query-frontend": labels("N=mimir,I=mimir,C=query-frontend"),
        "tempo-distributor": labels("N=tempo,I=tempo,C=distributor"),
        "tempo-query-frontend": labels("N=tempo,I=tempo,C=query-frontend"),
        "otel-gateway": labels(`${COLLECTOR}statefulset-collector,I=otel-gateway`),
    },
};

/**
 * The simulated cluster around the stack: pod networks, a node, the API server, addresses outside, and the pods of
 * others (k3s's and EKS's CoreDNS, Traefik as k3s bundles it, ingress-nginx's controller, k3s's ServiceLB pods of the
 * agents' LoadBalancer, another kube-system pod, applications, one wearing Mimir's labels).
 */
export const SIM = {
    dev: { podNet: "10.42.0", nodeIp: "10.20.1.10", apiServer: { ip: "10.20.1.10", port: 6443 }, publicClient: "198.51.100.7" },
    prod: { podNet: "10.0.200", nodeNet: "10.0.0.0/20", nodeIp: "10.0.1.10", apiServer: { ip: "10.0.2.20", port: 443 }, publicClient: "203.0.113.7" },
    /** An S3 address, an alert receiver's, and the MSK broker's (in the VPC). */
    s3: "52.218.1.10",
    internet: "93.184.216.34",
    kafkaBroker: "10.0.64.30",
    dns: ["kube-system", "coredns"] as const,
    serviceLb: ["kube-system", "svclb-otel-agent-1a2b3c4d"] as const,
    controllers: { traefik: ["kube-system", "traefik"] as const, nginx: ["ingress-nginx", "ingress-nginx-controller"] as const },
    others: pods([
        "kube-system coredns k8s-app=kube-dns dns:53/UDP,dns-tcp:53",
        "kube-system traefik N=traefik,I=traefik-kube-system web:8000,websecure:8443",
        "ingress-nginx ingress-nginx-controller N=ingress-nginx,I=ingress-nginx,C=controller http:80,https:443",
        "kube-system svclb-otel-agent-1a2b3c4d app=svclb-otel-agent-1a2b3c4d,svccontroller.k3s.cattle.io/svcname=otel-agent,svccontroller.k3s.cattle.io/svcnamespace=observability-agents lb-tcp-4317:4317",
        "kube-system metrics-server k8s-app=metrics-server https:10250",
        "default shop-web app=web http:8080",
        "default spoof N=mimir,I=mimir,C=ingester grpc:9095",
        "shop checkout app=checkout http:8080",
    ]),
};

export type Pair = readonly [Endpoint, Endpoint];
export interface Row { readonly what: string; readonly pairs: readonly Pair[]; readonly port: number; readonly protocol?: Protocol }

export const AGENTS_NS = "observability-agents";
export const cross = (from: readonly Endpoint[], to: readonly Endpoint[]): Pair[] => from.flatMap(f => to.map(t => [f, t] as const));
export const ip = (address: string): Endpoint => ({ ip: address });
export const name = (e: Endpoint) => ("pod" in e ? `${e.pod.namespace}/${e.pod.name}` : e.ip);
export const isOurs = (p: Pod) => p.namespace === NAMESPACE || p.namespace === AGENTS_NS;
export const isCache = (p: Pod) => (p.ports ?? []).some(x => x.containerPort === 11211);
export const isRolloutOperator = (p: Pod) => p.labels["app.kubernetes.io/name"] === "rollout-operator";
export const instance = (e: Endpoint) => ("pod" in e ? e.pod.labels["app.kubernetes.io/instance"] : undefined);

/**
 * The cluster: each chart pod template as two replicas (traffic between replicas is policed, a pod's own is not, and
 * any workload may run more than one), the cluster's other pods, the policies.
 */
export class World {
    readonly pods: Pod[];
    constructor(readonly stack: Stack, public policies: NetworkPolicy[]) {
        const replicas = CHART_PODS[stack].flatMap(p => [0, 1].map(i => ({ ...p, name: `${p.name}-${i}` })));
        this.pods = [...replicas, ...SIM.others].map((p, i) => ({ ...p, ip: `${SIM[stack].podNet}.${i + 10}` }));
    }
    find(pred: (p: Pod) => boolean, what: string): Endpoint[] {
        const found = this.pods.filter(pred).map(pod => ({ pod }));
        assert.ok(found.length > 0, `${this.stack}: no pod is ${what}`);
        return found;
    }
    at(ref: readonly [string, string]): Endpoint[] { return this.find(p => p.namespace === ref[0] && p.name === ref[1], ref.join("/")); }
    /** A release's pods (in the stack's namespaces), its memcached caches excluded. */
    release(r: string): Endpoint[] { return this.find(p => isOurs(p) && p.labels["app.kubernetes.io/instance"] === r && !isCache(p) && !isRolloutOperator(p), `of release ${r}`); }
    /** prod: Mimir's rollout-operator (zone StatefulSets). */
    rolloutOperator(): Endpoint[] { return this.find(isRolloutOperator, "of the rollout-operator"); }
    caches(r: string): Endpoint[] { return this.find(p => isOurs(p) && p.labels["app.kubernetes.io/instance"] === r && isCache(p), `a cache of ${r}`); }
    /** The pods a Service selects (the charts' real selectors). */
    service(svc: string): Endpoint[] {
        const selector = CHART_SERVICES[this.stack][svc];
        assert.ok(selector, `${this.stack}: Service ${svc} is not among the chart facts (test/helpers/network-world.ts)`);
        return this.find(p => p.namespace === NAMESPACE && Object.entries(selector).every(([k, v]) => p.labels[k] === v), `selected by Service ${svc}`);
    }
    ours(): { pod: Pod }[] { return this.pods.filter(isOurs).map(pod => ({ pod })); }
    verdict(pair: Pair, row: Row) { return evaluate({ policies: this.policies }, { from: pair[0], to: pair[1], port: row.port, protocol: row.protocol }); }
    failures(row: Row, want: boolean): string[] {
        return row.pairs.filter(pair => this.verdict(pair, row).allowed !== want)
            .map(([f, t]) => `${row.what}: ${name(f)} → ${name(t)}:${row.port}${row.protocol === "UDP" ? "/UDP" : ""}`);
    }
}

/** Property names of the SDK's input types (generated from the Kubernetes OpenAPI schema), per type. */
export function sdkFields(): Record<string, Set<string>> {
    const file = require.resolve("@pulumi/kubernetes/types/input.d.ts");
    const source = ts.createSourceFile(file, ts.sys.readFile(file)!, ts.ScriptTarget.Latest);
    const out: Record<string, Set<string>> = {};
    const visit = (node: ts.Node, at: string[]) => {
        if (ts.isModuleDeclaration(node) && node.body) { ts.forEachChild(node.body, c => visit(c, [...at, node.name.getText(source)])); return; }
        if (ts.isInterfaceDeclaration(node)) out[[...at, node.name.text].join(".")] = new Set(node.members.map(m => m.name?.getText(source) ?? ""));
        else ts.forEachChild(node, c => visit(c, at));
    };
    visit(source, []);
    return out;
}

/** What the API server (networking.k8s.io/v1 validation) would refuse in a NetworkPolicy. */
export function apiProblems(p: NetworkPolicy, fields: Record<string, Set<string>>): string[] {
    const out: string[] = [];
    const n = "networking.v1", m = "meta.v1";
    const check = (obj: unknown, type: string, at: string) => {
        for (const k of Object.keys(obj as object)) if (!fields[type]?.has(k)) out.push(`unknown field ${at}.${k}`);
    };
    const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
    const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
    const labelKey = (k: string) => { const [a, b] = k.includes("/") ? k.split("/") : [undefined, k]; return (a === undefined || (a.length <= 253 && a.split(".").every(l => dnsLabel.test(l)))) && b.length <= 63 && /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(b); };
    const selector = (s: Record<string, unknown>, at: string) => {
        check(s, `${m}.LabelSelector`, at);
        for (const [k, v] of Object.entries((s.matchLabels as Record<string, string>) ?? {})) if (!labelKey(k) || !labelValue.test(v) || v.length > 63) out.push(`label ${k}=${v} at ${at}`);
        for (const e of (s.matchExpressions as Record<string, unknown>[]) ?? []) {
            check(e, `${m}.LabelSelectorRequirement`, `${at}.matchExpressions`);
            const values = (e.values as string[] | undefined) ?? [];
            if (!labelKey(String(e.key)) || !["In", "NotIn", "Exists", "DoesNotExist"].includes(String(e.operator)) || (["In", "NotIn"].includes(String(e.operator)) ? values.length === 0 : values.length > 0)) out.push(`expression ${JSON.stringify(e)} at ${at}`);
        }
    };
    check(p, `${n}.NetworkPolicy`, "");
    check(p.metadata, `${m}.ObjectMeta`, "metadata");
    if (!(p.metadata.name.length <= 253 && p.metadata.name.split(".").every(l => dnsLabel.test(l)))) out.push(`name ${p.metadata.name}`);
    if (!dnsLabel.test(p.metadata.namespace)) out.push(`namespace ${p.metadata.namespace}`);
    check(p.spec, `${n}.NetworkPolicySpec`, "spec");
    selector(p.spec.podSelector as Record<string, unknown>, "spec.podSelector");
    for (const t of p.spec.policyTypes ?? []) if (t !== "Ingress" && t !== "Egress") out.push(`policyTypes ${t}`);
    for (const [dir, peersKey, type] of [["ingress", "from", "NetworkPolicyIngressRule"], ["egress", "to", "NetworkPolicyEgressRule"]] as const) {
        for (const [i, rule] of ((p.spec[dir] ?? []) as unknown as Record<string, unknown[]>[]).entries()) {
            const at = `spec.${dir}[${i}]`;
            check(rule, `${n}.${type}`, at);
            for (const port of (rule.ports ?? []) as Record<string, unknown>[]) {
                check(port, `${n}.NetworkPolicyPort`, `${at}.ports`);
                if (port.protocol !== undefined && !["TCP", "UDP", "SCTP"].includes(String(port.protocol))) out.push(`protocol ${String(port.protocol)}`);
                if (typeof port.port === "number" && !(Number.isInteger(port.port) && port.port >= 1 && port.port <= 65535)) out.push(`port ${port.port}`);
                if (typeof port.port === "string" && !/^(?=.{1,15}$)(?=.*[a-z])[a-z0-9]+(-[a-z0-9]+)*$/.test(port.port)) out.push(`port ${port.port}`);
                if (port.endPort !== undefined && (typeof port.port !== "number" || Number(port.endPort) < port.port)) out.push(`endPort ${String(port.endPort)}`);
            }
            for (const peer of (rule[peersKey] ?? []) as Record<string, Record<string, unknown>>[]) {
                check(peer, `${n}.NetworkPolicyPeer`, `${at}.${peersKey}`);
                if (Object.keys(peer).length === 0) out.push(`empty peer at ${at}`);
                if (peer.ipBlock && (peer.podSelector || peer.namespaceSelector)) out.push(`ipBlock with a selector at ${at}`);
                if (peer.podSelector) selector(peer.podSelector, `${at}.podSelector`);
                if (peer.namespaceSelector) selector(peer.namespaceSelector, `${at}.namespaceSelector`);
                if (peer.ipBlock) {
                    check(peer.ipBlock, `${n}.IPBlock`, `${at}.ipBlock`);
                    const cidr = String(peer.ipBlock.cidr);
                    if (!inCidr(cidr.split("/")[0], cidr)) out.push(`cidr ${cidr}`);
                    const prefix = Number(cidr.split("/")[1]);
                    for (const x of (peer.ipBlock.except as string[] | undefined) ?? []) if (!inCidr(x.split("/")[0], cidr) || Number(x.split("/")[1]) <= prefix) out.push(`except ${x} outside ${cidr}`);
                }
            }
        }
    }
    return out;
}
