// Network access beyond the stack's own connections, for its NetworkPolicies (components/network-policies.ts):
// which applications' namespaces may send OTLP to the agents, where the nodes are (kubelet, API server), and where
// the ingress controller in front of Grafana runs.
import type { IngressController } from "../render/backends/grafana";
import { canonicalCidr, parseCidr } from "../render/net";
import { ConfigReader } from "./reader";
import type { ClusterKind, NetworkAccessConfig } from "./schema";

/** Where each controller usually runs: k3s's bundled Traefik in kube-system, ingress-nginx in its own namespace. */
export const DEFAULT_INGRESS_CONTROLLER_NAMESPACE: Readonly<Record<IngressController, string>> = { traefik: "kube-system", nginx: "ingress-nginx" };
/**
 * The nodes of an existing cluster, unless `nodeCidrs` names them: the private ranges (RFC 1918). The agents may reach
 * only the kubelet and API server ports there.
 */
export const DEFAULT_EXISTING_NODE_CIDRS = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"] as const;
/** Every namespace. */
export const ALL_NAMESPACES = "*";

const NAMESPACE_RE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const NAMESPACE_ALLOWED = "a namespace name (lower-case letters, digits and '-', at most 63)";

export function parseNetworkAccess(r: ConfigReader, ctx: { clusterKind: ClusterKind; vpcCidr: string; ingressController: IngressController }): NetworkAccessConfig {
    const otlpClientNamespaces = namespaceList(r);
    const nodeCidrs = nodeCidrList(r) ?? (ctx.clusterKind === "ec2-k3s" ? [ctx.vpcCidr] : [...DEFAULT_EXISTING_NODE_CIDRS]);
    const ingressControllerNamespace = r.text("ingressControllerNamespace") ?? DEFAULT_INGRESS_CONTROLLER_NAMESPACE[ctx.ingressController];
    if (!NAMESPACE_RE.test(ingressControllerNamespace)) r.add("ingressControllerNamespace", ingressControllerNamespace, "not a namespace name", NAMESPACE_ALLOWED);
    // Checked only when set: unset, it follows ingressController, whose own check reports a k3s mismatch.
    else if (ctx.clusterKind === "ec2-k3s" && r.text("ingressControllerNamespace") !== undefined && ingressControllerNamespace !== DEFAULT_INGRESS_CONTROLLER_NAMESPACE.traefik) {
        r.add("ingressControllerNamespace", ingressControllerNamespace, "the k3s host's bundled Traefik runs in kube-system", "kube-system (or unset) for clusterKind ec2-k3s");
    }
    return { otlpClientNamespaces, nodeCidrs, ingressControllerNamespace };
}

function namespaceList(r: ConfigReader): string[] {
    const key = "otlpClientNamespaces";
    const list = r.json(key, "array") as unknown[] | undefined;
    if (list === undefined) return [];
    const allowed = `namespace names whose pods may send OTLP to the agents, e.g. ["shop", "payments"], or ["${ALL_NAMESPACES}"] for every namespace`;
    const out: string[] = [];
    for (const item of list) {
        if (typeof item !== "string" || (item !== ALL_NAMESPACES && !NAMESPACE_RE.test(item))) r.add(key, item, "not a namespace name", allowed);
        else if (out.includes(item)) r.add(key, item, "listed twice", "each namespace once");
        else out.push(item);
    }
    if (out.includes(ALL_NAMESPACES) && out.length > 1) r.add(key, out, `"${ALL_NAMESPACES}" already means every namespace`, `["${ALL_NAMESPACES}"] alone, or namespace names`);
    return out;
}

function nodeCidrList(r: ConfigReader): string[] | undefined {
    const key = "nodeCidrs";
    const list = r.json(key, "array") as unknown[] | undefined;
    if (list === undefined) return undefined;
    const allowed = "the nodes' (and the API server's) IPv4/IPv6 CIDR blocks, e.g. the cluster's subnets 10.0.0.0/19; never 0.0.0.0/0 or ::/0";
    const out: string[] = [];
    for (const item of list) {
        const cidr = typeof item === "string" ? parseCidr(item) : undefined;
        if (!cidr) r.add(key, item, "not a CIDR block", allowed);
        else if (cidr.hostBitsSet) r.add(key, item, `host bits are set (did you mean ${canonicalCidr(cidr)}?)`, allowed);
        else if (cidr.prefix === 0) r.add(key, item, "the whole internet is not the cluster's nodes", allowed);
        else if (out.includes(cidr.text)) r.add(key, item, "listed twice", "each CIDR block once");
        else out.push(cidr.text);
    }
    if (list.length === 0) r.add(key, list, "empty: the agents could not reach the kubelet nor the Kubernetes API", allowed);
    return out;
}
