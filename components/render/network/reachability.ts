// Kubernetes NetworkPolicy objects (networking.k8s.io/v1) and a pure evaluator of their semantics: which connections
// a set of policies lets through. Pure: no provider SDK, no Outputs.
//
// The semantics (https://kubernetes.io/docs/concepts/services-networking/network-policies/):
// - A policy selects pods of its own namespace by `podSelector` (`{}`: every pod there). `policyTypes` says which
//   directions it governs; absent, it is `Ingress`, plus `Egress` when the policy has an `egress` section.
// - A pod is isolated for a direction when any policy governing that direction selects it. A non-isolated pod allows
//   everything in that direction; an isolated one only what some selecting policy's rules allow (rules add up).
// - A connection goes through when the source's egress allows it AND the destination's ingress allows it (a side
//   that is not a pod, an address outside the cluster, has no policy of its own).
// - A rule matches when a peer matches the other side (an absent or empty `from`/`to` matches everything) and a port
//   entry matches the destination port (absent or empty `ports`: every port). A peer is `podSelector` (pods of the
//   policy's namespace), `namespaceSelector` (every pod of the selected namespaces), both (those pods in those
//   namespaces), or `ipBlock` (addresses in `cidr` but not in any `except`; implementations differ on whether it
//   applies to pod addresses: this evaluator applies it to them, the stricter reading for what must be denied).
// - A port entry: `protocol` (default TCP), `port` as a number or a container port name of the destination pod
//   (absent: every port of the protocol), `endPort` making a range.
// Traffic between a pod and itself, and from the pod's node (kubelet probes), is always allowed.
import { parseCidr } from "../net";
import type { LabelSelector } from "./workloads";

export type Protocol = "TCP" | "UDP" | "SCTP";

export interface IpBlock {
    readonly cidr: string;
    readonly except?: readonly string[];
}

export interface NetworkPolicyPeer {
    readonly podSelector?: LabelSelector;
    readonly namespaceSelector?: LabelSelector;
    readonly ipBlock?: IpBlock;
}

export interface NetworkPolicyPort {
    readonly protocol?: Protocol;
    readonly port?: number | string;
    readonly endPort?: number;
}

export interface NetworkPolicyIngressRule {
    readonly from?: readonly NetworkPolicyPeer[];
    readonly ports?: readonly NetworkPolicyPort[];
}

export interface NetworkPolicyEgressRule {
    readonly to?: readonly NetworkPolicyPeer[];
    readonly ports?: readonly NetworkPolicyPort[];
}

export interface NetworkPolicySpec {
    readonly podSelector: LabelSelector;
    readonly policyTypes?: readonly ("Ingress" | "Egress")[];
    readonly ingress?: readonly NetworkPolicyIngressRule[];
    readonly egress?: readonly NetworkPolicyEgressRule[];
}

export interface NetworkPolicy {
    readonly apiVersion: "networking.k8s.io/v1";
    readonly kind: "NetworkPolicy";
    readonly metadata: { readonly name: string; readonly namespace: string; readonly labels?: Readonly<Record<string, string>> };
    readonly spec: NetworkPolicySpec;
}

/** A pod as the evaluator sees it: where it is, its labels, its address and its named container ports. */
export interface Pod {
    readonly name: string;
    readonly namespace: string;
    readonly labels: Readonly<Record<string, string>>;
    readonly ip: string;
    readonly ports?: readonly { readonly name: string; readonly containerPort: number; readonly protocol?: Protocol }[];
}

/** One end of a connection: a pod, or an address outside the cluster. */
export type Endpoint = { readonly pod: Pod } | { readonly ip: string };

export interface Connection {
    readonly from: Endpoint;
    readonly to: Endpoint;
    readonly port: number;
    readonly protocol?: Protocol;
}

/** What the evaluator knows of the cluster: the policies and each namespace's labels (defaults: just its name). */
export interface Cluster {
    readonly policies: readonly NetworkPolicy[];
    readonly namespaceLabels?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** One side's decision: not isolated, allowed by the named policies, or denied. */
export type SideVerdict = { readonly isolated: false } | { readonly isolated: true; readonly allowedBy: readonly string[] };

export interface Verdict {
    readonly allowed: boolean;
    readonly egress: SideVerdict;
    readonly ingress: SideVerdict;
}

/** Does `selector` select `labels`? (`{}` selects everything.) */
export function selects(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
    for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
    for (const e of selector.matchExpressions ?? []) {
        const has = Object.hasOwn(labels, e.key);
        const inValues = has && (e.values ?? []).includes(labels[e.key]);
        const ok = e.operator === "In" ? inValues : e.operator === "NotIn" ? !inValues : e.operator === "Exists" ? has : !has;
        if (!ok) return false;
    }
    return true;
}

/** Is the address inside the block (IPv4 or IPv6, same family only)? */
export function inCidr(ip: string, cidr: string): boolean {
    const block = parseCidr(cidr);
    const host = parseCidr(`${ip}/${ip.includes(":") ? 128 : 32}`);
    if (!block || !host || block.family !== host.family) return false;
    const shift = BigInt(block.bits - block.prefix);
    return host.network >> shift === block.network >> shift;
}

const ipOf = (e: Endpoint) => ("pod" in e ? e.pod.ip : e.ip);
const nsLabels = (c: Cluster, ns: string) => c.namespaceLabels?.[ns] ?? { "kubernetes.io/metadata.name": ns };

function peerMatches(c: Cluster, policyNamespace: string, peer: NetworkPolicyPeer, other: Endpoint): boolean {
    if (peer.ipBlock) {
        const ip = ipOf(other);
        return inCidr(ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some(x => inCidr(ip, x));
    }
    if (!("pod" in other)) return false;
    if (peer.podSelector === undefined && peer.namespaceSelector === undefined) return false;
    const nsOk = peer.namespaceSelector === undefined ? other.pod.namespace === policyNamespace : selects(peer.namespaceSelector, nsLabels(c, other.pod.namespace));
    return nsOk && (peer.podSelector === undefined || selects(peer.podSelector, other.pod.labels));
}

function portMatches(p: NetworkPolicyPort, port: number, protocol: Protocol, destination: Endpoint): boolean {
    if ((p.protocol ?? "TCP") !== protocol) return false;
    if (p.port === undefined) return true;
    if (typeof p.port === "string") {
        // A named port resolves against the destination pod's container ports (an address has none).
        if (!("pod" in destination)) return false;
        return (destination.pod.ports ?? []).some(cp => cp.name === p.port && cp.containerPort === port && (cp.protocol ?? "TCP") === protocol);
    }
    return p.endPort === undefined ? p.port === port : port >= p.port && port <= p.endPort;
}

const governs = (p: NetworkPolicy, type: "Ingress" | "Egress") =>
    (p.spec.policyTypes ?? (p.spec.egress !== undefined ? ["Ingress", "Egress"] : ["Ingress"])).includes(type);

/** One side of a connection: the policies isolating `self` in that direction, and which of them allow the peer. */
function side(c: Cluster, type: "Ingress" | "Egress", self: Pod, other: Endpoint, port: number, protocol: Protocol, destination: Endpoint): SideVerdict {
    const selecting = c.policies.filter(p => p.metadata.namespace === self.namespace && governs(p, type) && selects(p.spec.podSelector, self.labels));
    if (selecting.length === 0) return { isolated: false };
    const allowedBy = selecting.filter(p => {
        const rules = (type === "Ingress" ? p.spec.ingress : p.spec.egress) ?? [];
        return rules.some(r => {
            const peers = type === "Ingress" ? (r as NetworkPolicyIngressRule).from : (r as NetworkPolicyEgressRule).to;
            const peerOk = peers === undefined || peers.length === 0 || peers.some(peer => peerMatches(c, p.metadata.namespace, peer, other));
            const portOk = r.ports === undefined || r.ports.length === 0 || r.ports.some(pp => portMatches(pp, port, protocol, destination));
            return peerOk && portOk;
        });
    }).map(p => `${p.metadata.namespace}/${p.metadata.name}`);
    return { isolated: true, allowedBy };
}

const open = (v: SideVerdict) => !v.isolated || v.allowedBy.length > 0;

/** Whether the policies let `conn` through, with each side's verdict. */
export function evaluate(c: Cluster, conn: Connection): Verdict {
    const protocol = conn.protocol ?? "TCP";
    const samePod = "pod" in conn.from && "pod" in conn.to && conn.from.pod.namespace === conn.to.pod.namespace && conn.from.pod.name === conn.to.pod.name;
    const egress: SideVerdict = samePod || !("pod" in conn.from) ? { isolated: false } : side(c, "Egress", conn.from.pod, conn.to, conn.port, protocol, conn.to);
    const ingress: SideVerdict = samePod || !("pod" in conn.to) ? { isolated: false } : side(c, "Ingress", conn.to.pod, conn.from, conn.port, protocol, conn.to);
    return { allowed: open(egress) && open(ingress), egress, ingress };
}
