// The stack's NetworkPolicies, as rendered (resources.json of both stacks, and two renders with more access
// configured), evaluated with Kubernetes NetworkPolicy semantics over the pods the pinned charts really make: every
// connection of the TLS census and the stack's outside needs go through (must-allow), what no one needs stays shut
// (must-deny: a named table, and every other pod/port combination), each rule, peer and port is needed by some
// must-allow row, widening any of them opens some must-deny row on that side, and every object has only the fields
// and values the API server accepts.
import * as assert from "assert/strict";
import * as path from "path";
import { Connection, tlsCensus } from "../components/render/connections/census";
import { get } from "../components/render/connections/dskit";
import { NAMESPACE } from "../components/render/pki";
import { Endpoint, inCidr, NetworkPolicy, Pod, selects, SideVerdict } from "../components/render/network/reachability";
import { parseStackConfig } from "../components/config";
import { DEFAULT_EXISTING_NODE_CIDRS, parseNetworkAccess } from "../components/config/network-access";
import { networkPolicyInput } from "../components/network-policies";
import { planStack } from "../components/plan";
import { renderNetworkPolicies } from "../components/render/network/policies";
import { ConfigReader } from "../components/config/reader";
import { RenderedResource, runProgram } from "../offline/engine";
import { keyReference } from "../offline/references";
import { readStackFiles } from "../offline/stack-files";
import { renderedStack } from "./helpers/rendered";
import { AGENTS_NS, apiProblems, cross, instance, ip, isOurs, isRolloutOperator, name, Row, SIM, sdkFields, Stack, World } from "./helpers/network-world";
import program = require("../index");

type Rendered = { stack: Stack; resources: RenderedResource[]; variant: boolean };

const policiesOf = (rs: readonly RenderedResource[]) => rs.filter(r => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy").map(r => r.inputs as unknown as NetworkPolicy);
const shut = (v: SideVerdict) => v.isolated && v.allowedBy.length === 0;

/** The container port behind each census server kind (the pods' ports in the chart facts). */
function serverPort(release: string, kind: string): number {
    const http: Record<string, number> = { mimir: 8080, loki: 3100, tempo: 3200, alertmanager: 9093, grafana: 3000 };
    const port = ({ http: http[release], grpc: 9095, gossip: release === "alertmanager" ? 9094 : 7946, memcached: 11211, "otlp-grpc": 4317, "otlp-http": 4318 } as Record<string, number | undefined>)[kind];
    assert.ok(port, `no port known for ${release}:${kind}`);
    return port;
}

/** A census connection as concrete pods (or addresses) and a port. */
function censusRow(w: World, c: Connection, resources: readonly RenderedResource[]): Row {
    const what = `census ${c.client} → ${c.server} (${c.via})`;
    if (c.server === "kubelet") return { what, pairs: cross(w.release(c.client), [ip(SIM[w.stack].nodeIp)]), port: 10250 };
    if (c.server === "kafka") return { what, pairs: cross(w.release(c.client), [ip(SIM.kafkaBroker)]), port: 9096 };
    const [release, kind] = c.server.split(":");
    const port = serverPort(release, kind);
    const exporter = /^(.+) memcached-exporter$/.exec(c.client);
    if (exporter) return { what, pairs: w.caches(exporter[1]).map(p => [p, p] as const), port };
    const ingress = /^ingress \((traefik|nginx)\)$/.exec(c.client);
    const from = ingress ? w.at(SIM.controllers[ingress[1] as "traefik" | "nginx"]) : w.release(c.client);
    let to: Endpoint[];
    if (kind === "memcached") to = w.caches(release);
    else if (c.client === release && kind === "http") to = w.service(tailProxyService(resources, release));
    else if (c.client === release || / job /.test(c.via)) to = w.release(release);
    else to = w.service((/\((https?:\/\/[^)\s]+)\)/.exec(c.via)?.[1] ?? c.serverName ?? "").replace(/^https?:\/\//, "").split(/[.:/]/)[0]);
    return { what, pairs: cross(from, to), port };
}

/** The Service a release's own HTTP client dials: Loki's tail proxy (the only one; the census names no URL). */
function tailProxyService(resources: readonly RenderedResource[], release: string): string {
    const values = resources.find(x => x.type === "kubernetes:helm.sh/v3:Release" && (x.inputs as { name?: string }).name === release)?.inputs.values;
    const url = String(get(values, "loki.structuredConfig.frontend.tail_proxy_url"));
    return url.replace(/^https:\/\//, "").split(".")[0];
}

/** Every census connection, DNS, the API server, S3, the receivers, and what the render's config lets in. */
function mustAllow(w: World, r: Rendered): Row[] {
    const s = SIM[w.stack];
    const agent = w.release("otel-agent");
    const dns = w.at(SIM.dns);
    const census = tlsCensus({ namespace: NAMESPACE, resources: r.resources, reference: keyReference });
    const otlp = (what: string, from: Endpoint[]) => [4317, 4318].map(port => ({ what, pairs: cross(from, agent), port }));
    return [
        ...census.connections.map(c => censusRow(w, c, r.resources)),
        { what: "every pod → cluster DNS (UDP)", pairs: cross(w.ours(), dns), port: 53, protocol: "UDP" },
        { what: "every pod → cluster DNS (TCP)", pairs: cross(w.ours(), dns), port: 53 },
        { what: "agent → the API server", pairs: cross(agent, [ip(s.apiServer.ip)]), port: s.apiServer.port },
        // An existing cluster: the API server may be kubeadm-style (6443), the nodes in any private range by default.
        ...(w.stack === "prod" ? [{ what: "agent → a kubeadm-style API server", pairs: cross(agent, [ip(s.apiServer.ip)]), port: 6443 }] : []),
        ...(w.stack === "prod" && !r.variant ? ["172.20.1.10", "192.168.1.10"].map(node => ({ what: "agent → a kubelet in another private range", pairs: cross(agent, [ip(node)]), port: 10250 })) : []),
        ...["mimir", "loki", "tempo"].map(x => ({ what: `${x} → S3/STS (HTTPS outside the cluster)`, pairs: cross(w.release(x), [ip(SIM.s3)]), port: 443 })),
        { what: "alertmanager → the receivers (HTTPS outside)", pairs: cross(w.release("alertmanager"), [ip(SIM.internet)]), port: 443 },
        // prod: Grafana's RDS PostgreSQL, an address in the cluster's VPC known only once the instance exists.
        ...(w.stack === "prod" ? [{ what: "grafana → its PostgreSQL", pairs: cross(w.release("grafana"), [ip("10.0.96.40")]), port: 5432 }] : []),
        // prod: the rollout-operator rolls the zone StatefulSets through the API server, which calls its webhooks back.
        ...(w.stack === "prod" ? [
            { what: "rollout-operator → the API server", pairs: cross(w.rolloutOperator(), [ip(s.apiServer.ip)]), port: s.apiServer.port },
            { what: "the API server → the rollout-operator's webhooks", pairs: cross([ip(s.apiServer.ip)], w.rolloutOperator()), port: 8443 },
            { what: "rollout-operator → a kubeadm-style API server", pairs: cross(w.rolloutOperator(), [ip(s.apiServer.ip)]), port: 6443 },
            // An existing cluster's control plane in any private range by default.
            ...(r.variant ? [] : ["172.20.1.10", "192.168.1.10"].flatMap(api => [
                { what: "rollout-operator → an API server in another private range", pairs: cross(w.rolloutOperator(), [ip(api)]), port: 443 },
                { what: "an API server in another private range → the rollout-operator's webhooks", pairs: cross([ip(api)], w.rolloutOperator()), port: 8443 },
            ])),
        ] : []),
        // dev's stack file sets ingressCidrs: k3s's ServiceLB forwards the public OTLP endpoint.
        ...(w.stack === "dev" ? [...otlp("ServiceLB (public OTLP) → agent", w.at(SIM.serviceLb)), ...otlp("a client in ingressCidrs → agent", [ip(s.publicClient)])] : []),
        ...(r.variant && w.stack === "dev" ? otlp("app in a listed namespace → agent", w.at(["shop", "checkout"])) : []),
        ...(r.variant && w.stack === "prod" ? [
            ...otlp("apps in any namespace (*) → agent", [...w.at(["default", "shop-web"]), ...w.at(["shop", "checkout"])]),
            ...otlp("a client in ingressCidrs → agent", [ip(s.publicClient)]),
            ...otlp("a node (the load balancer's forwarded traffic) → agent", [ip(s.nodeIp)]),
        ] : []),
    ];
}

/** The named must-deny table. */
function namedDenyRows(w: World, r: Rendered): Row[] {
    const app = w.at(["default", "shop-web"]);
    const rows: Row[] = [];
    const row = (what: string, from: Endpoint[], to: Endpoint[], port: number) => rows.push({ what, pairs: cross(from, to), port });
    const but = (x: string, component: string) => w.release(x).filter(e => "pod" in e && e.pod.labels["app.kubernetes.io/component"] !== component);
    for (const x of ["mimir", "loki", "tempo"]) {
        for (const kind of ["http", "grpc", "gossip"]) row(`app → ${x} ${kind}`, app, w.release(x), serverPort(x, kind));
        row(`${x} → the internet on 80`, w.release(x), [ip(SIM.s3)], 80);
        row(`${x} → an application pod on 443`, w.release(x), app, 443);
        row(`agent → ${x} gRPC`, w.release("otel-agent"), w.release(x), 9095);
    }
    row("app → alertmanager API", app, w.release("alertmanager"), 9093);
    row("app → alertmanager gossip", app, w.release("alertmanager"), 9094);
    row("agent → alertmanager gossip", w.release("otel-agent"), w.release("alertmanager"), 9094);
    // Alertmanager's /metrics shares the API's port, so no scrape reaches it: its sidecar pushes to the gateway.
    row("agent → alertmanager API", w.release("otel-agent"), w.release("alertmanager"), 9093);
    row("gateway → alertmanager API", w.release("otel-gateway"), w.release("alertmanager"), 9093);
    row("app → grafana", app, w.release("grafana"), 3000);
    row("app → gateway OTLP (only the agents and Kafka feed it)", app, w.release("otel-gateway"), 4317);
    if (!(r.variant && w.stack === "prod")) for (const port of [4317, 4318]) row("app in an unlisted namespace → agent OTLP", app, w.release("otel-agent"), port);
    row("a pod elsewhere wearing Mimir's labels → mimir gRPC", w.at(["default", "spoof"]), w.release("mimir"), 9095);
    row("another kube-system pod → grafana", w.at(["kube-system", "metrics-server"]), w.release("grafana"), 3000);
    row("Traefik → mimir", w.at(SIM.controllers.traefik), w.release("mimir"), 8080);
    if (r.variant && w.stack === "prod") row("Traefik (not the configured controller) → grafana", w.at(SIM.controllers.traefik), w.release("grafana"), 3000);
    row("gateway → mimir gRPC", w.release("otel-gateway"), w.release("mimir"), 9095);
    row("grafana → mimir but its query-frontend", w.release("grafana"), but("mimir", "query-frontend"), 8080);
    row("tempo → mimir but its distributor", w.release("tempo"), but("mimir", "distributor"), 8080);
    for (const x of ["grafana", "otel-gateway", "otel-agent"]) row(`${x} → the internet on 443`, w.release(x), [ip(SIM.internet)], 443);
    for (const x of ["grafana", "alertmanager", "otel-gateway", "otel-agent"]) row(`${x} → instance metadata`, w.release(x), [ip("169.254.169.254")], 80);
    row("agent → a node's SSH", w.release("otel-agent"), [ip(SIM[w.stack].nodeIp)], 22);
    if (r.variant && w.stack === "prod") row("a pod (not a node) → agent through the public rule", [ip(`${SIM.prod.podNet}.250`)], w.release("otel-agent"), 4317);
    if (w.stack === "prod") {
        for (const x of ["mimir", "loki", "tempo"]) {
            row(`anything but ${x} → ${x}'s memcached`, [...w.ours().filter(e => instance(e) !== x), ...app], w.caches(x), 11211);
            row(`${x}'s memcached → the internet`, w.caches(x), [ip(SIM.internet)], 443);
        }
        row("mimir's memcached → mimir gRPC", w.caches("mimir"), w.release("mimir"), 9095);
        row("agent → gateway (Kafka carries the agents' data)", w.release("otel-agent"), w.release("otel-gateway"), 4317);
    }
    return rows;
}

/**
 * Every other combination: other pods and addresses (applications, kube-system's, the internet, a node, a public
 * client) to our pods, our pods to each other and to those, on every port a policy names plus 22, 80 and an unused one; less what must be allowed and the documented
 * address-based allowances (HTTPS outside for S3/STS and the receivers, Kafka's port and prod Grafana's PostgreSQL
 * port anywhere, the agents' node ports).
 */
function completeDenyRows(w: World, r: Rendered, allowed: readonly Row[]): Row[] {
    const key = (f: Endpoint, t: Endpoint, port: number, protocol = "TCP") => `${name(f)}|${name(t)}|${port}|${protocol}`;
    const open = new Set(allowed.flatMap(a => a.pairs.map(([f, t]) => key(f, t, a.port, a.protocol))));
    const nodeCidrs = w.stack === "dev" ? ["10.20.0.0/16"] : r.variant ? [SIM.prod.nodeNet] : ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];
    const kafka = w.stack === "prod" ? ["mimir", "otel-gateway", "otel-agent"] : [];
    const addr = (e: Endpoint) => ("pod" in e ? e.pod.ip : e.ip);
    const broad = (f: Endpoint, t: Endpoint, port: number) => (kafka.includes(instance(f) ?? "") && port === 9096)
        || (w.stack === "prod" && instance(f) === "grafana" && port === 5432)
        || (instance(f) === "otel-agent" && [10250, 443, 6443].includes(port) && nodeCidrs.some(c => inCidr(addr(t), c)))
        // The rollout-operator and the API server, by the nodes' and control plane's addresses.
        || ("pod" in f && isRolloutOperator(f.pod) && [443, 6443].includes(port) && nodeCidrs.some(c => inCidr(addr(t), c)))
        // (its webhook port is open to those address ranges, which on an existing cluster may hold pods too).
        || ("pod" in t && isRolloutOperator(t.pod) && port === 8443 && nodeCidrs.some(c => inCidr(addr(f), c)))
        || (["mimir", "loki", "tempo", "alertmanager"].includes(instance(f) ?? "") && port === 443 && "ip" in t)
        // Configured: every namespace may send OTLP (the prod variant's otlpClientNamespaces ["*"]).
        || (r.variant && w.stack === "prod" && "pod" in f && instance(t) === "otel-agent" && [4317, 4318].includes(port));
    const ports = [...new Set([22, 80, 12345, ...w.policies.flatMap(p => [...(p.spec.ingress ?? []), ...(p.spec.egress ?? [])].flatMap(x => (x.ports ?? []).map(q => Number(q.port))))])];
    const others = [...w.pods.filter(p => !isOurs(p)).map(pod => ({ pod })), ip(SIM.internet), ip(SIM[w.stack].nodeIp), ip(SIM[w.stack].publicClient)];
    const candidates = [...cross(others, w.ours()), ...cross(w.ours(), [...w.ours(), ...others])];
    return ports.flatMap(port => (["TCP", "UDP"] as const).map(protocol => ({
        what: `everything else (${protocol})`, port, protocol,
        pairs: candidates.filter(([f, t]) => !open.has(key(f, t, port, protocol)) && !broad(f, t, port) && name(f) !== name(t)),
    })));
}

/** The stack rendered offline with more config (access the stack files leave at its default). */
async function renderWith(stack: Stack, extra: Record<string, unknown>): Promise<RenderedResource[]> {
    const files = readStackFiles(path.join(__dirname, ".."), stack);
    const config = { ...files.config, ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [`${files.project}:${k}`, typeof v === "string" ? v : JSON.stringify(v)])) };
    return (await runProgram({ ...files, config }, program)).resources;
}

const VARIANT = {
    dev: { otlpClientNamespaces: ["shop"] },
    prod: { otlpClientNamespaces: ["*"], ingressCidrs: ["203.0.113.0/24"], ingressController: "nginx", nodeCidrs: [SIM.prod.nodeNet] },
};
const renders: Rendered[] = [];
const memo = new Map<Rendered, { w: World; allow: Row[]; named: Row[]; complete: Row[] }>();
/** A render's world and tables (built once; the world's policies are back to the rendered ones after each test). */
const tables = (r: Rendered) => {
    if (!memo.has(r)) {
        const w = new World(r.stack, policiesOf(r.resources));
        const allow = mustAllow(w, r);
        memo.set(r, { w, allow, named: namedDenyRows(w, r), complete: completeDenyRows(w, r, allow) });
    }
    return memo.get(r)!;
};

describe("network policies (rendered stacks)", function () {
    this.timeout(300000);
    before(async () => {
        for (const stack of ["dev", "prod"] as const) renders.push({ stack, resources: (await renderedStack(stack)).run.resources, variant: false });
        for (const stack of ["dev", "prod"] as const) renders.push({ stack, resources: await renderWith(stack, VARIANT[stack]), variant: true });
    });

    it("default-deny in both directions in each namespace the stack creates, and a policy of its own for every real pod", () => {
        for (const r of renders) {
            const ps = policiesOf(r.resources);
            for (const ns of [NAMESPACE, AGENTS_NS]) {
                assert.deepEqual(ps.find(p => p.metadata.namespace === ns && p.metadata.name === "default-deny")?.spec, { podSelector: {}, policyTypes: ["Ingress", "Egress"] }, `${r.stack}/${ns}`);
            }
            const w = new World(r.stack, ps);
            const own = ps.filter(p => Object.keys(p.spec.podSelector).length > 0);
            for (const { pod } of w.ours()) assert.ok(own.some(p => p.metadata.namespace === pod.namespace && selects(p.spec.podSelector, pod.labels)), `${r.stack}: no policy selects ${pod.name}`);
            for (const p of own) assert.ok(w.pods.some(pod => pod.namespace === p.metadata.namespace && selects(p.spec.podSelector, pod.labels)), `${r.stack}: ${p.metadata.name} selects no pod`);
            const counts = [NAMESPACE, AGENTS_NS].map(ns => ps.filter(p => p.metadata.namespace === ns).length);
            // prod: one more, the rollout-operator's (zone StatefulSets).
            assert.deepEqual(counts, r.stack === "dev" ? [10, 3] : [19, 3], r.stack);
        }
    });

    it("lets every census connection and the stack's outside needs through, and denies the named table and everything else", () => {
        const sizes: string[] = [];
        for (const r of renders) {
            const { w, allow, named, complete } = tables(r);
            const label = `${r.stack}${r.variant ? " (more access configured)" : ""}`;
            assert.deepEqual(allow.flatMap(x => w.failures(x, true)), [], `${label}: must-allow rows denied`);
            assert.deepEqual(named.flatMap(x => w.failures(x, false)), [], `${label}: named must-deny rows allowed`);
            assert.deepEqual(complete.flatMap(x => w.failures(x, false)).slice(0, 20), [], `${label}: other connections allowed`);
            sizes.push(`${label}: ${allow.length} must-allow, ${named.length} must-deny rows, ${complete.reduce((n, x) => n + x.pairs.length, 0)} other pairs denied`);
        }
        assert.ok(renders.every(r => r.resources.length > 100) && sizes.length === 4, sizes.join("\n"));
    });

    it("needs every rule, every peer and every port: dropping one turns a must-allow row red", () => {
        const unneeded: string[] = [];
        for (const r of renders) {
            const { w, allow } = tables(r);
            const ps = w.policies;
            for (const [pi, p] of ps.entries()) {
                for (const dir of ["ingress", "egress"] as const) {
                    for (const [ri, rule] of (p.spec[dir] ?? []).entries()) {
                        const peersKey = dir === "ingress" ? "from" : "to";
                        const peers = (rule as Record<string, unknown[] | undefined>)[peersKey] ?? [];
                        const cuts: [string, (x: Record<string, unknown[]>[]) => void][] = [[`rule ${ri}`, x => { x.splice(ri, 1); }]];
                        if (peers.length > 1) peers.forEach((_, i) => cuts.push([`rule ${ri} peer ${i}`, x => { x[ri][peersKey].splice(i, 1); }]));
                        if ((rule.ports ?? []).length > 1) rule.ports!.forEach((_, i) => cuts.push([`rule ${ri} port ${i}`, x => { x[ri].ports.splice(i, 1); }]));
                        for (const [cut, edit] of cuts) {
                            const mutated = structuredClone(ps);
                            edit(mutated[pi].spec[dir] as unknown as Record<string, unknown[]>[]);
                            w.policies = mutated;
                            if (!allow.some(x => w.failures(x, true).length > 0)) unneeded.push(`${r.stack}${r.variant ? "+" : ""}: ${p.metadata.namespace}/${p.metadata.name} ${dir} ${cut}`);
                        }
                        w.policies = ps;
                    }
                }
            }
        }
        assert.deepEqual(unneeded, []);
    });

    it("opens a must-deny row on its own side when any rule is widened (any peer, any port) or any policy selects every pod", () => {
        const harmless: string[] = [];
        for (const r of renders.filter(x => !x.variant)) {
            const { w, named, complete } = tables(r);
            const ps = w.policies;
            // Each side of each must-deny pair that our policies shut, before any widening.
            const shutSides = [...named, ...complete].flatMap(row => row.pairs.flatMap(pair => {
                const v = w.verdict(pair, row);
                return (["ingress", "egress"] as const).filter(dir => shut(v[dir])).map(dir => ({ row, pair, dir, mine: pair[dir === "ingress" ? 1 : 0] as { pod: Pod } }));
            }));
            for (const [pi, p] of ps.entries()) {
                if (p.metadata.name === "default-deny") continue;
                // A side of ours that shut a must-deny pair now lets it through.
                const opens = (mutated: NetworkPolicy[], dir: "ingress" | "egress") => {
                    w.policies = mutated;
                    const found = shutSides.some(x => x.dir === dir && x.mine.pod.namespace === p.metadata.namespace && selects(mutated[pi].spec.podSelector, x.mine.pod.labels)
                        && !shut(w.verdict(x.pair, x.row)[dir]));
                    w.policies = ps;
                    return found;
                };
                for (const dir of ["ingress", "egress"] as const) {
                    for (const [ri, rule] of (p.spec[dir] ?? []).entries()) {
                        const peersKey = dir === "ingress" ? "from" : "to";
                        const anywhere = ((rule as Record<string, { ipBlock?: { cidr: string; except?: string[] } }[] | undefined>)[peersKey] ?? []).some(x => x.ipBlock?.cidr === "0.0.0.0/0" && !x.ipBlock.except);
                        const anyPeer = structuredClone(ps);
                        (anyPeer[pi].spec[dir] as unknown as Record<string, unknown>[])[ri][peersKey] = [{ namespaceSelector: {} }, { ipBlock: { cidr: "0.0.0.0/0" } }];
                        if (!anywhere && !opens(anyPeer, dir)) harmless.push(`${r.stack}: ${p.metadata.name} ${dir} rule ${ri}: any peer`);
                        const anyPort = structuredClone(ps);
                        delete (anyPort[pi].spec[dir] as unknown as Record<string, unknown>[])[ri].ports;
                        if (!opens(anyPort, dir)) harmless.push(`${r.stack}: ${p.metadata.name} ${dir} rule ${ri}: any port`);
                    }
                }
                // Widened to every pod of its namespace (unless it selects them all already).
                if (w.pods.some(pod => pod.namespace === p.metadata.namespace && !selects(p.spec.podSelector, pod.labels))) {
                    const everyPod = structuredClone(ps);
                    (everyPod[pi].spec as { podSelector: unknown }).podSelector = {};
                    if (!(p.spec.policyTypes ?? []).some(t => opens(everyPod, t === "Ingress" ? "ingress" : "egress"))) harmless.push(`${r.stack}: ${p.metadata.name}: podSelector {}`);
                }
            }
        }
        assert.deepEqual(harmless, []);
    });

    it("renders objects with only the fields of networking.k8s.io/v1 and values the API server accepts", () => {
        const fields = sdkFields();
        for (const r of renders) for (const p of policiesOf(r.resources)) assert.deepEqual(apiProblems(p, fields), [], `${r.stack}: ${p.metadata.name}`);
        // The checker sees what the API server refuses.
        const bad = structuredClone(policiesOf(renders[1].resources).find(p => p.metadata.name === "mimir")!) as unknown as { spec: Record<string, unknown[]>; metadata: { name: string } };
        bad.metadata.name = "Mimir_Policy";
        (bad.spec.ingress[0] as Record<string, unknown>).ports = [{ protocol: "tcp", port: 70000 }, { port: "x_y" }, { port: 80, endPort: 79 }];
        (bad.spec.egress[0] as Record<string, unknown>).to = [{ ipBlock: { cidr: "10.0.0.0/8", except: ["192.168.0.0/16"] }, podSelector: {} }, {}];
        bad.spec.policyTypes = ["Ingress", "Ingres"];
        (bad.spec as Record<string, unknown>).podSelectr = {};
        const problems = apiProblems(bad as unknown as NetworkPolicy, fields).join("\n");
        for (const m of [/name Mimir_Policy/, /protocol tcp/, /port 70000/, /port x_y/, /endPort 79/, /except 192\.168\.0\.0\/16/, /ipBlock with a selector/, /empty peer/, /policyTypes Ingres/, /unknown field spec\.podSelectr/]) assert.match(problems, m);
    });
});

describe("network policies (renderer)", () => {
    const input = (values: Record<string, string> = {}, secrets: Record<string, string> = {}) => {
        const config = parseStackConfig("dev", { values: { adminCidrs: '["198.51.100.10/32"]', ...values }, secrets, awsRegion: "eu-west-1" });
        return networkPolicyInput(planStack(config), config);
    };
    const policies = (values: Record<string, string>, secrets: Record<string, string> = {}) => renderNetworkPolicies(input(values, secrets));
    const egressOf = (ps: NetworkPolicy[], group: string) => ps.find(p => p.metadata.name === group)!.spec.egress ?? [];

    it("opens each remote-write target's port: to any address outside, to its namespace's pods for an in-cluster Service", () => {
        const ps = policies({ remoteWriteTargets: JSON.stringify([
            { name: "victoria", url: "https://vm.example.com:8428/api/v1/write" },
            { name: "thanos", url: "https://receive.monitoring.svc.cluster.local:19291/api/v1/receive" },
        ]) });
        const gateway = egressOf(ps, "otel-gateway");
        assert.deepEqual(gateway.find(r => r.ports?.[0].port === 8428), { to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ protocol: "TCP", port: 8428 }] });
        assert.deepEqual(gateway.find(r => r.ports?.[0].port === 19291), { to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }], ports: [{ protocol: "TCP", port: 19291 }] });
    });

    it("opens existing Kafka brokers' ports to the Kafka clients only", () => {
        const ps = policies({ kafka: "existing", kafkaBrokers: JSON.stringify(["b-1.kafka.internal:19096", "b-2.kafka.internal:19096"]) }, { kafkaPassword: "pw" });
        for (const group of ["otel-agent", "otel-gateway", "mimir"]) {
            assert.deepEqual(egressOf(ps, group).filter(r => r.ports?.some(p => p.port === 19096)), [{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ protocol: "TCP", port: 19096 }] }], group);
        }
        for (const group of ["loki", "tempo", "grafana", "alertmanager"]) assert.ok(!egressOf(ps, group).some(r => r.ports?.some(p => p.port === 19096)), group);
    });

    it("opens the API server to whoever calls it: the agents (k8s_attributes, discovery), a chart's sidecar once it is on", () => {
        const dev = input();
        const api = (ps: NetworkPolicy[], group: string) => egressOf(ps, group).filter(r => r.ports?.some(p => p.port === 6443));
        const nodes = [{ ipBlock: { cidr: "10.20.0.0/16" } }];
        assert.deepEqual(api(renderNetworkPolicies(dev), "otel-agent"), [{ to: nodes, ports: [{ protocol: "TCP", port: 6443 }, { protocol: "TCP", port: 10250 }] }]);
        for (const group of ["otel-gateway", "grafana", "loki", "mimir"]) assert.deepEqual(api(renderNetworkPolicies(dev), group), [], group);
        const withSidecar = { ...dev, backends: dev.backends.map(b => (b.name === "grafana" ? { ...b, values: { ...b.values, sidecar: { dashboards: { enabled: true } } } } : b)) };
        assert.deepEqual(api(renderNetworkPolicies(withSidecar), "grafana"), [{ to: nodes, ports: [{ protocol: "TCP", port: 6443 }] }]);
    });

    it("refuses an address in the stack's namespaces that no release serves", () => {
        const dev = input();
        const grafana = dev.backends.find(b => b.name === "grafana")!;
        const values = structuredClone(grafana.values) as { datasources: { "datasources.yaml": { datasources: { url: string }[] } } };
        values.datasources["datasources.yaml"].datasources[0].url = "https://pyroscope.observability.svc:4040";
        const broken = { ...dev, backends: dev.backends.map(b => (b === grafana ? { ...b, values } : b)) };
        assert.throws(() => renderNetworkPolicies(broken), /pyroscope\.observability is no Service of the stack/);
    });
});

describe("network access config", () => {
    const parse = (values: Record<string, string>, clusterKind: "ec2-k3s" | "existing" = "existing", ingressController: "traefik" | "nginx" = "traefik") => {
        const r = new ConfigReader({ values, secrets: {} });
        const access = parseNetworkAccess(r, { clusterKind, vpcCidr: "10.20.0.0/16", ingressController });
        return { access, problems: r.problems.map(p => `${p.key.split(":").pop()} ${JSON.stringify(p.value)}: ${p.message}`) };
    };

    it("defaults to no OTLP clients, the host's VPC or the private ranges as nodes, and the controller's usual namespace", () => {
        assert.deepEqual(parse({}, "ec2-k3s").access, { otlpClientNamespaces: [], nodeCidrs: ["10.20.0.0/16"], ingressControllerNamespace: "kube-system" });
        assert.deepEqual(parse({}, "existing", "nginx").access, { otlpClientNamespaces: [], nodeCidrs: [...DEFAULT_EXISTING_NODE_CIDRS], ingressControllerNamespace: "ingress-nginx" });
        const set = parse({ otlpClientNamespaces: '["shop", "payments"]', nodeCidrs: '["10.0.0.0/19"]', ingressControllerNamespace: "traefik" });
        assert.deepEqual(set, { access: { otlpClientNamespaces: ["shop", "payments"], nodeCidrs: ["10.0.0.0/19"], ingressControllerNamespace: "traefik" }, problems: [] });
    });

    it("refuses bad namespaces, * among names, the whole internet as nodes, and another namespace for k3s's Traefik", () => {
        const cases: [Record<string, string>, "ec2-k3s" | "existing", RegExp][] = [
            [{ otlpClientNamespaces: '["Shop"]' }, "existing", /otlpClientNamespaces "Shop": not a namespace name/],
            [{ otlpClientNamespaces: '["shop", "shop"]' }, "existing", /listed twice/],
            [{ otlpClientNamespaces: '["*", "shop"]' }, "existing", /already means every namespace/],
            [{ nodeCidrs: '["0.0.0.0/0"]' }, "existing", /nodeCidrs "0.0.0.0\/0": the whole internet/],
            [{ nodeCidrs: '["10.0.0.1/16"]' }, "existing", /host bits are set \(did you mean 10.0.0.0\/16\?\)/],
            [{ nodeCidrs: "[]" }, "existing", /empty: the agents could not reach the kubelet/],
            [{ ingressControllerNamespace: "traefik" }, "ec2-k3s", /bundled Traefik runs in kube-system/],
            [{ ingressControllerNamespace: "Ingress" }, "existing", /not a namespace name/],
        ];
        for (const [values, kind, message] of cases) {
            const { problems } = parse(values, kind);
            assert.equal(problems.length, 1, JSON.stringify(problems));
            assert.match(problems[0], message);
        }
    });
});
