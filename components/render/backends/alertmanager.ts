// Values of the `alertmanager` chart (prometheus-community 1.42.0, Alertmanager 0.34) and the alertmanager.yml it
// runs: severity routing to PagerDuty, Opsgenie and Slack, the dead-man's switch, inhibitions and maintenance
// windows. Credentials are never in the config: each integration reads its key or URL from a file mounted from a
// Kubernetes Secret (`*_file` settings; the webhook's `url_file` needs Alertmanager 0.26 or newer).
import * as YAML from "yaml";
import type { Environment } from "../../config/primitives";
import { FORWARDER_CONFIG_KEY, FORWARDER_CONTAINER, FORWARDER_RESOURCES, forwarderConfigFile, forwarderContainer, type ForwarderContext } from "./alertmanager-forwarder";
import { CLUSTER_DOWN } from "../rules/catalogue/kubernetes";
import { WATCHDOG } from "../rules/catalogue/meta";
import {
    CHARTS, DATA_PATH_PRIORITY_CLASS, RenderedRelease, resources, restrictedContainerSecurity, restrictedPodSecurity, serviceHost, spreadOverNodes, spreadOverZones, TLS_DIR, TLS_FILES, tlsSecretName, Values,
} from "./common";

const ALERTMANAGER_SELECTOR = { "app.kubernetes.io/name": "alertmanager", "app.kubernetes.io/instance": "alertmanager" };

/** Each replica's volume: silences and the notification log. */
const ALERTMANAGER_VOLUME_GIB = 1;

export const ALERTMANAGER_RELEASE = "alertmanager";
export const ALERTMANAGER_PORT = 9093;
/** The integrations Alertmanager can notify; each is on when its credential is configured. */
export const INTEGRATIONS = ["pagerduty", "opsgenie", "slack", "deadmansswitch"] as const;
export type Integration = (typeof INTEGRATIONS)[number];

/** Secret with the receiver credential files, and where they are mounted. */
export const RECEIVER_SECRET = "alertmanager-receivers";
export const RECEIVER_SECRET_DIR = "/etc/alertmanager/receivers";
/** The file (Secret key) each integration reads its key or URL from. */
export const RECEIVER_CREDENTIAL_FILE: Readonly<Record<Integration, string>> = {
    pagerduty: "pagerduty-routing-key",
    opsgenie: "opsgenie-api-key",
    slack: "slack-webhook-url",
    deadmansswitch: "deadmansswitch-url",
};
/**
 * The TLS configs of the gossip (`--cluster.tls-config`) and web server (`--web.config.file`): only file paths, so
 * they are files of the release's config ConfigMap (the chart's `templates`, mounted at `/etc/alertmanager`; only
 * `*.tmpl` files there are read as notification templates).
 */
export const CONFIG_DIR = "/etc/alertmanager";
export const CLUSTER_TLS_CONFIG_KEY = "cluster-tls.yml";
export const WEB_CONFIG_KEY = "web.yml";
/** The chart's config volume (`config`, the ConfigMap at CONFIG_DIR) as the metrics forwarder mounts it. */
const FORWARDER_DIR = "/etc/metrics-forwarder";

/** A weekly maintenance window during which notifications (not the dead-man's switch) are muted. */
export interface MaintenanceWindow {
    /** Lower-case weekday names or ranges, e.g. `saturday` or `monday:friday`. */
    readonly weekdays: readonly string[];
    /** `HH:MM`, 24-hour clock. */
    readonly startTime: string;
    readonly endTime: string;
    /** IANA time zone, e.g. `Europe/Paris`. Default `UTC`. */
    readonly location: string;
}

export interface AlertingSettings {
    /** Integrations with a configured credential, in any order. */
    readonly integrations: readonly Integration[];
    readonly maintenance: readonly MaintenanceWindow[];
}

export interface AlertmanagerConfigOptions extends AlertingSettings {
    readonly stack: string;
    /** Where the credential files are (default: the mounted Secret). */
    readonly credentialDir?: string;
    /** API endpoints instead of the vendors' (the delivery test points them at local sinks). */
    readonly apiUrls?: Partial<Record<"pagerduty" | "opsgenie", string>>;
}

/** Labels alerts are grouped by: one notification per alert name, cluster and service (or component job). */
export const GROUP_BY = ["alertname", "k8s_cluster_name", "service", "service_name", "job"] as const;
/** Receiver of what nobody is told about (info, and everything when no integration is configured). */
export const NULL_RECEIVER = "null";
export const MAINTENANCE = "maintenance";

export function alertmanagerUrl(namespace: string): string {
    return `https://${serviceHost(ALERTMANAGER_RELEASE, namespace)}:${ALERTMANAGER_PORT}`;
}

/**
 * alertmanager.yml: critical pages (PagerDuty and/or Opsgenie) and posts to Slack, warning posts to Slack, info
 * tells nobody, Watchdog beats the dead-man's switch every minute. Warnings are inhibited by a critical of the same
 * component and object; every alert of a cluster is inhibited while the cluster is down. Maintenance windows mute
 * everything but the Watchdog. Credentials come from files only (`*_file`).
 */
export function alertmanagerConfig(o: AlertmanagerConfigOptions): Values {
    const on = new Set(o.integrations);
    const dir = o.credentialDir ?? RECEIVER_SECRET_DIR;
    const file = (i: Integration) => `${dir}/${RECEIVER_CREDENTIAL_FILE[i]}`;
    const mute = o.maintenance.length > 0 ? { mute_time_intervals: [MAINTENANCE] } : {};
    const receivers: Values[] = [{ name: NULL_RECEIVER }];
    const routes: Values[] = [{
        receiver: on.has("deadmansswitch") ? "deadmansswitch" : NULL_RECEIVER,
        matchers: [`alertname="${WATCHDOG}"`],
        group_by: ["alertname"],
        group_wait: "0s",
        group_interval: "1m",
        repeat_interval: "1m",
    }];
    if (on.has("deadmansswitch")) {
        receivers.push({ name: "deadmansswitch", webhook_configs: [{ url_file: file("deadmansswitch"), send_resolved: false }] });
    }
    if (on.has("pagerduty")) {
        receivers.push({
            name: "pagerduty",
            pagerduty_configs: [{
                routing_key_file: file("pagerduty"),
                ...(o.apiUrls?.pagerduty ? { url: o.apiUrls.pagerduty } : {}),
                send_resolved: true,
                severity: "critical",
                description: `[${o.stack}] {{ .CommonLabels.alertname }}: {{ .CommonAnnotations.summary }}`,
                details: { runbook: "{{ .CommonAnnotations.runbook_url }}", cluster: "{{ .CommonLabels.k8s_cluster_name }}" },
            }],
        });
        routes.push({ receiver: "pagerduty", matchers: ['severity="critical"'], continue: true, ...mute });
    }
    if (on.has("opsgenie")) {
        // Opsgenie's end of support is April 2027: set pagerdutyRoutingKey too while moving, criticals go to both.
        receivers.push({
            name: "opsgenie",
            opsgenie_configs: [{
                api_key_file: file("opsgenie"),
                ...(o.apiUrls?.opsgenie ? { api_url: o.apiUrls.opsgenie } : {}),
                send_resolved: true,
                priority: "P1",
                message: `[${o.stack}] {{ .CommonLabels.alertname }}: {{ .CommonAnnotations.summary }}`,
                tags: `observability-stack,${o.stack}`,
            }],
        });
        routes.push({ receiver: "opsgenie", matchers: ['severity="critical"'], continue: true, ...mute });
    }
    if (on.has("slack")) {
        receivers.push({
            name: "slack",
            slack_configs: [{
                api_url_file: file("slack"),
                send_resolved: true,
                title: `[{{ .Status | toUpper }}] {{ .CommonLabels.severity }} {{ .CommonLabels.alertname }} (${o.stack})`,
                text: "{{ range .Alerts }}{{ .Annotations.summary }}\n{{ .Annotations.runbook_url }}\n{{ end }}",
            }],
        });
        routes.push({ receiver: "slack", matchers: ['severity=~"critical|warning"'], ...mute });
    }
    return {
        global: { resolve_timeout: "5m" },
        route: {
            receiver: NULL_RECEIVER,
            group_by: [...GROUP_BY],
            group_wait: "30s",
            group_interval: "5m",
            repeat_interval: "4h",
            routes,
        },
        inhibit_rules: [
            {
                source_matchers: ['severity="critical"'],
                target_matchers: ['severity="warning"'],
                equal: ["k8s_cluster_name", "job", "k8s_namespace_name", "service", "service_name", "slo", "host_name"],
            },
            {
                source_matchers: [`alertname="${CLUSTER_DOWN}"`],
                target_matchers: [`alertname!="${CLUSTER_DOWN}"`, `alertname!="${WATCHDOG}"`],
                equal: ["k8s_cluster_name"],
            },
        ],
        ...(o.maintenance.length > 0 ? {
            time_intervals: [{
                name: MAINTENANCE,
                time_intervals: o.maintenance.map(w => ({ weekdays: [...w.weekdays], times: [{ start_time: w.startTime, end_time: w.endTime }], location: w.location })),
            }],
        } : {}),
        receivers,
    };
}

/**
 * The web server's TLS (`--web.config.file`, exporter-toolkit format): the pod's certificate; a client certificate is
 * verified when given, because kubelet probes the API without one (Mimir's ruler, Grafana and the agents present theirs).
 */
export function webTlsConfig(): string {
    return YAML.stringify({
        tls_server_config: { cert_file: TLS_FILES.cert, key_file: TLS_FILES.key, client_ca_file: TLS_FILES.ca, client_auth_type: "VerifyClientCertIfGiven", min_version: "TLS12" },
    });
}

/** Gossip TLS between Alertmanager replicas (`--cluster.tls-config`), in the format of the exporter-toolkit. */
export function clusterTlsConfig(namespace: string): string {
    return YAML.stringify({
        tls_server_config: { cert_file: TLS_FILES.cert, key_file: TLS_FILES.key, client_ca_file: TLS_FILES.ca, client_auth_type: "RequireAndVerifyClientCert" },
        tls_client_config: { cert_file: TLS_FILES.clientCert, key_file: TLS_FILES.clientKey, ca_file: TLS_FILES.ca, server_name: serviceHost(ALERTMANAGER_RELEASE, namespace) },
    });
}

export function alertmanagerValues(ctx: { environment: Environment; namespace: string; stack: string; alerting: AlertingSettings; zones?: readonly string[] }): RenderedRelease {
    const dev = ctx.environment === "dev";
    const replicas = dev ? 1 : 3;
    const res = resources(20, 64, 200, 256);
    const probe = { httpGet: { path: "/", port: "http", scheme: "HTTPS" } };
    // No pod scrapes Alertmanager: a sidecar pushes its metrics (alertmanager-forwarder.ts says why).
    const forwarder: ForwarderContext = { environment: ctx.environment, namespace: ctx.namespace, stack: ctx.stack, release: ALERTMANAGER_RELEASE, port: ALERTMANAGER_PORT, configDir: FORWARDER_DIR };
    const values: Values = {
        fullnameOverride: ALERTMANAGER_RELEASE,
        replicaCount: replicas,
        persistence: { enabled: true, size: `${ALERTMANAGER_VOLUME_GIB}Gi` },
        resources: res,
        // The reloader would call the HTTPS API without verifying it (its client skips verification and has no
        // certificate). Off, the chart puts the config's checksum on the pods, so a changed config rolls them instead.
        configmapReload: { enabled: false },
        // Pod Security `restricted` as the chart's user `nobody`; Alertmanager never calls the Kubernetes API.
        podSecurityContext: restrictedPodSecurity(65534),
        securityContext: restrictedContainerSecurity(false),
        automountServiceAccountToken: false,
        config: alertmanagerConfig({ ...ctx.alerting, stack: ctx.stack }),
        extraArgs: { "cluster.tls-config": `${CONFIG_DIR}/${CLUSTER_TLS_CONFIG_KEY}`, "web.config.file": `${CONFIG_DIR}/${WEB_CONFIG_KEY}` },
        templates: { [CLUSTER_TLS_CONFIG_KEY]: clusterTlsConfig(ctx.namespace), [WEB_CONFIG_KEY]: webTlsConfig(), [FORWARDER_CONFIG_KEY]: forwarderConfigFile(forwarder) },
        extraContainers: [forwarderContainer(forwarder, { config: "config", tls: "observability-tls" })],
        livenessProbe: probe,
        readinessProbe: probe,
        extraSecretMounts: [
            { name: "observability-tls", secretName: tlsSecretName("alertmanager"), mountPath: TLS_DIR, readOnly: true },
            ...(ctx.alerting.integrations.length === 0 ? [] : [{ name: "receivers", secretName: RECEIVER_SECRET, mountPath: RECEIVER_SECRET_DIR, readOnly: true }]),
        ],
        // prod: a replica per zone (the peers gossip the silences and the notification log, so any one can notify).
        ...(dev ? {} : {
            podDisruptionBudget: { maxUnavailable: 1 },
            affinity: spreadOverNodes(ALERTMANAGER_SELECTOR),
            priorityClassName: DATA_PATH_PRIORITY_CLASS,
            ...(ctx.zones ? { topologySpreadConstraints: spreadOverZones(ALERTMANAGER_SELECTOR) } : {}),
        }),
    };
    return {
        name: ALERTMANAGER_RELEASE,
        chart: CHARTS.alertmanager,
        values,
        workloads: [{ component: "alertmanager", replicas, containers: { alertmanager: res, [FORWARDER_CONTAINER]: FORWARDER_RESOURCES }, volumeGiB: ALERTMANAGER_VOLUME_GIB }],
        metrics: [],
    };
}
