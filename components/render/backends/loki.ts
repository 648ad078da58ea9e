// Values of the `loki` chart (grafana-community 18.11.0): Monolithic in dev, Distributed in prod, chunks and
// rules in S3, compactor retention with a delete-request store, OTLP ingest, HTTPS and gRPC over mTLS.
import {
    BackendContext, CHARTS, DATA_PATH_PRIORITY_CLASS, dskitClientTls, dskitServerTls, memberlistTls, memcachedExporterTlsArgs, memcachedServerTls, RenderedRelease,
    resources, ResourceSpec, restrictedContainerSecurity, restrictedPodSecurity, s3Endpoint, serviceAccount, serviceHost, spreadOverNodes, spreadOverZones, TLS_FILES, tlsVolume,
    Values, Workload, ZONE_LABEL,
} from "./common";
import { podWebIdentity } from "../web-identity";

/** Loki's HTTP client TLS (`frontend.tail_tls_config`): the pod's client certificate, the server verified as `serverName`. */
function tailTls(serverName: string): Values {
    return { tls_cert_path: TLS_FILES.clientCert, tls_key_path: TLS_FILES.clientKey, tls_ca_path: TLS_FILES.ca, tls_server_name: serverName, tls_insecure_skip_verify: false, tls_min_version: "VersionTLS12" };
}

export const LOKI_RELEASE = "loki";
/** The volume of the single binary (dev) and of each ingester (prod): the WAL, the TSDB index and chunks not yet shipped. */
const LOKI_VOLUME_GIB = 20;

/** Components of the Distributed mode (value key → chart component label), with prod replicas. */
const DISTRIBUTED: ReadonlyArray<{ key: string; component: string; replicas: number; res: ResourceSpec; pdb: boolean }> = [
    { key: "ingester", component: "ingester", replicas: 3, res: resources(500, 2048, 2000, 4096), pdb: true },
    { key: "distributor", component: "distributor", replicas: 3, res: resources(250, 512, 1000, 1024), pdb: true },
    { key: "querier", component: "querier", replicas: 3, res: resources(250, 1024, 2000, 2048), pdb: true },
    { key: "queryFrontend", component: "query-frontend", replicas: 2, res: resources(100, 256, 1000, 1024), pdb: true },
    { key: "queryScheduler", component: "query-scheduler", replicas: 2, res: resources(100, 128, 500, 512), pdb: true },
    { key: "indexGateway", component: "index-gateway", replicas: 2, res: resources(100, 512, 1000, 1024), pdb: true },
    { key: "compactor", component: "compactor", replicas: 1, res: resources(250, 512, 1000, 2048), pdb: false },
    { key: "ruler", component: "ruler", replicas: 1, res: resources(100, 256, 1000, 1024), pdb: false },
];
/** Other modes' and optional components, held at zero replicas (the chart refuses replicas in two modes at once). */
const ZEROED = ["write", "read", "backend", "patternIngester", "bloomGateway", "bloomPlanner", "bloomBuilder", "overridesExporter"];

/** Services clients use: writes (OTLP/push) and reads (Grafana). */
export function lokiEndpoints(ctx: Pick<BackendContext, "environment" | "namespace">): { write: string; read: string } {
    const svc = ctx.environment === "dev" ? { write: "loki", read: "loki" } : { write: "loki-distributor", read: "loki-query-frontend" };
    return { write: `https://${serviceHost(svc.write, ctx.namespace)}:3100`, read: `https://${serviceHost(svc.read, ctx.namespace)}:3100` };
}

/** The chart's fixed three ingester zones, each pinned to one of prod's availability zones. */
function lokiZones(zones: readonly string[]): Values {
    const [a, b, c] = zones.map(zone => ({ nodeSelector: { [ZONE_LABEL]: zone } }));
    return { enabled: true, zoneA: a, zoneB: b, zoneC: c };
}

export function lokiValues(ctx: BackendContext): RenderedRelease {
    const dev = ctx.environment === "dev";
    const zones = dev ? undefined : ctx.zones;
    const serverName = serviceHost(LOKI_RELEASE, ctx.namespace);
    const clientTls = dskitClientTls(serverName);
    const grpcClient = { grpc_client_config: clientTls };
    const tls = tlsVolume("loki");
    // Dev (k3s, no pod identity webhook): the single binary carries its web-identity token and environment.
    const wi = podWebIdentity(ctx);
    const probe = (path: string) => ({ httpGet: { path, port: "http-metrics", scheme: "HTTPS" }, periodSeconds: 10, initialDelaySeconds: 15, timeoutSeconds: 2 });
    const cacheTls = { ...memcachedServerTls(), extraVolumes: [tls.volume], extraVolumeMounts: [tls.mount] };
    const selector = (component: string) => ({ "app.kubernetes.io/name": "loki", "app.kubernetes.io/instance": LOKI_RELEASE, "app.kubernetes.io/component": component });
    const cacheSpread = (component: string): Values => (zones ? { topologySpreadConstraints: spreadOverZones(selector(component)) } : {});

    const singleBinaryRes = resources(500, 1536, 2000, 3072);
    const cacheRes = { chunks: resources(250, 2458, 1000, 2458), results: resources(100, 615, 500, 615), exporter: resources(20, 32, 100, 64) };
    const workloads: Workload[] = dev
        ? [{ component: "single-binary", replicas: 1, containers: { loki: singleBinaryRes }, volumeGiB: LOKI_VOLUME_GIB }]
        : [
            ...DISTRIBUTED.map(c => ({ component: c.component, replicas: c.replicas, containers: { loki: c.res }, ...(c.key === "ingester" ? { volumeGiB: LOKI_VOLUME_GIB } : {}) })),
            { component: "chunks-cache", replicas: 2, containers: { memcached: cacheRes.chunks, exporter: cacheRes.exporter } },
            { component: "results-cache", replicas: 2, containers: { memcached: cacheRes.results, exporter: cacheRes.exporter } },
        ];

    const values: Values = {
        fullnameOverride: LOKI_RELEASE,
        deploymentMode: dev ? "Monolithic" : "Distributed",
        // Loki gossips over memberlist (DNS), it never calls the Kubernetes API: no token, no RBAC (namespaced
        // without the rules sidecar renders neither the chart's empty ClusterRole nor a Role).
        serviceAccount: { ...serviceAccount("loki", ctx.identity), automountServiceAccountToken: false },
        rbac: { namespaced: true },
        loki: {
            // Pod Security `restricted` as the image's user 10001 (every Loki component reads these two).
            podSecurityContext: restrictedPodSecurity(10001),
            containerSecurityContext: restrictedContainerSecurity(true),
            // One tenant per stack: the collectors and Grafana are the only clients, inside the namespace.
            auth_enabled: false,
            commonConfig: { replication_factor: dev ? 1 : 3 },
            schemaConfig: {
                configs: [{ from: "2024-04-01", store: "tsdb", object_store: "s3", schema: "v13", index: { prefix: "loki_index_", period: "24h" } }],
            },
            storage: {
                type: "s3",
                bucketNames: { chunks: ctx.storage.buckets["loki-chunks"], ruler: ctx.storage.buckets["loki-ruler"], admin: null },
                // Region only: credentials come from Loki's own role by web identity (static keys stay null).
                s3: { region: ctx.storage.region, endpoint: s3Endpoint(ctx.storage.region), s3ForcePathStyle: false, insecure: false },
            },
            limits_config: {
                retention_period: `${ctx.retention.logs.days * 24}h`,
                allow_structured_metadata: true,
                volume_enabled: true,
            },
            compactor: { retention_enabled: true, delete_request_store: "s3", working_directory: "/var/loki/compactor" },
            server: { ...dskitServerTls({ http: true, grpc: true }), http_listen_port: 3100, grpc_listen_port: 9095 },
            readinessProbe: probe("/ready"),
            livenessProbe: { ...probe("/ready"), initialDelaySeconds: 60 },
            structuredConfig: {
                ingester_client: grpcClient,
                // Querier → scheduler and → frontend (both real gRPC, in Monolithic too), frontend → scheduler,
                // scheduler → frontend. Every client verifies Loki's certificate by name (they dial pod IPs).
                frontend_worker: { query_scheduler_grpc_client: clientTls, query_frontend_grpc_client: clientTls },
                frontend: {
                    ...grpcClient,
                    // Distributed: the frontend proxies tail requests to the queriers' HTTPS API.
                    ...(dev ? {} : { tail_proxy_url: `https://${serviceHost("loki-querier", ctx.namespace)}:3100`, tail_tls_config: tailTls(serverName) }),
                },
                query_scheduler: grpcClient,
                // The compactor client takes the client keys directly (no grpc_client_config level).
                compactor_grpc_client: clientTls,
                ruler: { ruler_client: clientTls },
                storage_config: { tsdb_shipper: { index_gateway_client: grpcClient } },
                memberlist: memberlistTls(serverName),
                // Prod's caches serve TLS only and require a client certificate.
                ...(dev ? {} : {
                    chunk_store_config: { chunk_cache_config: { memcached_client: clientTls } },
                    query_range: { results_cache: { cache: { memcached_client: clientTls } } },
                }),
                // OTLP logs arrive at /otlp/v1/logs; keep the usual resource attributes as index labels.
                distributor: { otlp_config: { default_resource_attributes_as_index_labels: ["service.name", "service.namespace", "deployment.environment", "k8s.namespace.name"] } },
            },
        },
        defaults: { extraVolumes: [tls.volume], extraVolumeMounts: [tls.mount], automountServiceAccountToken: false },
        singleBinary: dev
            ? { replicas: 1, resources: singleBinaryRes, persistence: { enabled: true, size: `${LOKI_VOLUME_GIB}Gi` }, extraEnv: wi.env, extraVolumes: wi.volumes, extraVolumeMounts: wi.mounts }
            : { replicas: 0 },
        ...Object.fromEntries(ZEROED.map(k => [k, { replicas: 0 }])),
        // Distributed components: zero replicas in dev (Monolithic), sized and spread in prod.
        ...Object.fromEntries(DISTRIBUTED.map(c => [c.key, {
            replicas: dev ? 0 : c.replicas,
            // prod's zones: an ingester StatefulSet per zone (the chart's zone-a, -b, -c, one replica each, pinned by
            // node label), so each stream's three replicas are in three zones; the distributors and queriers are told.
            ...(c.key === "ingester" ? { zoneAwareReplication: zones ? lokiZones(zones) : { enabled: false } } : {}),
            ...(dev ? {} : {
                resources: c.res,
                ...(c.key === "ingester" ? { persistence: { enabled: true, claims: [{ name: "data", size: `${LOKI_VOLUME_GIB}Gi`, accessModes: ["ReadWriteOnce"] }] } } : {}),
                ...(c.pdb ? { podDisruptionBudget: { enabled: true, maxUnavailable: 1 }, affinity: spreadOverNodes(selector(c.component)) } : {}),
                ...(zones && c.replicas > 1 && c.key !== "ingester" ? { topologySpreadConstraints: spreadOverZones(selector(c.component)) } : {}),
                ...(c.key === "ingester" || c.key === "distributor" ? { priorityClassName: DATA_PATH_PRIORITY_CLASS } : {}),
            }),
        }])),
        // The gateway is a plain-HTTP nginx hop; clients talk to Loki's own HTTPS endpoints instead.
        gateway: { enabled: false },
        chunksCache: dev ? { enabled: false } : { enabled: true, replicas: 2, allocatedMemory: 2048, allocatedCPU: "250m", resources: cacheRes.chunks, ...cacheTls, ...cacheSpread("memcached-chunks-cache") },
        resultsCache: dev ? { enabled: false } : { enabled: true, replicas: 2, allocatedMemory: 512, allocatedCPU: "100m", resources: cacheRes.results, ...cacheTls, ...cacheSpread("memcached-results-cache") },
        // The exporter reaches its memcached over TLS on localhost, verifying it as Loki and presenting Loki's client certificate.
        memcachedExporter: { resources: cacheRes.exporter, containerSecurityContext: restrictedContainerSecurity(true), ...(dev ? {} : { extraArgs: memcachedExporterTlsArgs(serverName) }) },
        // The caches' pods (memcached's user 11211); their ServiceAccount already mounts no token.
        memcached: { podSecurityContext: restrictedPodSecurity(11211), containerSecurityContext: restrictedContainerSecurity(true) },
        // The rules sidecar watches ConfigMaps cluster-wide; rules are stored in the ruler bucket instead.
        sidecar: { rules: { enabled: false }, resources: resources(10, 64, 100, 128) },
        lokiCanary: { enabled: false },
        test: { enabled: false },
        minio: { enabled: false },
        rollout_operator: { enabled: false },
        monitoring: { serviceMonitor: { enabled: false }, dashboards: { enabled: false }, rules: { enabled: false } },
    };

    const metricsServices = dev ? ["loki"] : DISTRIBUTED.map(c => `loki-${c.component}`);
    return {
        name: LOKI_RELEASE,
        chart: CHARTS.loki,
        values,
        workloads,
        metrics: metricsServices.map(service => ({ release: LOKI_RELEASE, service, port: 3100, path: "/metrics", scheme: "https", serverName })),
    };
}
