// Pure description of the PKI: which identities get certificates and what names they carry.
import { AGENT_NAMESPACE } from "./collector/otel";

/** Kubernetes namespace of the observability backends and collectors. */
export const NAMESPACE = "observability";

export interface ServerIdentity {
    /** Certificate name, also the child resource suffix. */
    readonly name: string;
    /** Kubernetes Service names this server answers on. */
    readonly services: readonly string[];
    /** Public host label under the configured domain (`<label>.<domain>`), if it has a public endpoint. */
    readonly publicLabel?: string;
    /** Namespace of its Services when not the backends' namespace. */
    readonly namespace?: string;
}

/** Servers that present a certificate from the stack's CA. */
export const SERVER_IDENTITIES: readonly ServerIdentity[] = [
    // The first Service is the name every internal client verifies (`tls_server_name`); the others are the
    // Services of the dev (monolithic) and prod (distributed) charts, so one certificate serves both modes.
    { name: "loki", services: ["loki", "loki-headless", "loki-memberlist", ...prefixed("loki", ["distributor", "query-frontend", "query-scheduler", "querier", "ingester", "index-gateway", "compactor", "ruler"])] },
    { name: "tempo", services: ["tempo", "tempo-headless", "tempo-gossip-ring", ...prefixed("tempo", ["distributor", "query-frontend", "querier", "ingester", "compactor", "metrics-generator"])] },
    { name: "mimir", services: ["mimir", "mimir-gossip-ring", ...prefixed("mimir", ["distributor", "query-frontend", "query-scheduler", "querier", "ingester", "store-gateway", "compactor", "ruler"])] },
    { name: "grafana", services: ["grafana"], publicLabel: "grafana" },
    { name: "alertmanager", services: ["alertmanager", "alertmanager-headless"] },
    // Applications (in-cluster and, through the LoadBalancer, outside) send OTLP to the agents; only agents reach the gateway.
    { name: "otel-agent", services: ["otel-agent"], publicLabel: "otlp", namespace: AGENT_NAMESPACE },
    { name: "otel-gateway", services: ["otel-gateway", "otel-gateway-headless"] },
];

function prefixed(release: string, components: readonly string[]): string[] {
    return components.flatMap(c => [`${release}-${c}`, `${release}-${c}-headless`]);
}

/**
 * Clients that authenticate with a certificate from the stack's CA: the collectors and Grafana, and each backend that
 * also dials (its own components' gRPC, memcached, gossip peers, the ruler's Alertmanager, remote write). A server
 * certificate authenticates only servers (server_auth), a client certificate only clients (client_auth).
 */
export const CLIENT_IDENTITIES = ["otel-agent", "otel-gateway", "grafana", "loki", "tempo", "mimir", "alertmanager"] as const;
export type ClientIdentity = (typeof CLIENT_IDENTITIES)[number];

/**
 * Key usages (`@pulumi/tls` allowedUses) of the CAs, and of the leaves: each authenticates one side only, so a
 * backend that also dials presents its client certificate, never its server one. The keys are ECDSA, which signs and
 * never enciphers: no key_encipherment.
 */
export const CA_USES: readonly string[] = ["cert_signing", "crl_signing", "digital_signature"];
export const SERVER_USES: readonly string[] = ["digital_signature", "server_auth"];
export const CLIENT_USES: readonly string[] = ["digital_signature", "client_auth"];

/** Organizational unit of every OTLP client certificate (`otlpClients`): they are not the stack's CA's, nor its services'. */
export const OTLP_CLIENT_OU = "otlp-client";

/** DNS SANs of a server: every in-cluster form of each Service name, plus the public name. */
export function serverDnsNames(id: ServerIdentity, domain?: string, defaultNamespace: string = NAMESPACE): string[] {
    const namespace = id.namespace ?? defaultNamespace;
    const names = id.services.flatMap(s => [s, `${s}.${namespace}`, `${s}.${namespace}.svc`, `${s}.${namespace}.svc.cluster.local`]);
    if (domain !== undefined && id.publicLabel !== undefined) names.push(`${id.publicLabel}.${domain}`);
    return names;
}

/** The CAs k3s needs in /var/lib/rancher/k3s/server/tls before its first start (etcd ones even with SQLite). */
export const K3S_CAS = ["server-ca", "client-ca", "request-header-ca", "etcd/peer-ca", "etcd/server-ca"] as const;
export type K3sCa = (typeof K3S_CAS)[number];

/** Resource-name form of a k3s CA file name (`etcd/peer-ca` → `etcd-peer-ca`). */
export function k3sCaResourceName(ca: K3sCa): string {
    return ca.replace("/", "-");
}
