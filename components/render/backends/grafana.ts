// Values of the `grafana` chart (grafana-community 12.11.1, Grafana 13.2.0): admin credentials from an existing
// Secret, SQLite on a volume (dev) or two replicas on the stack's RDS PostgreSQL (prod), and provisioned datasources
// for Mimir, Loki, Tempo and Alertmanager with the usual correlations.
// TLS material is read from mounted files (`$__file{}`), so no key or password is ever inline in the values.
import { BackendContext, CHARTS, RenderedRelease, resources, restrictedContainerSecurity, restrictedPodSecurity, serviceHost, spreadOverNodes, spreadOverZones, tlsSecretName, Values } from "./common";
import { lokiEndpoints } from "./loki";
import { mimirEndpoints } from "./mimir";
import { tempoEndpoints } from "./tempo";

/** Grafana's volume: its SQLite database, plugins and sessions. */
const GRAFANA_VOLUME_GIB = 10;

export const GRAFANA_RELEASE = "grafana";
/** Secret holding `admin-user` and `admin-password` (made by the Grafana component from a RandomPassword). */
export const GRAFANA_ADMIN_SECRET = "grafana-admin";
/** Secret with Grafana's client certificate and the CA (`tls.crt`, `tls.key`, `ca.crt`), mounted for datasources. */
export const GRAFANA_CLIENT_TLS_SECRET = "grafana-client-tls";
const CLIENT_TLS_DIR = "/etc/grafana/observability-tls";
/** Where Grafana mounts its server certificate (`grafana-tls`: `tls.crt`, `tls.key`, `ca.crt`). */
export const GRAFANA_SERVER_TLS_DIR = "/etc/grafana/tls";
/** Grafana's HTTPS port (the chart's `service.targetPort`), behind the Service's port 80. */
export const GRAFANA_PORT = 3000;
/** Ingress controllers whose proxying to Grafana's HTTPS the stack configures (verified against the stack CA). */
export const INGRESS_CONTROLLERS = ["traefik", "nginx"] as const;
export type IngressController = (typeof INGRESS_CONTROLLERS)[number];
/** Secret with only the stack CA (`ca.crt`), which the ingress controller verifies Grafana's certificate against. */
export const GRAFANA_UPSTREAM_CA_SECRET = "grafana-upstream-ca";
/** Traefik's ServersTransport that verifies Grafana against the stack CA (made by the GrafanaEndpoint component). */
export const GRAFANA_SERVERS_TRANSPORT = "grafana";

/**
 * prod: Secret with what Grafana reads from files to reach its database (made by the Grafana component from the
 * RDS instance's Outputs): `host` (`<address>:5432`), `password`, `ca.pem` (the region's RDS CA bundle) and
 * `secret-key` (`[security] secret_key`, which encrypts the datasources' secrets in the database: the same on every
 * replica, so it lives here too).
 */
export const GRAFANA_DATABASE_SECRET = "grafana-database";
export const GRAFANA_DATABASE_DIR = "/etc/grafana/database";
/** The keys of `grafana-database`, each a file under GRAFANA_DATABASE_DIR. */
export const GRAFANA_DATABASE_KEYS = { host: "host", password: "password", ca: "ca.pem", secretKey: "secret-key" } as const;
/**
 * prod: the database Grafana uses on the stack's RDS instance (its master user: the instance serves Grafana only), and
 * each replica's connection pool, bounded (2 replicas × 20 stay below even a 1 GiB instance's max_connections, about 80).
 */
export const GRAFANA_DATABASE = { name: "grafana", user: "grafana", port: 5432, maxOpenConnections: 20, maxIdleConnections: 5 } as const;
/** Grafana's replicas: one on SQLite (dev), two sharing the database (prod). */
export const GRAFANA_REPLICAS = { dev: 1, prod: 2 } as const;
/** The pod labels of the grafana chart (release `grafana`): what the anti-affinity selects. */
const GRAFANA_SELECTOR = { "app.kubernetes.io/name": "grafana", "app.kubernetes.io/instance": GRAFANA_RELEASE };

/** The database port a rendered Grafana's values dial (PostgreSQL), or undefined on SQLite. */
export function grafanaDatabasePort(values: Values): number | undefined {
    const ini = values["grafana.ini"] as { database?: { type?: unknown } } | undefined;
    return ini?.database?.type === "postgres" ? GRAFANA_DATABASE.port : undefined;
}

/**
 * prod's `grafana.ini` sections for the shared database: PostgreSQL over TLS verified against the RDS CA bundle by
 * the instance's name (`verify-full`), every secret read from the mounted `grafana-database` Secret, a bounded pool;
 * sessions and the remote cache in the database (the default, so any replica serves any request: no sticky sessions).
 *
 * Alerting: the stack alerts through Mimir's ruler and the standalone Alertmanager (the datasource has
 * handleGrafanaManagedAlerts off). Two replicas would each evaluate Grafana-managed rules and, without HA, notify
 * twice; Grafana's HA gossip (memberlist on 9094) has no TLS, which the stack's TLS-everywhere rule refuses. So no
 * HA peers, and Grafana-managed rules are not executed (`execute_alerts: false`); the Alerting UI stays, for Mimir's
 * rules and the Alertmanager's alerts and silences.
 */
function sharedDatabaseIni(): { sections: Values; secretKey: string } {
    const file = (key: keyof typeof GRAFANA_DATABASE_KEYS) => `${GRAFANA_DATABASE_DIR}/${GRAFANA_DATABASE_KEYS[key]}`;
    const sections = {
        database: {
            type: "postgres",
            host: `$__file{${file("host")}}`,
            name: GRAFANA_DATABASE.name,
            user: GRAFANA_DATABASE.user,
            password: `$__file{${file("password")}}`,
            ssl_mode: "verify-full",
            ca_cert_path: file("ca"),
            max_open_conn: GRAFANA_DATABASE.maxOpenConnections,
            max_idle_conn: GRAFANA_DATABASE.maxIdleConnections,
        },
        remote_cache: { type: "database" },
        unified_alerting: { enabled: true, execute_alerts: false },
    };
    return { sections, secretKey: `$__file{${file("secretKey")}}` };
}

/** Datasource UIDs, stable so that links between them (and later dashboards) can name them. */
export const DATASOURCE_UIDS = { mimir: "mimir", loki: "loki", tempo: "tempo", alertmanager: "alertmanager" } as const;

export interface GrafanaContext extends Pick<BackendContext, "environment" | "namespace"> {
    readonly alertmanagerUrl: string;
    /** Public URL of Grafana, when the stack has a domain. */
    readonly rootUrl?: string;
    /** The ingress controller in front of Grafana (Traefik reads the backend's scheme from the Service). */
    readonly ingressController: IngressController;
    /** prod: the cluster's availability zones, over which the replicas spread. */
    readonly zones?: readonly string[];
}

/** The Service annotations that make Traefik proxy to Grafana over HTTPS through the verifying ServersTransport. */
export function traefikServiceAnnotations(namespace: string): Record<string, string> {
    return {
        "traefik.ingress.kubernetes.io/service.serversscheme": "https",
        "traefik.ingress.kubernetes.io/service.serverstransport": `${namespace}-${GRAFANA_SERVERS_TRANSPORT}@kubernetescrd`,
    };
}

/** jsonData/secureJsonData that make a datasource verify the backend against the CA and present Grafana's client certificate. */
function tlsFor(url: string): { jsonData: Values; secureJsonData: Values } | undefined {
    if (!url.startsWith("https://")) return undefined;
    const host = new URL(url).hostname;
    return {
        jsonData: { tlsAuth: true, tlsAuthWithCACert: true, serverName: host, tlsSkipVerify: false },
        secureJsonData: {
            tlsCACert: `$__file{${CLIENT_TLS_DIR}/ca.crt}`,
            tlsClientCert: `$__file{${CLIENT_TLS_DIR}/tls.crt}`,
            tlsClientKey: `$__file{${CLIENT_TLS_DIR}/tls.key}`,
        },
    };
}

/** The provisioned datasources: exemplars → Tempo, traces → logs and metrics, service map, trace ids in logs → Tempo. */
export function grafanaDatasources(ctx: GrafanaContext): Values[] {
    const mimirUrl = mimirEndpoints(ctx).read;
    const lokiUrl = lokiEndpoints(ctx).read;
    const tempoUrl = tempoEndpoints(ctx).query;
    const ds = (name: string, uid: string, type: string, url: string, jsonData: Values, isDefault = false): Values => {
        const tls = tlsFor(url);
        return {
            name, uid, type, url, access: "proxy", isDefault, editable: false,
            jsonData: { ...tls?.jsonData, ...jsonData },
            ...(tls ? { secureJsonData: tls.secureJsonData } : {}),
        };
    };
    return [
        ds("Mimir", DATASOURCE_UIDS.mimir, "prometheus", mimirUrl, {
            prometheusType: "Mimir",
            httpMethod: "POST",
            exemplarTraceIdDestinations: [{ name: "trace_id", datasourceUid: DATASOURCE_UIDS.tempo }],
        }, true),
        ds("Loki", DATASOURCE_UIDS.loki, "loki", lokiUrl, {
            derivedFields: [
                { name: "TraceID", matcherType: "label", matcherRegex: "trace_id", url: "${__value.raw}", datasourceUid: DATASOURCE_UIDS.tempo },
                { name: "TraceIDInLine", matcherRegex: "(?:trace_?id|traceID)[\"=:\\s]+\"?(\\w+)", url: "${__value.raw}", datasourceUid: DATASOURCE_UIDS.tempo },
            ],
        }),
        ds("Tempo", DATASOURCE_UIDS.tempo, "tempo", tempoUrl, {
            tracesToLogsV2: { datasourceUid: DATASOURCE_UIDS.loki, filterByTraceID: true, spanStartTimeShift: "-5m", spanEndTimeShift: "5m", customQuery: false },
            tracesToMetrics: {
                datasourceUid: DATASOURCE_UIDS.mimir,
                spanStartTimeShift: "-5m", spanEndTimeShift: "5m",
                tags: [{ key: "service.name", value: "service" }],
                queries: [{ name: "Request rate", query: "sum(rate(traces_spanmetrics_calls_total{$__tags}[5m]))" }],
            },
            serviceMap: { datasourceUid: DATASOURCE_UIDS.mimir },
            nodeGraph: { enabled: true },
            lokiSearch: { datasourceUid: DATASOURCE_UIDS.loki },
            streamingEnabled: { search: true, metrics: true },
        }),
        ds("Alertmanager", DATASOURCE_UIDS.alertmanager, "alertmanager", ctx.alertmanagerUrl, {
            implementation: "prometheus",
            handleGrafanaManagedAlerts: false,
        }),
    ];
}

export function grafanaValues(ctx: GrafanaContext): RenderedRelease {
    const res = resources(100, 256, 1000, 1024);
    const small = resources(10, 32, 100, 64);
    // Grafana serves HTTPS; kubelet probes it without verifying (Grafana has no client-certificate setting).
    const probe = { httpGet: { path: "/api/health", port: "grafana", scheme: "HTTPS" } };
    // prod: replicas on the shared database, one per node, at most one down at a time; no volume (a single
    // ReadWriteOnce claim cannot serve two replicas, and the chart does not refuse it).
    const shared = ctx.environment === "prod";
    const replicas = GRAFANA_REPLICAS[ctx.environment];
    const database = shared ? sharedDatabaseIni() : undefined;
    const values: Values = {
        replicas,
        admin: { existingSecret: GRAFANA_ADMIN_SECRET, userKey: "admin-user", passwordKey: "admin-password" },
        // dev: SQLite on a volume, one replica. prod: the stack's RDS PostgreSQL (grafana.ini database.*).
        persistence: shared ? { enabled: false } : { enabled: true, size: `${GRAFANA_VOLUME_GIB}Gi` },
        ...(shared ? { podDisruptionBudget: { maxUnavailable: 1 }, affinity: spreadOverNodes(GRAFANA_SELECTOR) } : {}),
        ...(shared && ctx.zones ? { topologySpreadConstraints: spreadOverZones(GRAFANA_SELECTOR) } : {}),
        resources: res,
        // Pod Security `restricted` as the image's user 472. The root `chown` init container is off: fsGroup makes
        // the volume writable. No sidecar is on, so nothing calls the Kubernetes API: no token, no (empty) ClusterRole.
        securityContext: restrictedPodSecurity(472),
        containerSecurityContext: restrictedContainerSecurity(false),
        initChownData: { enabled: false, resources: small },
        automountServiceAccountToken: false,
        serviceAccount: { automountServiceAccountToken: false },
        rbac: { create: false, pspEnabled: false },
        downloadDashboards: { resources: small },
        sidecar: { resources: small, dashboards: { enabled: false }, datasources: { enabled: false }, alerts: { enabled: false }, notifiers: { enabled: false }, plugins: { enabled: false } },
        imageRenderer: { enabled: false, resources: resources(100, 256, 500, 512) },
        testFramework: { enabled: false, resources: small },
        serviceMonitor: { enabled: false },
        assertNoLeakedSecrets: true,
        readinessProbe: probe,
        livenessProbe: { ...probe, initialDelaySeconds: 60, timeoutSeconds: 30, failureThreshold: 10 },
        ...(ctx.ingressController === "traefik" ? { service: { annotations: traefikServiceAnnotations(ctx.namespace) } } : {}),
        "grafana.ini": {
            server: {
                protocol: "https",
                cert_file: `${GRAFANA_SERVER_TLS_DIR}/tls.crt`,
                cert_key: `${GRAFANA_SERVER_TLS_DIR}/tls.key`,
                min_tls_version: "TLS1.2",
                // Renewed certificates are picked up without a restart.
                certs_watch_interval: "1h",
                ...(ctx.rootUrl ? { root_url: ctx.rootUrl } : {}),
            },
            analytics: { reporting_enabled: false, check_for_updates: false, check_for_plugin_updates: false },
            users: { allow_sign_up: false },
            "auth.anonymous": { enabled: false },
            security: { disable_gravatar: true, cookie_samesite: "strict", ...(database ? { secret_key: database.secretKey } : {}) },
            ...database?.sections,
        },
        extraSecretMounts: [
            { name: "observability-tls", secretName: GRAFANA_CLIENT_TLS_SECRET, defaultMode: 0o440, mountPath: CLIENT_TLS_DIR, readOnly: true },
            { name: "server-tls", secretName: tlsSecretName("grafana"), defaultMode: 0o440, mountPath: GRAFANA_SERVER_TLS_DIR, readOnly: true },
            ...(shared ? [{ name: "database", secretName: GRAFANA_DATABASE_SECRET, defaultMode: 0o440, mountPath: GRAFANA_DATABASE_DIR, readOnly: true }] : []),
        ],
        datasources: { "datasources.yaml": { apiVersion: 1, datasources: grafanaDatasources(ctx) } },
    };
    return {
        name: GRAFANA_RELEASE,
        chart: CHARTS.grafana,
        values,
        workloads: [{ component: "grafana", replicas, containers: { grafana: res }, ...(shared ? {} : { volumeGiB: GRAFANA_VOLUME_GIB }) }],
        // Endpoint slices carry the pod's port (3000), which is what the agents' scrape jobs match.
        metrics: [{ release: GRAFANA_RELEASE, service: "grafana", port: GRAFANA_PORT, path: "/metrics", scheme: "https", serverName: serviceHost(GRAFANA_RELEASE, ctx.namespace) }],
    };
}
