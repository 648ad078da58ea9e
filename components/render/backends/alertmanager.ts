// Values of the `alertmanager` chart (prometheus-community 1.42.0) and the alertmanager.yml it runs: one route
// to the configured default receiver. Credentials are never in the config: each integration reads its key or
// URL from a file mounted from a Kubernetes Secret (`*_file` settings).
import * as YAML from "yaml";
import type { Environment } from "../../config";
import { CHARTS, RenderedRelease, resources, serviceHost, spreadOverNodes, TLS_DIR, TLS_FILES, tlsSecretName, Values } from "./common";

export const ALERTMANAGER_RELEASE = "alertmanager";
export const ALERTMANAGER_PORT = 9093;
export const RECEIVER_KINDS = ["none", "slack", "pagerduty", "opsgenie"] as const;
export type ReceiverKind = (typeof RECEIVER_KINDS)[number];

/** Secret with the receiver credential files, and where they are mounted. */
export const RECEIVER_SECRET = "alertmanager-receivers";
export const RECEIVER_SECRET_DIR = "/etc/alertmanager/receivers";
/** The file (Secret key) each receiver kind reads its credential from. */
export const RECEIVER_CREDENTIAL_FILE: Readonly<Record<Exclude<ReceiverKind, "none">, string>> = {
    slack: "slack-webhook-url",
    pagerduty: "pagerduty-routing-key",
    opsgenie: "opsgenie-api-key",
};
/** Key of the Alertmanager TLS Secret holding the gossip TLS config (`--cluster.tls-config`). */
export const CLUSTER_TLS_CONFIG_KEY = "cluster-tls.yml";

export function alertmanagerUrl(namespace: string): string {
    return `http://${serviceHost(ALERTMANAGER_RELEASE, namespace)}:${ALERTMANAGER_PORT}`;
}

/** alertmanager.yml: every alert goes to the default receiver, grouped by alert name and namespace. */
export function alertmanagerConfig(receiver: ReceiverKind, stack: string): Values {
    const file = (kind: Exclude<ReceiverKind, "none">) => `${RECEIVER_SECRET_DIR}/${RECEIVER_CREDENTIAL_FILE[kind]}`;
    const integration: Values = {
        none: {},
        slack: {
            slack_configs: [{
                api_url_file: file("slack"),
                send_resolved: true,
                title: `[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }} (${stack})`,
                text: "{{ range .Alerts }}{{ .Annotations.summary }}\n{{ end }}",
            }],
        },
        pagerduty: { pagerduty_configs: [{ routing_key_file: file("pagerduty"), send_resolved: true, severity: "{{ or .CommonLabels.severity \"error\" }}" }] },
        opsgenie: { opsgenie_configs: [{ api_key_file: file("opsgenie"), send_resolved: true, tags: `observability-stack,${stack}` }] },
    }[receiver] as Values;
    return {
        global: { resolve_timeout: "5m" },
        route: {
            receiver: "default",
            group_by: ["alertname", "namespace"],
            group_wait: "30s",
            group_interval: "5m",
            repeat_interval: "4h",
        },
        inhibit_rules: [{
            source_matchers: ['severity="critical"'],
            target_matchers: ['severity="warning"'],
            equal: ["alertname", "namespace"],
        }],
        receivers: [{ name: "default", ...integration }],
    };
}

/** Gossip TLS between Alertmanager replicas (`--cluster.tls-config`), in the format of the exporter-toolkit. */
export function clusterTlsConfig(namespace: string): string {
    return YAML.stringify({
        tls_server_config: { cert_file: TLS_FILES.cert, key_file: TLS_FILES.key, client_ca_file: TLS_FILES.ca, client_auth_type: "RequireAndVerifyClientCert" },
        tls_client_config: { cert_file: TLS_FILES.cert, key_file: TLS_FILES.key, ca_file: TLS_FILES.ca, server_name: serviceHost(ALERTMANAGER_RELEASE, namespace) },
    });
}

export function alertmanagerValues(ctx: { environment: Environment; namespace: string; stack: string; receiver: ReceiverKind }): RenderedRelease {
    const dev = ctx.environment === "dev";
    const replicas = dev ? 1 : 3;
    const res = resources(20, 64, 200, 256);
    const reloadRes = resources(10, 32, 100, 64);
    const values: Values = {
        fullnameOverride: ALERTMANAGER_RELEASE,
        replicaCount: replicas,
        persistence: { enabled: true, size: "1Gi" },
        resources: res,
        configmapReload: { enabled: true, resources: reloadRes },
        config: alertmanagerConfig(ctx.receiver, ctx.stack),
        extraArgs: { "cluster.tls-config": `${TLS_DIR}/${CLUSTER_TLS_CONFIG_KEY}` },
        extraSecretMounts: [
            { name: "observability-tls", secretName: tlsSecretName("alertmanager"), mountPath: TLS_DIR, readOnly: true },
            ...(ctx.receiver === "none" ? [] : [{ name: "receivers", secretName: RECEIVER_SECRET, mountPath: RECEIVER_SECRET_DIR, readOnly: true }]),
        ],
        ...(dev ? {} : {
            podDisruptionBudget: { maxUnavailable: 1 },
            affinity: spreadOverNodes({ "app.kubernetes.io/name": "alertmanager", "app.kubernetes.io/instance": ALERTMANAGER_RELEASE }),
        }),
    };
    return {
        name: ALERTMANAGER_RELEASE,
        chart: CHARTS.alertmanager,
        values,
        workloads: [{ component: "alertmanager", replicas, containers: { alertmanager: res, "config-reloader": reloadRes } }],
        metrics: [{ release: ALERTMANAGER_RELEASE, service: "alertmanager", port: ALERTMANAGER_PORT, path: "/metrics", scheme: "http" }],
    };
}
