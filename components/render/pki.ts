// Pure description of the PKI: which identities get certificates and what names they carry.

/** Kubernetes namespace of the observability backends and collectors. */
export const NAMESPACE = "observability";

export interface ServerIdentity {
    /** Certificate name, also the child resource suffix. */
    readonly name: string;
    /** Kubernetes Service names this server answers on. */
    readonly services: readonly string[];
    /** Public host label under the configured domain (`<label>.<domain>`), if it has a public endpoint. */
    readonly publicLabel?: string;
}

/** Servers that present a certificate from the stack's CA. */
export const SERVER_IDENTITIES: readonly ServerIdentity[] = [
    { name: "loki", services: ["loki", "loki-gateway", "loki-headless"] },
    { name: "tempo", services: ["tempo", "tempo-distributor", "tempo-query-frontend", "tempo-gateway"] },
    { name: "mimir", services: ["mimir-gateway", "mimir-distributor", "mimir-query-frontend", "mimir-ruler"] },
    { name: "grafana", services: ["grafana"], publicLabel: "grafana" },
    { name: "alertmanager", services: ["alertmanager", "alertmanager-headless"] },
    { name: "otel-gateway", services: ["otel-gateway", "otel-gateway-headless"], publicLabel: "otlp" },
];

/** Clients that authenticate with a certificate from the stack's CA. */
export const CLIENT_IDENTITIES = ["otel-agent", "otel-gateway", "grafana"] as const;
export type ClientIdentity = (typeof CLIENT_IDENTITIES)[number];

/** DNS SANs of a server: every in-cluster form of each Service name, plus the public name. */
export function serverDnsNames(id: ServerIdentity, domain?: string, namespace: string = NAMESPACE): string[] {
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
