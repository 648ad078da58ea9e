// Values of Tempo: the monolithic `tempo` chart (2.2.4) in dev, `tempo-distributed` (2.26.2, Tempo 2.x without
// Kafka) in prod. Traces in S3, block retention from the traces retention, OTLP receivers over TLS, and the
// metrics-generator (service graphs, span metrics) remote-writing to Mimir with exemplars.
import * as YAML from "yaml";
import {
    BackendContext, CHARTS, chartZones, DATA_PATH_PRIORITY_CLASS, dskitClientTls, dskitServerTls, memberlistTls, memcachedExporterTlsArgs, memcachedTlsOptions, RenderedRelease,
    resources, ResourceSpec, restrictedContainerSecurity, restrictedPodSecurity, s3Endpoint, serviceAccount, serviceHost, TLS_FILES, tlsVolume, Values,
    spreadOverZones, Workload,
} from "./common";
import { mimirEndpoints } from "./mimir";
import { podWebIdentity } from "../web-identity";

export const TEMPO_RELEASE = "tempo";

/** Services clients use: OTLP in (gRPC 4317, HTTP 4318) and queries (Grafana, 3200). */
export function tempoEndpoints(ctx: Pick<BackendContext, "environment" | "namespace">): { otlpGrpc: string; otlpHttp: string; query: string } {
    const dev = ctx.environment === "dev";
    const ingest = serviceHost(dev ? "tempo" : "tempo-distributor", ctx.namespace);
    const query = serviceHost(dev ? "tempo" : "tempo-query-frontend", ctx.namespace);
    return { otlpGrpc: `${ingest}:4317`, otlpHttp: `https://${ingest}:4318`, query: `https://${query}:3200` };
}

/** TLS of an OTLP receiver protocol: the server certificate, client certificates verified against the CA. */
const receiverTls = { cert_file: TLS_FILES.cert, key_file: TLS_FILES.key, client_ca_file: TLS_FILES.ca, min_version: "1.2" };

function metricsGenerator(ctx: BackendContext, storagePath: string): Values {
    const mimir = mimirEndpoints(ctx).write;
    return {
        registry: { external_labels: { source: "tempo" } },
        storage: {
            path: `${storagePath}/wal`,
            // Prometheus remote-write TLS: Mimir's distributor verified by its Service name, Tempo's client certificate presented.
            remote_write: [{
                url: `${mimir}/api/v1/push`,
                send_exemplars: true,
                tls_config: { ca_file: TLS_FILES.ca, cert_file: TLS_FILES.clientCert, key_file: TLS_FILES.clientKey, server_name: new URL(mimir).hostname, insecure_skip_verify: false, min_version: "TLS12" },
            }],
        },
        traces_storage: { path: `${storagePath}/traces` },
    };
}

/** Processors the generator runs for every tenant (without them it does nothing: grafana/tempo#2732). */
const OVERRIDES = { defaults: { metrics_generator: { processors: ["service-graphs", "span-metrics"] } } };

export function tempoValues(ctx: BackendContext): RenderedRelease {
    return ctx.environment === "dev" ? monolithic(ctx) : distributed(ctx);
}

function storage(ctx: BackendContext): Values {
    return {
        trace: {
            backend: "s3",
            s3: { bucket: ctx.storage.buckets["tempo-traces"], endpoint: s3Endpoint(ctx.storage.region), region: ctx.storage.region },
            wal: { path: "/var/tempo/wal" },
        },
    };
}

function monolithic(ctx: BackendContext): RenderedRelease {
    const serverName = serviceHost(TEMPO_RELEASE, ctx.namespace);
    const tls = tlsVolume("tempo");
    // k3s has no pod identity webhook: the pod carries its web-identity token and environment.
    const wi = podWebIdentity(ctx);
    const res = resources(250, 1024, 2000, 2048);
    const probe = { httpGet: { path: "/ready", port: 3200, scheme: "HTTPS" } };
    // The chart's config template has no place for the gRPC client stanzas, so the whole tempo.yaml is ours.
    const config = {
        multitenancy_enabled: false,
        stream_over_http_enabled: true,
        usage_report: { reporting_enabled: false },
        server: { http_listen_port: 3200, grpc_listen_port: 9095, ...dskitServerTls({ http: true, grpc: true }) },
        distributor: {
            receivers: {
                otlp: { protocols: { grpc: { endpoint: "0.0.0.0:4317", tls: receiverTls }, http: { endpoint: "0.0.0.0:4318", tls: receiverTls } } },
            },
        },
        ingester_client: { grpc_client_config: dskitClientTls(serverName) },
        metrics_generator_client: { grpc_client_config: dskitClientTls(serverName) },
        querier: { frontend_worker: { grpc_client_config: dskitClientTls(serverName) } },
        // The ring's memberlist listens even with one pod: TLS like the distributed chart's.
        memberlist: memberlistTls(serverName),
        compactor: { compaction: { block_retention: ctx.retention.traces.hours } },
        storage: storage(ctx),
        metrics_generator: metricsGenerator(ctx, "/var/tempo/generator"),
        overrides: OVERRIDES,
    };
    const values: Values = {
        fullnameOverride: TEMPO_RELEASE,
        replicas: 1,
        // Tempo gossips over memberlist (DNS) and never calls the Kubernetes API: no token (ServiceAccount and pod).
        serviceAccount: { ...serviceAccount("tempo", ctx.identity), automountServiceAccountToken: false },
        // Pod Security `restricted` as the image's user 10001: the pod's context, then the tempo container's.
        securityContext: restrictedPodSecurity(10001),
        tempo: {
            securityContext: restrictedContainerSecurity(false),
            resources: res,
            // Also in the config above; kept here so the chart's own retention value tells the truth.
            retention: ctx.retention.traces.hours,
            reportingEnabled: false,
            metricsGenerator: { enabled: true },
            extraEnv: wi.env,
            extraVolumeMounts: [tls.mount, ...wi.mounts],
            // Tempo's HTTP server is HTTPS: kubelet probes it without a client certificate (VerifyClientCertIfGiven).
            readinessProbe: probe,
            livenessProbe: probe,
        },
        config: YAML.stringify(config, { lineWidth: 0 }),
        extraVolumes: [tls.volume, ...wi.volumes],
        persistence: { enabled: true, size: `${TEMPO_VOLUME_GIB.single}Gi` },
        tempoQuery: { enabled: false, resources: resources(50, 64, 200, 128) },
    };
    return {
        name: TEMPO_RELEASE,
        chart: CHARTS.tempo,
        values,
        workloads: [{ component: "tempo", replicas: 1, containers: { tempo: res }, volumeGiB: TEMPO_VOLUME_GIB.single }],
        metrics: [{ release: TEMPO_RELEASE, service: "tempo", port: 3200, path: "/metrics", scheme: "https", serverName }],
    };
}

/** The single binary's volume (dev) and each ingester's (prod): the WAL and blocks not yet flushed. */
const TEMPO_VOLUME_GIB = { single: 10, ingester: 20 } as const;

const DISTRIBUTED: ReadonlyArray<{ key: string; component: string; replicas: number; res: ResourceSpec }> = [
    { key: "distributor", component: "distributor", replicas: 3, res: resources(250, 512, 1000, 1024) },
    { key: "ingester", component: "ingester", replicas: 3, res: resources(500, 2048, 2000, 4096) },
    { key: "querier", component: "querier", replicas: 3, res: resources(250, 512, 1000, 2048) },
    { key: "queryFrontend", component: "query-frontend", replicas: 2, res: resources(100, 256, 1000, 1024) },
    { key: "compactor", component: "compactor", replicas: 1, res: resources(250, 1024, 1000, 2048) },
    { key: "metricsGenerator", component: "metrics-generator", replicas: 2, res: resources(250, 512, 1000, 2048) },
];

function distributed(ctx: BackendContext): RenderedRelease {
    const serverName = serviceHost(TEMPO_RELEASE, ctx.namespace);
    const tls = tlsVolume("tempo");
    const probe = { httpGet: { path: "/ready", port: "http-metrics", scheme: "HTTPS" }, initialDelaySeconds: 30, timeoutSeconds: 2 };
    const selector = (component: string) => ({ "app.kubernetes.io/name": "tempo", "app.kubernetes.io/instance": TEMPO_RELEASE, "app.kubernetes.io/component": component });
    const antiAffinity = (component: string) => YAML.stringify({
        podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: selector(component) }, topologyKey: "kubernetes.io/hostname" }] },
    });
    const memcachedRes = resources(100, 1024, 500, 1280);
    const exporterRes = resources(20, 32, 100, 64);
    const values: Values = {
        fullnameOverride: TEMPO_RELEASE,
        // No token (the chart's default, stated): memberlist goes through DNS, nothing calls the Kubernetes API.
        serviceAccount: { ...serviceAccount("tempo", ctx.identity), automountServiceAccountToken: false },
        multitenancyEnabled: false,
        reportingEnabled: false,
        storage: storage(ctx),
        traces: {
            otlp: {
                grpc: { enabled: true, receiverConfig: { tls: receiverTls } },
                http: { enabled: true, receiverConfig: { tls: receiverTls } },
            },
        },
        tempo: {
            // Pod Security `restricted` for every pod, memcached's included (the chart's user 1000, kept so that the
            // ingesters' volumes keep their owner): the chart's pod context lacks seccomp.
            podSecurityContext: restrictedPodSecurity(1000),
            securityContext: restrictedContainerSecurity(true),
            // Probes come from `defaults` (HTTPS); the chart's tempo-level probes are plain HTTP, so drop them.
            readinessProbe: null,
            livenessProbe: null,
            structuredConfig: {
                // Grafana's Tempo datasource streams search and metrics results (gRPC over the HTTPS port).
                stream_over_http_enabled: true,
                server: dskitServerTls({ http: true, grpc: true }),
                ingester_client: { grpc_client_config: dskitClientTls(serverName) },
                metrics_generator_client: { grpc_client_config: dskitClientTls(serverName) },
                querier: { frontend_worker: { grpc_client_config: dskitClientTls(serverName) } },
                memberlist: memberlistTls(serverName),
                // The chart's one cache entry, written out whole (Helm replaces lists) to add TLS to the client.
                cache: {
                    caches: [{
                        memcached: { host: "tempo-memcached", service: "memcached-client", consistent_hash: true, timeout: "500ms", ...dskitClientTls(serverName) },
                        roles: ["parquet-footer", "bloom", "frontend-search"],
                    }],
                },
            },
        },
        defaults: { extraVolumes: [tls.volume], extraVolumeMounts: [tls.mount], readinessProbe: probe, livenessProbe: { ...probe, initialDelaySeconds: 60 } },
        ...Object.fromEntries(DISTRIBUTED.map(c => [c.key, {
            replicas: c.replicas,
            resources: c.res,
            affinity: antiAffinity(c.component),
            ...(c.key === "compactor" ? {} : { podDisruptionBudget: { enabled: true } }),
            // prod's zones: an ingester StatefulSet per zone (the chart's zone-aware replication, experimental),
            // rolled by the rollout-operator of Mimir's release, which watches the namespace.
            ...(c.key === "ingester" ? {
                persistence: { enabled: true, size: `${TEMPO_VOLUME_GIB.ingester}Gi` },
                zoneAwareReplication: ctx.zones ? { enabled: true, zones: chartZones(ctx.zones) } : { enabled: false },
            } : {}),
            // The chart renders this one through tpl, so it takes YAML text.
            ...(ctx.zones && c.replicas > 1 && c.key !== "ingester" ? { topologySpreadConstraints: YAML.stringify(spreadOverZones(selector(c.component))) } : {}),
            ...(c.key === "ingester" || c.key === "distributor" ? { priorityClassName: DATA_PATH_PRIORITY_CLASS } : {}),
            ...(c.key === "compactor" ? { config: { compaction: { block_retention: ctx.retention.traces.hours } } } : {}),
            ...(c.key === "metricsGenerator" ? { enabled: true, config: metricsGenerator(ctx, "/var/tempo/generator") } : {}),
        }])),
        overrides: OVERRIDES,
        // Tempo 3 components (Kafka-based): off in this 2.x line; the backend-worker only runs with the scheduler.
        backendScheduler: { enabled: false },
        blockBuilder: { enabled: false },
        liveStore: { enabled: false },
        gateway: { enabled: false },
        // The list is memcached's whole command line: 1 GiB of items, TLS only with a client certificate required.
        memcached: {
            enabled: true, replicas: 1, resources: memcachedRes,
            extraArgs: ["-m", "1024", "-Z", "-o", memcachedTlsOptions()],
            extraVolumes: [tls.volume], extraVolumeMounts: [tls.mount],
        },
        memcachedExporter: {
            enabled: true, resources: exporterRes,
            extraArgs: Object.entries(memcachedExporterTlsArgs(serverName)).map(([k, v]) => (v === "" ? `--${k}` : `--${k}=${v}`)),
        },
        minio: { enabled: false },
        metaMonitoring: { serviceMonitor: { enabled: false } },
    };
    const workloads: Workload[] = [
        ...DISTRIBUTED.map(c => ({ component: c.component, replicas: c.replicas, containers: { tempo: c.res }, ...(c.key === "ingester" ? { volumeGiB: TEMPO_VOLUME_GIB.ingester } : {}) })),
        { component: "memcached", replicas: 1, containers: { memcached: memcachedRes, exporter: exporterRes } },
    ];
    return {
        name: TEMPO_RELEASE,
        chart: CHARTS.tempoDistributed,
        values,
        workloads,
        metrics: DISTRIBUTED.map(c => ({ release: TEMPO_RELEASE, service: `tempo-${c.component}`, port: 3200, path: "/metrics", scheme: "https" as const, serverName })),
    };
}
