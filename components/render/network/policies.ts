// The stack's NetworkPolicies: default-deny in both directions in each namespace the stack creates, then
// exactly the connections the stack makes (stackFlows, the TLS census's connections), DNS, the Kubernetes API and the
// kubelet for the agents, HTTPS out of the cluster for what calls AWS or the alert receivers, Kafka, Grafana's
// database (prod), OTLP from the applications' namespaces to the agents, and the ingress controller to Grafana.
// Pure: no provider SDK, no Outputs.
import { ALERTMANAGER_RELEASE } from "../backends/alertmanager";
import { GRAFANA_PORT, GRAFANA_RELEASE, grafanaDatabasePort, IngressController } from "../backends/grafana";
import { OTLP_GRPC_PORT, OTLP_HTTP_PORT } from "../collector/otel";
import { stackFlows } from "./flows";
import type { IpBlock, NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort, Protocol } from "./reachability";
import { collectorGroup, NAMESPACE_NAME_LABEL, PodGroup, releaseGroup, StackReleases } from "./workloads";

/** Cluster DNS: CoreDNS's pods (`k8s-app: kube-dns` on k3s and EKS alike) in kube-system, UDP and TCP 53. */
export const CLUSTER_DNS = { namespace: "kube-system", labels: { "k8s-app": "kube-dns" }, port: 53 } as const;
/**
 * Addresses that are not the internet: RFC 1918, shared address space (RFC 6598, some pod networks) and link-local
 * (IMDS, node-local DNS). Every cluster's pod and service networks are among them, so `0.0.0.0/0` minus these is
 * "outside the cluster" without naming it: NetworkPolicy knows no host names, so S3 and STS are reached this way.
 */
export const NON_PUBLIC_CIDRS = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16"] as const;
export const INTERNET: IpBlock = { cidr: "0.0.0.0/0", except: [...NON_PUBLIC_CIDRS] };
export const ANYWHERE: IpBlock = { cidr: "0.0.0.0/0" };
export const HTTPS_PORT = 443;
/** The EC2 instance metadata service: the node's instance role, for pods without a role of their own. */
export const INSTANCE_METADATA = { cidr: "169.254.169.254/32", port: 80 } as const;
export const KUBELET_PORT = 10250;
/** The API server behind Service `kubernetes`: 6443 on k3s (the node) and kubeadm-style clusters, 443 on EKS and GKE. */
export const API_SERVER_PORTS = { k3s: [6443], any: [443, 6443] } as const;
/** The ingress controllers' pods: Traefik's chart's selector label, ingress-nginx's controller. */
export const INGRESS_CONTROLLER_PODS: Readonly<Record<IngressController, Readonly<Record<string, string>>>> = {
    traefik: { "app.kubernetes.io/name": "traefik" },
    nginx: { "app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "controller" },
};
/** k3s's ServiceLB: per LoadBalancer Service a DaemonSet in kube-system whose pods forward (and masquerade) its ports. */
export const serviceLbPods = (service: string, namespace: string) => ({
    "svccontroller.k3s.cattle.io/svcname": service,
    "svccontroller.k3s.cattle.io/svcnamespace": namespace,
});
export const DEFAULT_DENY = "default-deny";
export const ALLOW_DNS = "allow-dns";
const LABELS = { "app.kubernetes.io/part-of": "observability-stack", "app.kubernetes.io/managed-by": "pulumi" };

/** What the network allows beyond the stack's own connections, from the config. */
export interface NetworkAccess {
    /** Namespaces whose pods may send OTLP to the agents (`*`: every namespace); none by default. */
    readonly otlpClientNamespaces: readonly string[];
    /** Node and control-plane addresses: the agents reach the kubelet and the API server there. */
    readonly nodeCidrs: readonly string[];
    /** The API server's ports behind Service `kubernetes` (API_SERVER_PORTS). */
    readonly apiServerPorts: readonly number[];
    /** Sources of the public OTLP endpoint (the agents' LoadBalancer); none: the endpoint is internal. */
    readonly ingressCidrs: readonly string[];
    readonly ingressController: { readonly kind: IngressController; readonly namespace: string };
    /** k3s: ServiceLB's pods forward the LoadBalancer's traffic from this namespace (absent: a cloud load balancer). */
    readonly serviceLbNamespace?: string;
    /** The Kafka brokers' ports, when Kafka is on. */
    readonly kafkaPorts: readonly number[];
}

export interface NetworkPolicyInput extends StackReleases {
    readonly access: NetworkAccess;
}

interface GroupRule {
    readonly group: PodGroup;
    readonly direction: "ingress" | "egress";
    readonly peers: readonly NetworkPolicyPeer[];
    readonly ports: readonly NetworkPolicyPort[];
}

const tcp = (ports: readonly number[]): NetworkPolicyPort[] => ports.map(port => ({ protocol: "TCP" as Protocol, port }));
const inNamespace = (ns: string) => ({ matchLabels: { [NAMESPACE_NAME_LABEL]: ns } });
/** A peer for `group` as seen from a policy in `from`: a pod selector, with the namespace's when it is another one. */
const peerOf = (group: PodGroup, from: string): NetworkPolicyPeer =>
    group.namespace === from ? { podSelector: group.selector } : { namespaceSelector: inNamespace(group.namespace), podSelector: group.selector };

/** Every NetworkPolicy of the stack, namespace by namespace: default-deny, DNS, then one policy per pod group. */
export function renderNetworkPolicies(input: NetworkPolicyInput): NetworkPolicy[] {
    const a = input.access;
    const { flows, external, kafkaClients, storing, apiClients, kubeletClients, webhookServers } = stackFlows(input);
    const rules: GroupRule[] = [];
    const add = (group: PodGroup, direction: GroupRule["direction"], peers: readonly NetworkPolicyPeer[], ports: readonly NetworkPolicyPort[]) => {
        if (peers.length > 0 && ports.length > 0) rules.push({ group, direction, peers, ports });
    };
    for (const f of flows) {
        add(f.from, "egress", [peerOf(f.to, f.from.namespace)], tcp(f.ports));
        add(f.to, "ingress", [peerOf(f.from, f.to.namespace)], tcp(f.ports));
    }
    // Addresses outside the stack the configs name (remote-write targets): their port, to any address, or to the pods
    // of the namespace of an in-cluster Service (its pods' port must be the Service's: policies see the pod port).
    for (const x of external) add(x.from, "egress", [x.namespace ? { namespaceSelector: inNamespace(x.namespace) } : { ipBlock: ANYWHERE }], tcp([x.port]));
    // S3 (and STS for a role of their own) over HTTPS outside the cluster; the node's instance role through IMDS without one.
    for (const { group, instanceRole } of storing) {
        add(group, "egress", [{ ipBlock: INTERNET }], tcp([HTTPS_PORT]));
        if (instanceRole) add(group, "egress", [{ ipBlock: { cidr: INSTANCE_METADATA.cidr } }], tcp([INSTANCE_METADATA.port]));
    }
    const backend = (name: string) => {
        const r = input.backends.find(b => b.name === name);
        if (!r) throw new Error(`no ${name} release among the backends`);
        return releaseGroup(r, input.namespace);
    };
    // Alertmanager's receivers (PagerDuty, Opsgenie, Slack, the dead man's switch) are HTTPS services outside.
    add(backend(ALERTMANAGER_RELEASE), "egress", [{ ipBlock: INTERNET }], tcp([HTTPS_PORT]));
    // Kafka: the brokers' TLS listeners; MSK's addresses exist only after the cluster does, so any address.
    if (kafkaClients.length > 0 && a.kafkaPorts.length === 0) throw new Error(`${kafkaClients.map(g => g.name).join(", ")} talk to Kafka, and no broker port is given`);
    for (const g of kafkaClients) add(g, "egress", [{ ipBlock: ANYWHERE }], tcp(a.kafkaPorts));
    // Grafana's database (prod: the stack's RDS PostgreSQL in the cluster's VPC): its address exists only after the
    // instance does, so any address, on PostgreSQL's port only (its security group admits only the nodes' groups).
    const databasePort = grafanaDatabasePort(input.backends.find(r => r.name === GRAFANA_RELEASE)?.values ?? {});
    if (databasePort !== undefined) add(backend(GRAFANA_RELEASE), "egress", [{ ipBlock: ANYWHERE }], tcp([databasePort]));
    // On the nodes: the API server for whoever calls it (the agents' k8s_attributes and discovery; a chart's sidecar
    // when on), the kubelet for kubelet_stats.
    const nodes = a.nodeCidrs.map(cidr => ({ ipBlock: { cidr } }));
    for (const g of apiClients) add(g, "egress", nodes, tcp(a.apiServerPorts));
    for (const g of kubeletClients) add(g, "egress", nodes, tcp([KUBELET_PORT]));
    // The API server (on the nodes' and control plane's addresses) calling admission webhooks.
    for (const w of webhookServers) add(w.group, "ingress", nodes, tcp([w.port]));
    add(collectorGroup(input.agent, input.agentNamespace), "ingress", otlpSources(input), tcp([OTLP_GRPC_PORT, OTLP_HTTP_PORT]));
    // Grafana's HTTPS behind its Ingress: the controller's pods.
    add(backend(GRAFANA_RELEASE), "ingress", [{ namespaceSelector: inNamespace(a.ingressController.namespace), podSelector: { matchLabels: INGRESS_CONTROLLER_PODS[a.ingressController.kind] } }], tcp([GRAFANA_PORT]));

    return [input.namespace, input.agentNamespace].flatMap(ns => [
        policy(DEFAULT_DENY, ns, { podSelector: {}, policyTypes: ["Ingress", "Egress"] }),
        policy(ALLOW_DNS, ns, {
            podSelector: {},
            policyTypes: ["Egress"],
            egress: [{
                to: [{ namespaceSelector: inNamespace(CLUSTER_DNS.namespace), podSelector: { matchLabels: CLUSTER_DNS.labels } }],
                ports: (["UDP", "TCP"] as const).map(protocol => ({ protocol, port: CLUSTER_DNS.port })),
            }],
        }),
        ...groupPolicies(rules.filter(r => r.group.namespace === ns)),
    ]);
}

/** Who may send OTLP to the agents: the listed namespaces; with ingress CIDRs, the public endpoint's sources too. */
function otlpSources(input: NetworkPolicyInput): NetworkPolicyPeer[] {
    const a = input.access;
    const all = a.otlpClientNamespaces.includes("*");
    const namespaces = a.otlpClientNamespaces.filter(n => n !== "*");
    const peers: NetworkPolicyPeer[] = all
        ? [{ namespaceSelector: {} }]
        : namespaces.length > 0 ? [{ namespaceSelector: { matchExpressions: [{ key: NAMESPACE_NAME_LABEL, operator: "In", values: [...namespaces].sort() }] } }] : [];
    if (a.ingressCidrs.length === 0) return peers;
    // Clients whose address reaches the pod (a load balancer that keeps it), and the forwarders of the LoadBalancer:
    // k3s's ServiceLB pods (which filter by loadBalancerSourceRanges themselves), or the nodes a cloud load balancer
    // sends through (externalTrafficPolicy Cluster masquerades as the node).
    const forwarders: NetworkPolicyPeer[] = a.serviceLbNamespace !== undefined
        ? [{ namespaceSelector: inNamespace(a.serviceLbNamespace), podSelector: { matchLabels: serviceLbPods(input.agent.name, input.agentNamespace) } }]
        : a.nodeCidrs.map(cidr => ({ ipBlock: { cidr } }));
    return [...peers, ...a.ingressCidrs.map(cidr => ({ ipBlock: { cidr } })), ...forwarders];
}

function policy(name: string, namespace: string, spec: NetworkPolicy["spec"]): NetworkPolicy {
    return { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name, namespace, labels: LABELS }, spec };
}

/** One policy per pod group: its ingress and egress rules, rules to the same peers merged (ports in order). */
function groupPolicies(rules: readonly GroupRule[]): NetworkPolicy[] {
    const groups = new Map<string, PodGroup>();
    for (const r of rules) {
        const seen = groups.get(r.group.name);
        if (seen && JSON.stringify(seen.selector) !== JSON.stringify(r.group.selector)) throw new Error(`two pod groups named ${r.group.name} select different pods`);
        groups.set(r.group.name, r.group);
    }
    return [...groups.values()].sort((x, y) => x.name.localeCompare(y.name)).map(g => {
        const mine = rules.filter(r => r.group.name === g.name);
        const section = (direction: GroupRule["direction"]) => {
            const byPeers = new Map<string, { peers: readonly NetworkPolicyPeer[]; ports: NetworkPolicyPort[] }>();
            for (const r of mine.filter(x => x.direction === direction)) {
                const key = JSON.stringify(r.peers);
                const entry = byPeers.get(key) ?? { peers: r.peers, ports: [] };
                for (const p of r.ports) if (!entry.ports.some(q => q.port === p.port && q.protocol === p.protocol)) entry.ports.push(p);
                byPeers.set(key, entry);
            }
            return [...byPeers.values()].map(e => ({ peers: e.peers, ports: e.ports.sort((p, q) => Number(p.port) - Number(q.port)) }));
        };
        const ingress = section("ingress").map(e => ({ from: e.peers, ports: e.ports }));
        const egress = section("egress").map(e => ({ to: e.peers, ports: e.ports }));
        return policy(g.name, g.namespace, {
            podSelector: g.selector,
            policyTypes: [...(ingress.length > 0 ? ["Ingress" as const] : []), ...(egress.length > 0 ? ["Egress" as const] : [])],
            ...(ingress.length > 0 ? { ingress } : {}),
            ...(egress.length > 0 ? { egress } : {}),
        });
    });
}
