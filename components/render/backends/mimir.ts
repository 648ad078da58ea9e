// Values of `mimir-distributed` 6.1.0: the classic architecture, or ingest storage on the stack's Kafka when Kafka
// buffering is on (TLS and SASL/SCRAM as user mimir, brokers and password from Mimir's Kafka Secret); MinIO and the bundled
// Kafka off, blocks and alertmanager state in S3, rules from the deploy's ConfigMap, compactor retention from the metrics retention, gRPC and gossip
// over mTLS, and a ruler that sends alerts to the standalone Alertmanager.
import type { Environment } from "../../config/primitives";
import { KAFKA_ENV, KAFKA_SASL_MECHANISM, KAFKA_TOPICS, kafkaEnv, KafkaSettings } from "../kafka";
import { parseMemory } from "../capacity";
import {
    BackendContext, CHARTS, chartZones, DATA_PATH_PRIORITY_CLASS, dskitClientTls, dskitServerTls, memberlistTls, memcachedExporterTlsArgs,
    memcachedServerTls, RenderedRelease, resources, ResourceSpec, restrictedContainerSecurity, restrictedPodSecurity, s3Endpoint, serviceAccount, serviceHost,
    setPath, spreadOverNodes, tlsVolume, Values, Workload, ZONE_SPREAD,
} from "./common";
import { PROMOTED_RESOURCE_ATTRIBUTES } from "../rules/labels";
import { podWebIdentity } from "../web-identity";

export const MIMIR_RELEASE = "mimir";
/**
 * The ruler reads the stack's rule files from this ConfigMap (one key per file), mounted as the rules of tenant
 * `anonymous` (multi-tenancy is off): `ruler_storage` is local and read-only, so the rules are exactly what the
 * deploy rendered. A changed ConfigMap reaches the pods within a kubelet sync and the ruler's next poll (1 minute).
 */
export const MIMIR_RULES_CONFIGMAP = "mimir-rules";
export const MIMIR_RULES_DIR = "/rules";
export const MIMIR_TENANT = "anonymous";
export const MIMIR_HTTP_PORT = 8080;

/** Services clients use: writes (remote-write, OTLP) on the distributor, PromQL on the query-frontend. */
export function mimirEndpoints(ctx: Pick<BackendContext, "namespace">): { write: string; read: string } {
    return {
        write: `https://${serviceHost("mimir-distributor", ctx.namespace)}:${MIMIR_HTTP_PORT}`,
        read: `https://${serviceHost("mimir-query-frontend", ctx.namespace)}:${MIMIR_HTTP_PORT}/prometheus`,
    };
}

interface Component { key: string; component: string; dev: number; prod: number; res: { dev: ResourceSpec; prod: ResourceSpec }; pv?: string }

const COMPONENTS: readonly Component[] = [
    { key: "distributor", component: "distributor", dev: 1, prod: 3, res: { dev: resources(100, 256, 1000, 1024), prod: resources(500, 1024, 2000, 2048) } },
    { key: "ingester", component: "ingester", dev: 1, prod: 3, res: { dev: resources(200, 1024, 1500, 2048), prod: resources(1000, 4096, 3000, 8192) }, pv: "20Gi" },
    { key: "querier", component: "querier", dev: 1, prod: 3, res: { dev: resources(100, 256, 1000, 1024), prod: resources(500, 1024, 2000, 4096) } },
    { key: "query_frontend", component: "query-frontend", dev: 1, prod: 2, res: { dev: resources(50, 128, 500, 512), prod: resources(200, 512, 1000, 1024) } },
    { key: "query_scheduler", component: "query-scheduler", dev: 1, prod: 2, res: { dev: resources(50, 64, 200, 256), prod: resources(100, 128, 500, 512) } },
    { key: "store_gateway", component: "store-gateway", dev: 1, prod: 3, res: { dev: resources(100, 256, 1000, 1024), prod: resources(500, 2048, 2000, 4096) }, pv: "10Gi" },
    { key: "compactor", component: "compactor", dev: 1, prod: 1, res: { dev: resources(100, 256, 1000, 1024), prod: resources(500, 2048, 2000, 4096) }, pv: "20Gi" },
    { key: "ruler", component: "ruler", dev: 1, prod: 2, res: { dev: resources(50, 128, 500, 512), prod: resources(200, 512, 1000, 1024) } },
];

/** Ingesters (one zone): with ingest storage each consumes its own partition, so topics need at least this many. */
export function mimirIngesters(environment: Environment): number {
    const ingester = COMPONENTS.find(c => c.key === "ingester")!;
    return environment === "dev" ? ingester.dev : ingester.prod;
}

/** gRPC port of every Mimir component's Service. */
const MIMIR_GRPC_PORT = 9095;

/**
 * Ingest storage on the stack's Kafka: distributors write, ingesters consume, over TLS (the brokers' certificate
 * verified against the system roots: MSK's are Amazon-issued) with SASL/SCRAM. `${VAR}` is expanded by Mimir
 * (the chart passes -config.expand-env=true) from Mimir's own Kafka Secret (user `mimir`, ACLs on its topic and on its
 * ingesters' consumer groups, which Mimir names by instance ID), so no credential is in the values.
 */
function ingestStorage(): Values {
    return {
        enabled: true,
        kafka: {
            address: `\${${KAFKA_ENV.brokers}}`,
            topic: KAFKA_TOPICS.mimir,
            // The program creates the topic with kafkaPartitions partitions; Mimir's user may not create topics (and
            // with auto-creation on, Mimir would also try to set the brokers' num.partitions at startup).
            auto_create_topic_enabled: false,
            tls_enabled: true,
            tls_insecure_skip_verify: false,
            tls_min_version: "VersionTLS12",
            sasl_mechanism: KAFKA_SASL_MECHANISM,
            sasl_username: `\${${KAFKA_ENV.username}}`,
            sasl_password: `\${${KAFKA_ENV.password}}`,
        },
    };
}

/** Memcached caches (prod only): key → memory in MiB. The exporter sidecar runs in every cache pod. */
const CACHES: Readonly<Record<string, number>> = { "chunks-cache": 2048, "index-cache": 1024, "metadata-cache": 256, "results-cache": 512 };
/** The config blocks of each cache's clients (the chart writes their addresses; these add TLS). */
const CACHE_CLIENTS: Readonly<Record<string, readonly string[]>> = {
    "chunks-cache": ["blocks_storage.bucket_store.chunks_cache.memcached"],
    "index-cache": ["blocks_storage.bucket_store.index_cache.memcached"],
    "metadata-cache": ["blocks_storage.bucket_store.metadata_cache.memcached", "ruler_storage.cache.memcached"],
    "results-cache": ["frontend.results_cache.memcached"],
};

export function mimirValues(ctx: BackendContext, alertmanagerUrl: string, kafka?: KafkaSettings): RenderedRelease {
    const dev = ctx.environment === "dev";
    const serverName = serviceHost(MIMIR_RELEASE, ctx.namespace);
    const grpcClient = dskitClientTls(serverName);
    const tls = tlsVolume("mimir");
    // Dev (k3s, no pod identity webhook): every Mimir pod carries its web-identity token and environment (global).
    const wi = podWebIdentity(ctx);
    const exporterRes = resources(20, 32, 100, 64);
    const cacheRes = (mib: number) => resources(100, Math.ceil(mib * 1.2), 500, Math.ceil(mib * 1.2));
    const selector = (component: string) => ({ "app.kubernetes.io/name": "mimir", "app.kubernetes.io/instance": MIMIR_RELEASE, "app.kubernetes.io/component": component });
    // prod's zones: the ingesters in every zone (with ingest storage, each zone a whole copy of the partitions: two
    // zones, as Mimir recommends, each with one ingester per partition), the store-gateways one per zone (each block
    // on three, one per zone). Both are a StatefulSet per zone, rolled by the rollout-operator.
    const zones = dev ? undefined : ctx.zones;
    const zoneAware: Readonly<Record<string, readonly string[]>> = zones
        ? { ingester: kafka ? zones.slice(0, 2) : zones, store_gateway: zones }
        : {};
    const replicas = (c: Component) => (dev ? c.dev : c.prod * (kafka && c.key === "ingester" && zoneAware.ingester ? zoneAware.ingester.length : 1));
    const res = (c: Component) => (dev ? c.res.dev : c.res.prod);
    const zoneValues = (c: Component): Values => {
        if (c.key !== "ingester" && c.key !== "store_gateway") return {};
        const z = zoneAware[c.key];
        if (!z) return { zoneAwareReplication: { enabled: false } };
        // The rack is the zone's name, not MSK's AZ ID: no rack-aware fetching.
        return { zoneAwareReplication: { enabled: true, zones: chartZones(z), ...(c.key === "ingester" ? { autoIngestStorageClientRack: false } : {}) } };
    };
    const spread = (c: Component): Values => {
        if (dev) return {};
        const dataPath = c.key === "distributor" || c.key === "ingester" ? { priorityClassName: DATA_PATH_PRIORITY_CLASS } : {};
        // A zone StatefulSet is pinned to its zone; the other replicated components spread over the zones.
        if (zoneAware[c.key] || c.prod < 2) return dataPath;
        // One constraint as a map (the chart's own form); the chart adds the component's selector.
        return { ...dataPath, ...(zones ? { topologySpreadConstraints: { ...ZONE_SPREAD } } : {}) };
    };

    const structuredConfig: Values = {
        multitenancy_enabled: false,
        usage_stats: { enabled: false },
        ...(kafka
            // Ingest storage: the chart's defaults for distributor and ingester apply (writes go to Kafka).
            ? { ingest_storage: ingestStorage(), ingester: { ring: { replication_factor: dev ? 1 : 3 } } }
            // Classic architecture (the chart's classic-architecture.yaml): no ingest storage, no Kafka.
            : {
                ingest_storage: { enabled: false, kafka: { address: null, topic: null, auto_create_topic_default_partitions: null } },
                distributor: { remote_timeout: null },
                ingester: { push_grpc_method_enabled: null, ring: { replication_factor: dev ? 1 : 3 } },
            }),
        store_gateway: { sharding_ring: { replication_factor: dev ? 1 : 3 } },
        common: { storage: { backend: "s3", s3: { endpoint: s3Endpoint(ctx.storage.region), region: ctx.storage.region } } },
        blocks_storage: { backend: "s3", s3: { bucket_name: ctx.storage.buckets["mimir-blocks"] } },
        ruler_storage: { backend: "local", local: { directory: MIMIR_RULES_DIR } },
        alertmanager_storage: { backend: "s3", s3: { bucket_name: ctx.storage.buckets["mimir-alertmanager"] } },
        limits: {
            compactor_blocks_retention_period: `${ctx.retention.metrics.days}d`,
            // Exemplars from Tempo's metrics-generator (trace links in Grafana).
            max_global_exemplars_per_user: 100000,
            // The OTLP translation every rule and dashboard is written for (rules/labels.ts): Prometheus unit and
            // `_total` suffixes, and these resource attributes as labels on every series (Mimir's defaults: neither).
            otel_metric_suffixes_enabled: true,
            promote_otel_resource_attributes: PROMOTED_RESOURCE_ATTRIBUTES.join(","),
        },
        server: dskitServerTls({ http: true, grpc: true }),
        ingester_client: { grpc_client_config: grpcClient },
        // Querier → query-frontend and → query-scheduler (the chart sets the scheduler address), frontend → scheduler,
        // scheduler → frontend.
        frontend_worker: { grpc_client_config: grpcClient, query_scheduler_grpc_client_config: grpcClient },
        frontend: { grpc_client_config: grpcClient },
        query_scheduler: { grpc_client_config: grpcClient },
        querier: { store_gateway_client: grpcClient },
        ruler: {
            ruler_client: grpcClient,
            alertmanager_url: alertmanagerUrl,
            // Alertmanager's web server verifies a client certificate when given; the ruler presents Mimir's client certificate.
            alertmanager_client: dskitClientTls(new URL(alertmanagerUrl).hostname),
            enable_api: true,
            // Ingest storage needs the ruler's queries to go through the query-frontend (remote evaluation).
            ...(kafka ? { query_frontend: { address: `dns:///${serviceHost("mimir-query-frontend", ctx.namespace)}:${MIMIR_GRPC_PORT}`, grpc_client_config: grpcClient } } : {}),
        },
        memberlist: memberlistTls(serverName),
    };
    // Prod's caches serve TLS only and require a client certificate: every client of a cache presents Mimir's client certificate.
    if (!dev) for (const block of Object.values(CACHE_CLIENTS).flat()) setPath(structuredConfig, block, grpcClient);

    // Mimir gossips over memberlist (DNS) and never calls the Kubernetes API, but the chart's ServiceAccount has no
    // automount setting (nor its pods): the release's ServiceAccount is an extra object that mounts no token.
    const sa = serviceAccount("mimir", ctx.identity);
    const container = restrictedContainerSecurity(true);
    const values: Values = {
        fullnameOverride: MIMIR_RELEASE,
        serviceAccount: { ...sa, create: false },
        extraObjects: [{
            apiVersion: "v1", kind: "ServiceAccount",
            metadata: { name: sa.name, namespace: ctx.namespace, labels: { "app.kubernetes.io/name": "mimir", "app.kubernetes.io/instance": MIMIR_RELEASE }, annotations: sa.annotations },
            automountServiceAccountToken: false,
        }],
        // Pod Security `restricted`: every Mimir and cache pod merges this pod context (user 10001), and each
        // container below sets the container part.
        rbac: { podSecurityContext: restrictedPodSecurity(10001) },
        mimir: { structuredConfig },
        global: {
            extraVolumes: [tls.volume, ...wi.volumes], extraVolumeMounts: [tls.mount, ...wi.mounts],
            ...(kafka || wi.env.length > 0 ? { extraEnv: [...(kafka ? kafkaEnv("mimir") : []), ...wi.env] } : {}),
        },
        ...Object.fromEntries(COMPONENTS.map(c => [c.key, {
            replicas: replicas(c),
            resources: res(c),
            containerSecurityContext: container,
            ...(c.pv ? { persistentVolume: { enabled: true, size: c.pv } } : {}),
            // Mimir's HTTP server is HTTPS: kubelet probes it without a client certificate (VerifyClientCertIfGiven).
            readinessProbe: { httpGet: { path: "/ready", port: "http-metrics", scheme: "HTTPS" } },
            ...zoneValues(c),
            ...spread(c),
            ...(c.key === "ruler" ? {
                extraVolumes: [{ name: "rules", configMap: { name: MIMIR_RULES_CONFIGMAP } }],
                extraVolumeMounts: [{ name: "rules", mountPath: `${MIMIR_RULES_DIR}/${MIMIR_TENANT}`, readOnly: true }],
            } : {}),
            ...(dev ? {} : { podDisruptionBudget: { maxUnavailable: 1 }, ...(c.prod > 1 ? { affinity: spreadOverNodes(selector(c.component)) } : {}) }),
        }])),
        // The standalone Alertmanager release receives the ruler's alerts.
        alertmanager: { enabled: false },
        overrides_exporter: { enabled: false },
        gateway: { enabled: false },
        kafka: { enabled: false },
        minio: { enabled: false },
        // Zone StatefulSets update OnDelete: the rollout-operator rolls them a zone at a time (Tempo's ingesters too:
        // it manages every StatefulSet with a rollout-group label in the namespace).
        rollout_operator: zones
            ? { enabled: true, podSecurityContext: restrictedPodSecurity(10001), securityContext: container }
            : { enabled: false },
        continuous_test: { enabled: false },
        smoke_test: { resources: resources(50, 64, 200, 128) },
        ...Object.fromEntries(Object.entries(CACHES).map(([k, mib]) => [k, dev
            ? { enabled: false }
            : {
                enabled: true, replicas: 2, allocatedMemory: mib, resources: cacheRes(mib), podDisruptionBudget: { maxUnavailable: 1 }, ...memcachedServerTls(),
                ...(zones ? { topologySpreadConstraints: { ...ZONE_SPREAD } } : {}),
            }])),
        // The exporter reaches its memcached over TLS on localhost, verifying it as Mimir and presenting Mimir's client certificate.
        memcachedExporter: { enabled: !dev, resources: exporterRes, containerSecurityContext: container, ...(dev ? {} : { extraArgs: memcachedExporterTlsArgs(serverName) }) },
        memcached: { containerSecurityContext: container },
        metaMonitoring: { serviceMonitor: { enabled: false } },
    };

    const workloads: Workload[] = [
        ...COMPONENTS.map(c => ({ component: c.component, replicas: replicas(c), containers: { [c.component]: res(c) }, ...(c.pv ? { volumeGiB: parseMemory(c.pv) / 1024 } : {}) })),
        ...(dev ? [] : Object.entries(CACHES).map(([k, mib]) => ({ component: k, replicas: 2, containers: { memcached: cacheRes(mib), exporter: exporterRes } }))),
    ];
    return {
        name: MIMIR_RELEASE,
        chart: CHARTS.mimir,
        values,
        workloads,
        metrics: COMPONENTS.map(c => ({ release: MIMIR_RELEASE, service: `mimir-${c.component}`, port: MIMIR_HTTP_PORT, path: "/metrics", scheme: "https" as const, serverName })),
    };
}
