// Shared vocabulary of the backend renderers: chart pins, resource specs, workloads, TLS file paths and the
// dskit (Loki/Tempo/Mimir) TLS stanzas. Pure: no provider SDK, no Outputs.
import type { Environment, Retention, Signal } from "../../config/primitives";

/** Every Helm chart this stack installs, pinned to a version that has a reference in `reference/charts`. */
export const CHARTS = {
    loki: { chart: "loki", version: "18.11.0", repository: "https://grafana-community.github.io/helm-charts" },
    tempo: { chart: "tempo", version: "2.2.4", repository: "https://grafana-community.github.io/helm-charts" },
    tempoDistributed: { chart: "tempo-distributed", version: "2.26.2", repository: "https://grafana-community.github.io/helm-charts" },
    mimir: { chart: "mimir-distributed", version: "6.1.0", repository: "https://grafana.github.io/helm-charts" },
    grafana: { chart: "grafana", version: "12.11.1", repository: "https://grafana-community.github.io/helm-charts" },
    alertmanager: { chart: "alertmanager", version: "1.42.0", repository: "https://prometheus-community.github.io/helm-charts" },
    otelCollector: { chart: "opentelemetry-collector", version: "0.170.0", repository: "https://open-telemetry.github.io/opentelemetry-helm-charts" },
} as const;
export type ChartPin = (typeof CHARTS)[keyof typeof CHARTS];

/** Helm values: a plain JSON-able object. `null` is meaningful (it deletes a chart default). */
export type Values = { [key: string]: unknown };

export interface ResourceSpec {
    requests: { cpu: string; memory: string };
    limits: { cpu: string; memory: string };
}

/** Requests and limits for one container: CPU in millicores, memory in MiB. */
export function resources(cpuMillis: number, memoryMiB: number, cpuLimitMillis: number, memoryLimitMiB: number): ResourceSpec {
    const cpu = (m: number) => `${m}m`;
    const mem = (m: number) => (m % 1024 === 0 ? `${m / 1024}Gi` : `${m}Mi`);
    return { requests: { cpu: cpu(cpuMillis), memory: mem(memoryMiB) }, limits: { cpu: cpu(cpuLimitMillis), memory: mem(memoryLimitMiB) } };
}

/** One pod template of a release: how many replicas, each container's resources, and its persistent volumes. */
export interface Workload {
    readonly component: string;
    readonly replicas: number;
    readonly containers: Readonly<Record<string, ResourceSpec>>;
    /** GiB of PersistentVolumeClaims each replica has. */
    readonly volumeGiB?: number;
    /** Replicas whose claims can exist at once, when more than `replicas` (claims kept after a scale-down). */
    readonly claimedReplicas?: number;
}

/** An in-cluster endpoint that serves Prometheus metrics, for the collector tier to scrape. */
export interface MetricsEndpoint {
    readonly release: string;
    readonly service: string;
    readonly port: number;
    readonly path: string;
    readonly scheme: "http" | "https";
    /** TLS server name to verify (a SAN of the backend's certificate) when scheme is https. */
    readonly serverName?: string;
}

/** What a backend renderer returns: the values exactly as passed to the release, and facts about them. */
export interface RenderedRelease {
    /** Helm release name (also `fullnameOverride`, so Service names are `<name>` and `<name>-<component>`). */
    readonly name: string;
    readonly chart: ChartPin;
    readonly values: Values;
    readonly workloads: readonly Workload[];
    readonly metrics: readonly MetricsEndpoint[];
}

/**
 * Where each backend pod mounts its certificate Secret: the server pair (`tls.crt`, `tls.key`: server_auth only), the
 * client pair it presents when it dials (`client.crt`, `client.key`: client_auth only) and the stack CA (`ca.crt`).
 */
export const TLS_DIR = "/etc/observability/tls";
export const TLS_FILES = {
    cert: `${TLS_DIR}/tls.crt`,
    key: `${TLS_DIR}/tls.key`,
    ca: `${TLS_DIR}/ca.crt`,
    clientCert: `${TLS_DIR}/client.crt`,
    clientKey: `${TLS_DIR}/client.key`,
} as const;
/** Name of the Kubernetes TLS Secret of a server identity. */
export const tlsSecretName = (identity: string) => `${identity}-tls`;

/** In-cluster DNS name of a Service, also a SAN of the server certificates. */
export const serviceHost = (service: string, namespace: string) => `${service}.${namespace}.svc`;

/** Object-store inputs every storing backend needs. */
export interface StorageContext {
    readonly region: string;
    /** Bucket name per store (`loki-chunks`, `tempo-traces`, …). */
    readonly buckets: Readonly<Record<string, string>>;
}

/** How a backend's pods get AWS credentials: its own role, assumed with its ServiceAccount's web-identity tokens. */
export interface AwsIdentity {
    readonly roleArn: string;
}

export interface BackendContext {
    readonly environment: Environment;
    readonly namespace: string;
    readonly retention: Readonly<Record<Signal, Retention>>;
    readonly storage: StorageContext;
    readonly identity: AwsIdentity;
    /** prod: the cluster's three availability zones (`availabilityZones`). */
    readonly zones?: readonly string[];
}

/** The node label that names a node's availability zone. */
export const ZONE_LABEL = "topology.kubernetes.io/zone";
/** The PriorityClass of the data path (collectors, distributors, ingesters, Alertmanager): scheduled, and kept, first. */
export const DATA_PATH_PRIORITY_CLASS = "observability-data-path";
export const DATA_PATH_PRIORITY = 1_000_000;

/**
 * The charts' zone list (Mimir's and Tempo's `zoneAwareReplication.zones`): `zone-a`, `zone-b`, … each pinned to its
 * availability zone by node label.
 */
export function chartZones(zones: readonly string[]): Array<{ name: string; nodeSelector: Record<string, string> }> {
    return zones.map((zone, i) => ({ name: `zone-${String.fromCharCode(97 + i)}`, nodeSelector: { [ZONE_LABEL]: zone } }));
}

/**
 * A replicated workload's pods spread evenly over the zones: never two more in one zone than in another, so losing
 * a zone loses at most a third of them (`DoNotSchedule`: a pod waits rather than break the spread).
 */
export function spreadOverZones(matchLabels: Record<string, string>): Values[] {
    return [{ ...ZONE_SPREAD, labelSelector: { matchLabels } }];
}

/** The zone constraint without a selector, for charts that add the component's own (Mimir's map form). */
export const ZONE_SPREAD = { maxSkew: 1, topologyKey: ZONE_LABEL, whenUnsatisfiable: "DoNotSchedule" } as const;

/** ServiceAccount values with the backend's role (the annotation EKS's webhook reads; on k3s, see web-identity.ts). */
export function serviceAccount(name: string, identity: AwsIdentity): Values {
    return {
        create: true,
        name,
        annotations: { "eks.amazonaws.com/role-arn": identity.roleArn },
    };
}

/**
 * Pod Security `restricted` (the `observability` namespace enforces it), pod level: a fixed non-root user and
 * group, `fsGroup` so the pod's volumes are writable without a root chown, and the runtime's default seccomp profile.
 */
export function restrictedPodSecurity(uid: number): Values {
    return { runAsNonRoot: true, runAsUser: uid, runAsGroup: uid, fsGroup: uid, seccompProfile: { type: "RuntimeDefault" } };
}

/**
 * Pod Security `restricted`, container level: no privilege escalation, every capability dropped, non-root and
 * RuntimeDefault seccomp again (so a container stays compliant whatever its pod's context), and a read-only root
 * filesystem where the chart already runs it so (`readOnlyRoot`).
 */
export function restrictedContainerSecurity(readOnlyRoot: boolean): Values {
    return {
        allowPrivilegeEscalation: false,
        capabilities: { drop: ["ALL"] },
        runAsNonRoot: true,
        seccompProfile: { type: "RuntimeDefault" },
        ...(readOnlyRoot ? { readOnlyRootFilesystem: true } : {}),
    };
}

/** The S3 endpoint of a region (virtual-hosted style, TLS). */
export const s3Endpoint = (region: string) => `s3.${region}.amazonaws.com`;

/**
 * dskit `server` TLS with the pod's certificate. gRPC requires a client certificate from the stack CA; HTTP verifies
 * one when given, because kubelet probes it without one (the HTTP APIs are reached by the collectors, Grafana and
 * the agents' scrapes, all of which present theirs).
 */
export function dskitServerTls(opts: { http: boolean; grpc: boolean }): Values {
    const cfg = (clientAuth: string) => ({ cert_file: TLS_FILES.cert, key_file: TLS_FILES.key, client_auth_type: clientAuth, client_ca_file: TLS_FILES.ca });
    return {
        tls_min_version: "VersionTLS12",
        ...(opts.http ? { http_tls_config: cfg("VerifyClientCertIfGiven") } : {}),
        ...(opts.grpc ? { grpc_tls_config: cfg("RequireAndVerifyClientCert") } : {}),
    };
}

/**
 * dskit memberlist TLS (gossip between the pods of one backend), the server verified as `serverName`. One block
 * serves both ends and its certificate is the listener's: the server pair. The listener requests no client
 * certificate, so a dialing member presents none.
 */
export function memberlistTls(serverName: string): Values {
    return {
        tls_enabled: true,
        tls_cert_path: TLS_FILES.cert,
        tls_key_path: TLS_FILES.key,
        tls_ca_path: TLS_FILES.ca,
        tls_server_name: serverName,
    };
}

/** dskit client TLS (gRPC, memcached, HTTP): the pod's client certificate, the server verified as `serverName`, TLS 1.2 or newer. */
export function dskitClientTls(serverName: string): Values {
    return {
        tls_enabled: true,
        tls_cert_path: TLS_FILES.clientCert,
        tls_key_path: TLS_FILES.clientKey,
        tls_ca_path: TLS_FILES.ca,
        tls_server_name: serverName,
        tls_insecure_skip_verify: false,
        tls_min_version: "VersionTLS12",
    };
}

/** Volume and mount of an identity's TLS Secret (at `TLS_DIR` unless the workload reads it elsewhere). */
export function tlsVolume(identity: string, mountPath: string = TLS_DIR): { volume: Values; mount: Values } {
    return {
        volume: { name: "observability-tls", secret: { secretName: tlsSecretName(identity), defaultMode: 0o440 } },
        mount: { name: "observability-tls", mountPath, readOnly: true },
    };
}

/** Required pod anti-affinity on hostname for the pods of one component (prod spreads replicas over nodes). */
export function spreadOverNodes(matchLabels: Record<string, string>): Values {
    return {
        podAntiAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels }, topologyKey: "kubernetes.io/hostname" }],
        },
    };
}

/** Sets `value` at a dotted path of a config object, creating the maps on the way (existing keys are kept). */
export function setPath(target: Values, dotted: string, value: unknown): void {
    const keys = dotted.split(".");
    let at = target;
    for (const k of keys.slice(0, -1)) {
        if (typeof at[k] !== "object" || at[k] === null) at[k] = {};
        at = at[k] as Values;
    }
    at[keys[keys.length - 1]] = value;
}

/**
 * Memcached serving TLS only (`-Z`), with the pod's certificate, and requiring a client certificate from the stack
 * CA (`ssl_verify_mode=2`). The values of a mimir-distributed or loki cache section: `-Z` must be an empty string
 * (`true` would render `-Z true`), and the TLS options go through the `--extended` list.
 */
export function memcachedServerTls(): Values {
    return { extraArgs: { Z: "" }, extraExtendedOptions: memcachedTlsOptions() };
}

/** The memcached `-o` options of TLS: certificate, key, client CA, client certificate required. */
export function memcachedTlsOptions(): string {
    return `ssl_chain_cert=${TLS_FILES.cert},ssl_key=${TLS_FILES.key},ssl_ca_cert=${TLS_FILES.ca},ssl_verify_mode=2`;
}

/**
 * The memcached exporter's TLS to its memcached on localhost (mimir-distributed and loki: a map rendered as
 * `--key=value`, a bare `--key` for ""): verified as `serverName`, presenting the pod's client certificate.
 */
export function memcachedExporterTlsArgs(serverName: string): Values {
    return {
        "memcached.tls.enable": "",
        "memcached.tls.ca-file": TLS_FILES.ca,
        "memcached.tls.cert-file": TLS_FILES.clientCert,
        "memcached.tls.key-file": TLS_FILES.clientKey,
        "memcached.tls.server-name": serverName,
    };
}

/**
 * Pod Security labels of the backends' namespace: `restricted` enforced at the version the releases were checked
 * against (a cluster upgrade cannot start refusing pods unreviewed), warned and audited at `latest`.
 */
export const RESTRICTED_NAMESPACE_LABELS: Readonly<Record<string, string>> = {
    "pod-security.kubernetes.io/enforce": "restricted",
    "pod-security.kubernetes.io/enforce-version": "v1.34",
    "pod-security.kubernetes.io/audit": "restricted",
    "pod-security.kubernetes.io/audit-version": "latest",
    "pod-security.kubernetes.io/warn": "restricted",
    "pod-security.kubernetes.io/warn-version": "latest",
};
