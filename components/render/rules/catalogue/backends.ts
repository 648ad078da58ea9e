// The backends watching themselves, from each component's /metrics (scraped by the agent on its node): request
// errors and latency per route for Loki, Tempo, Mimir and Grafana, and what each does behind the requests: Loki's
// ingest and retention, Tempo's compaction and metrics-generator, Mimir's ingest, compactor, ruler and store,
// Alertmanager's notifications, config and cluster, and any component that cannot be scraped.
import { by, Component, JOBS, job, LABELS, show } from "../labels";
import { AlertDefinition, CatalogueGroup, InputSeries, RecordingRule, Severity, series } from "../model";

const C = { [LABELS.cluster]: "obs" };
const pod = (c: Component, name: string, extra: Record<string, string> = {}) => ({ ...C, job: JOBS[c], [LABELS.pod]: name, ...extra });
const at = (c: Component) => `${show("pod")} (${JOBS[c]}, cluster ${show("cluster")})`;
/** The labels an alert keeps from a fixture pod, by meaning. */
const kept = (c: Component, name: string, extra: Record<string, string> = {}) => ({ ...C, job: JOBS[c], [LABELS.pod]: name, ...extra });

/** A component's request metrics: the request-duration histogram and which label names the route. */
interface Requests {
    readonly component: Component;
    readonly name: string;
    readonly histogram: string;
    readonly route: string;
    readonly errorSeverity: Severity;
    readonly latencySeconds: number;
    readonly sampleRoute: string;
}

const REQUESTS: readonly Requests[] = [
    { component: "loki", name: "Loki", histogram: "loki_request_duration_seconds", route: "route", errorSeverity: "critical", latencySeconds: 5, sampleRoute: "loki_api_v1_push" },
    { component: "tempo", name: "Tempo", histogram: "tempo_request_duration_seconds", route: "route", errorSeverity: "critical", latencySeconds: 5, sampleRoute: "api_search" },
    { component: "mimir", name: "Mimir", histogram: "cortex_request_duration_seconds", route: "route", errorSeverity: "critical", latencySeconds: 2.5, sampleRoute: "api_v1_push" },
    { component: "grafana", name: "Grafana", histogram: "grafana_http_request_duration_seconds", route: "handler", errorSeverity: "warning", latencySeconds: 5, sampleRoute: "/api/ds/query" },
];

function requestRules(r: Requests): { recording: RecordingRule[]; alerts: AlertDefinition[] } {
    const keys = by("cluster", "job", `=${r.route}`);
    const sel = (extra = "") => `{${job(r.component)}${extra}}`;
    const errors = `${r.component}:request_errors:ratio_rate5m`;
    const p99 = `${r.component}:request_duration_seconds:p99_5m`;
    const req = (status: string, values: string): InputSeries =>
        series(`${r.histogram}_count`, { ...C, job: JOBS[r.component], [LABELS.pod]: `${r.component}-0`, [r.route]: r.sampleRoute, method: "POST", status_code: status }, values);
    const bucket = (le: string, values: string): InputSeries =>
        series(`${r.histogram}_bucket`, { ...C, job: JOBS[r.component], [LABELS.pod]: `${r.component}-0`, [r.route]: r.sampleRoute, method: "POST", status_code: "200", le }, values);
    const route = { ...C, job: JOBS[r.component], [r.route]: r.sampleRoute };
    return {
        recording: [
            {
                record: errors,
                expr: `sum by (${keys}) (rate(${r.histogram}_count${sel(', status_code=~"5.."')}[5m])) / sum by (${keys}) (rate(${r.histogram}_count${sel()}[5m]))`,
            },
            {
                record: p99,
                expr: `histogram_quantile(0.99, sum by (${keys}, le) (rate(${r.histogram}_bucket${sel()}[5m])))`,
            },
        ],
        alerts: [
            {
                alert: `${r.name}RequestErrors`,
                expr: `${errors} > 0.05`,
                for: "15m",
                severity: r.errorSeverity,
                summary: `${r.name}: over 5% of {{ $labels.${r.route} }} requests fail (cluster ${show("cluster")})`,
                description: `More than 5% of the requests to ${r.name}'s {{ $labels.${r.route} }} answered 5xx over the last 5 minutes, for 15 minutes.`,
                fires: { series: [req("200", "0+90x30"), req("500", "0+10x30")], at: "25m", alerts: [route] },
                quiet: { series: [req("200", "0+999x30"), req("500", "0+1x30")], at: "25m" },
            },
            {
                alert: `${r.name}RequestLatencyHigh`,
                expr: `${p99} > ${r.latencySeconds}`,
                for: "15m",
                severity: "warning",
                summary: `${r.name}: p99 latency of {{ $labels.${r.route} }} is over ${r.latencySeconds}s (cluster ${show("cluster")})`,
                description: `The 99th percentile of ${r.name}'s {{ $labels.${r.route} }} requests took longer than ${r.latencySeconds}s over the last 5 minutes, for 15 minutes.`,
                fires: { series: [bucket("0.5", "0x30"), bucket("20", "0+100x30"), bucket("+Inf", "0+100x30")], at: "25m", alerts: [route] },
                quiet: { series: [bucket("0.5", "0+100x30"), bucket("20", "0+100x30"), bucket("+Inf", "0+100x30")], at: "25m" },
            },
        ],
    };
}

/** A counter that must not rise: fires when it rose over the window, with the labels kept by `keys`. */
function rising(o: {
    alert: string; component: Component; metric: string; keys: string[]; window: string; for: string; severity: Severity;
    summary: string; description: string; extra?: Record<string, string>;
}): AlertDefinition {
    const extra = o.extra ?? {};
    const labels = Object.fromEntries(Object.entries(pod(o.component, `${o.component}-0`, extra)).filter(([k]) => [LABELS.cluster, LABELS.job, ...o.keys].includes(k)));
    return {
        alert: o.alert,
        expr: `sum by (${by("cluster", "job")}${o.keys.map(k => `, ${k}`).join("")}) (increase(${o.metric}{${job(o.component)}}[${o.window}])) > 0`,
        for: o.for,
        severity: o.severity,
        summary: o.summary,
        description: o.description,
        fires: { series: [series(o.metric, pod(o.component, `${o.component}-0`, extra), "0+1x40")], at: "30m", alerts: [labels] },
        quiet: { series: [series(o.metric, pod(o.component, `${o.component}-0`, extra), "5x40")], at: "30m" },
    };
}

/** A last-success timestamp that must stay recent. */
function stale(o: { alert: string; component: Component; metric: string; maxAgeHours: number; severity: Severity; summary: string; description: string }): AlertDefinition {
    return {
        alert: o.alert,
        expr: `time() - max by (${by("cluster", "job")}) (${o.metric}{${job(o.component)}}) > ${o.maxAgeHours * 3600}`,
        for: "15m",
        severity: o.severity,
        summary: o.summary,
        description: o.description,
        // The last success at t=0, never again: stale once maxAgeHours have passed.
        fires: { series: [series(o.metric, pod(o.component, `${o.component}-compactor-0`), `0x${o.maxAgeHours * 60 + 40}`)], at: `${o.maxAgeHours * 60 + 30}m`, alerts: [{ ...C, job: JOBS[o.component] }] },
    };
}

// Scrape intervals are 30s: fixtures use 1m steps, which every rate window here spans several times.
const loki: CatalogueGroup = (() => {
    const r = requestRules(REQUESTS[0]);
    return {
        name: "loki",
        recording: [
            ...r.recording,
            { record: "loki:distributor_bytes_received:rate5m", expr: `sum by (${by("cluster")}) (rate(loki_distributor_bytes_received_total{${job("loki")}}[5m]))` },
        ],
        alerts: [
            ...r.alerts,
            {
                alert: "LokiDiscardingLogs",
                expr: `sum by (${by("cluster", "=reason")}) (rate(loki_discarded_samples_total{${job("loki")}}[5m])) > 0`,
                for: "15m",
                severity: "warning",
                summary: `Loki discards log lines: {{ $labels.reason }} (cluster ${show("cluster")})`,
                description: "Loki refuses log lines at ingest (rate limits, too old, too long, stream limits). The reason label says which limit; those lines are lost.",
                fires: { series: [series("loki_discarded_samples_total", pod("loki", "loki-0", { reason: "rate_limited", tenant: "fake" }), "0+10x30")], at: "25m", alerts: [{ ...C, reason: "rate_limited" }] },
                quiet: { series: [series("loki_discarded_samples_total", pod("loki", "loki-0", { reason: "rate_limited", tenant: "fake" }), "3x30")], at: "25m" },
            },
            rising({
                alert: "LokiChunkFlushFailing", component: "loki", metric: "loki_ingester_chunks_flush_failures_total", keys: [LABELS.pod], window: "15m", for: "15m", severity: "critical",
                summary: `Loki ingester ${at("loki")} fails to flush chunks to S3`,
                description: "An ingester could not write chunks to object storage for 15 minutes. They stay in memory and the WAL; if the ingester restarts without its volume, they are lost.",
            }),
            stale({
                alert: "LokiRetentionNotRunning", component: "loki", metric: "loki_compactor_apply_retention_last_successful_run_timestamp_seconds", maxAgeHours: 6, severity: "warning",
                summary: `Loki's compactor has not applied retention for 6 hours (cluster ${show("cluster")})`,
                description: "The compactor deletes logs older than the retention period. It has not completed a retention run in 6 hours, so expired logs (which may hold personal data) are kept and storage grows.",
            }),
            rising({
                alert: "LokiPanics", component: "loki", metric: "loki_panic_total", keys: [LABELS.pod], window: "10m", for: "0m", severity: "warning",
                summary: `Loki ${at("loki")} recovered from a panic`,
                description: "A Loki component panicked and recovered. Requests in flight failed; repeated panics point at a bug or corrupt data.",
            }),
        ],
    };
})();

const tempo: CatalogueGroup = (() => {
    const r = requestRules(REQUESTS[1]);
    return {
        name: "tempo",
        recording: [
            ...r.recording,
            { record: "tempo:distributor_spans_received:rate5m", expr: `sum by (${by("cluster")}) (rate(tempo_distributor_spans_received_total{${job("tempo")}}[5m]))` },
        ],
        alerts: [
            ...r.alerts,
            {
                alert: "TempoDiscardingSpans",
                expr: `sum by (${by("cluster", "=reason")}) (rate(tempo_discarded_spans_total{${job("tempo")}}[5m])) > 0`,
                for: "15m",
                severity: "warning",
                summary: `Tempo discards spans: {{ $labels.reason }} (cluster ${show("cluster")})`,
                description: "Tempo refuses spans at ingest (rate limits, trace too large, live traces limit). The reason label says which limit; those spans are lost.",
                fires: { series: [series("tempo_discarded_spans_total", pod("tempo", "tempo-0", { reason: "rate_limited", tenant: "single-tenant" }), "0+10x30")], at: "25m", alerts: [{ ...C, reason: "rate_limited" }] },
                quiet: { series: [series("tempo_discarded_spans_total", pod("tempo", "tempo-0", { reason: "rate_limited", tenant: "single-tenant" }), "3x30")], at: "25m" },
            },
            rising({
                alert: "TempoCompactionFailing", component: "tempo", metric: "tempodb_compaction_errors_total", keys: [], window: "1h", for: "15m", severity: "warning",
                summary: `Tempo's compactions fail (cluster ${show("cluster")})`,
                description: "Tempo could not compact blocks in the last hour. Block counts grow, searches slow down and retention deletes late.",
            }),
            rising({
                alert: "TempoBlocklistPollFailing", component: "tempo", metric: "tempodb_blocklist_poll_errors_total", keys: [], window: "15m", for: "15m", severity: "critical",
                summary: `Tempo cannot list its blocks in S3 (cluster ${show("cluster")})`,
                description: "Tempo's blocklist poll fails: queriers do not see new blocks and compactors do not see what to compact. Usually S3 permissions or connectivity.",
            }),
            rising({
                alert: "TempoMetricsGeneratorRemoteWriteFailing", component: "tempo", metric: "prometheus_remote_storage_samples_failed_total", keys: [], window: "10m", for: "10m", severity: "warning",
                summary: `Tempo's metrics-generator cannot write span metrics to Mimir (cluster ${show("cluster")})`,
                description: "The metrics-generator's remote write to Mimir fails. RED panels, HighErrorRate, HighLatency and every SLO go blind while it fails.",
            }),
            rising({
                alert: "TempoMetricsGeneratorSeriesLimited", component: "tempo", metric: "tempo_metrics_generator_registry_series_limited_total", keys: [], window: "15m", for: "15m", severity: "warning",
                summary: `Tempo's metrics-generator hit its series limit (cluster ${show("cluster")})`,
                description: "The metrics-generator drops new span-metric series because it reached max_active_series. New services or routes get no RED metrics and no SLO data.",
            }),
            rising({
                alert: "TempoMetricsGeneratorDiscardingSpans", component: "tempo", metric: "tempo_metrics_generator_spans_discarded_total", keys: ["reason"], window: "15m", for: "15m", severity: "warning", extra: { reason: "outside_metrics_ingestion_slack" },
                summary: `Tempo's metrics-generator discards spans: {{ $labels.reason }} (cluster ${show("cluster")})`,
                description: "Spans reach the metrics-generator too late or invalid and are not counted in span metrics, so request rates and error ratios read low.",
            }),
        ],
    };
})();

const mimir: CatalogueGroup = (() => {
    const r = requestRules(REQUESTS[2]);
    const ruler = (extra: Record<string, string> = {}) => pod("mimir", "mimir-ruler-0", { rule_group: "/rules/anonymous/collector.yaml;collector", ...extra });
    return {
        name: "mimir",
        recording: [
            ...r.recording,
            { record: "mimir:distributor_samples_received:rate5m", expr: `sum by (${by("cluster")}) (rate(cortex_distributor_received_samples_total{${job("mimir")}}[5m]))` },
            { record: "mimir:ingester_memory_series:sum", expr: `sum by (${by("cluster")}) (cortex_ingester_memory_series{${job("mimir")}})` },
        ],
        alerts: [
            ...r.alerts,
            {
                alert: "MimirDiscardingSamples",
                expr: `sum by (${by("cluster", "=reason")}) (rate(cortex_discarded_samples_total{${job("mimir")}}[5m])) > 0`,
                for: "15m",
                severity: "warning",
                summary: `Mimir discards samples: {{ $labels.reason }} (cluster ${show("cluster")})`,
                description: "Mimir refuses samples at ingest (series or rate limits, out of order, too old, invalid labels). The reason label says which; those samples are lost.",
                fires: { series: [series("cortex_discarded_samples_total", pod("mimir", "mimir-distributor-0", { reason: "per_user_series_limit", user: "anonymous" }), "0+10x30")], at: "25m", alerts: [{ ...C, reason: "per_user_series_limit" }] },
                quiet: { series: [series("cortex_discarded_samples_total", pod("mimir", "mimir-distributor-0", { reason: "per_user_series_limit", user: "anonymous" }), "3x30")], at: "25m" },
            },
            rising({
                alert: "MimirIngesterHeadCompactionFailing", component: "mimir", metric: "cortex_ingester_tsdb_compactions_failed_total", keys: [LABELS.pod], window: "1h", for: "15m", severity: "critical",
                summary: `Mimir ingester ${at("mimir")} fails to compact its TSDB head`,
                description: "The ingester cannot cut blocks from its in-memory head, so memory grows until it is OOM-killed and nothing new is shipped to S3.",
            }),
            rising({
                alert: "MimirIngesterWalCorrupted", component: "mimir", metric: "cortex_ingester_tsdb_wal_corruptions_total", keys: [LABELS.pod], window: "1h", for: "0m", severity: "critical",
                summary: `Mimir ingester ${at("mimir")} found a corrupt WAL`,
                description: "The ingester's write-ahead log was corrupt on replay: samples not yet in a block may be lost. With replication factor 3 the other ingesters still hold them.",
            }),
            stale({
                alert: "MimirCompactorNotRunning", component: "mimir", metric: "cortex_compactor_last_successful_run_timestamp_seconds", maxAgeHours: 24, severity: "critical",
                summary: `Mimir's compactor has not finished a run for 24 hours (cluster ${show("cluster")})`,
                description: "Without compaction, blocks pile up in S3, queries slow down and the metrics retention is not applied.",
            }),
            rising({
                alert: "MimirCompactorFailing", component: "mimir", metric: "cortex_compactor_runs_failed_total", keys: [], window: "2h", for: "15m", severity: "warning",
                summary: `Mimir's compactor runs fail (cluster ${show("cluster")})`,
                description: "At least one compaction run failed in the last 2 hours. One failure is retried; a run of them becomes MimirCompactorNotRunning.",
            }),
            {
                alert: "MimirRulerEvaluationsFailing",
                expr: `sum by (${by("cluster", "=rule_group")}) (rate(cortex_prometheus_rule_evaluation_failures_total{${job("mimir")}}[5m])) / sum by (${by("cluster", "=rule_group")}) (rate(cortex_prometheus_rule_evaluations_total{${job("mimir")}}[5m])) > 0.01`,
                for: "10m",
                severity: "critical",
                summary: `Mimir's ruler fails to evaluate rule group {{ $labels.rule_group }} (cluster ${show("cluster")})`,
                description: "Over 1% of the evaluations of this rule group fail, so its recording rules have gaps and its alerts may not fire.",
                fires: { series: [series("cortex_prometheus_rule_evaluations_total", ruler(), "0+10x30"), series("cortex_prometheus_rule_evaluation_failures_total", ruler(), "0+1x30")], at: "25m", alerts: [{ ...C, rule_group: "/rules/anonymous/collector.yaml;collector" }] },
                quiet: { series: [series("cortex_prometheus_rule_evaluations_total", ruler(), "0+10x30"), series("cortex_prometheus_rule_evaluation_failures_total", ruler(), "0x30")], at: "25m" },
            },
            rising({
                alert: "MimirRulerMissedIterations", component: "mimir", metric: "cortex_prometheus_rule_group_iterations_missed_total", keys: ["rule_group"], window: "10m", for: "10m", severity: "warning", extra: { rule_group: "/rules/anonymous/kubernetes.yaml;kubernetes" },
                summary: `Mimir's ruler misses evaluations of {{ $labels.rule_group }} (cluster ${show("cluster")})`,
                description: "A rule group takes longer than its interval to evaluate, so iterations are skipped and alerts fire late.",
            }),
            rising({
                alert: "MimirRulerNotificationsFailing", component: "mimir", metric: "cortex_prometheus_notifications_errors_total", keys: [], window: "5m", for: "5m", severity: "critical",
                summary: `Mimir's ruler cannot send alerts to Alertmanager (cluster ${show("cluster")})`,
                description: "Firing alerts are not reaching Alertmanager, so nobody is notified of them. Only the dead-man's switch will notice.",
            }),
            {
                alert: "MimirObjectStoreErrors",
                expr: `sum by (${by("cluster", "k8sService", "=operation")}) (rate(thanos_objstore_bucket_operation_failures_total{${job("mimir")}}[5m])) / sum by (${by("cluster", "k8sService", "=operation")}) (rate(thanos_objstore_bucket_operations_total{${job("mimir")}}[5m])) > 0.05`,
                for: "15m",
                severity: "warning",
                summary: `Mimir ${show("k8sService")}: over 5% of S3 {{ $labels.operation }} operations fail (cluster ${show("cluster")})`,
                description: "A Mimir component's calls to its S3 bucket fail. Store-gateways serve stale blocks, ingesters cannot ship and the compactor stalls.",
                fires: {
                    series: [
                        series("thanos_objstore_bucket_operations_total", pod("mimir", "mimir-store-gateway-0", { [LABELS.k8sService]: "mimir-store-gateway", operation: "get" }), "0+10x30"),
                        series("thanos_objstore_bucket_operation_failures_total", pod("mimir", "mimir-store-gateway-0", { [LABELS.k8sService]: "mimir-store-gateway", operation: "get" }), "0+2x30"),
                    ],
                    at: "25m",
                    alerts: [{ ...C, [LABELS.k8sService]: "mimir-store-gateway", operation: "get" }],
                },
                quiet: {
                    series: [
                        series("thanos_objstore_bucket_operations_total", pod("mimir", "mimir-store-gateway-0", { [LABELS.k8sService]: "mimir-store-gateway", operation: "get" }), "0+1000x30"),
                        series("thanos_objstore_bucket_operation_failures_total", pod("mimir", "mimir-store-gateway-0", { [LABELS.k8sService]: "mimir-store-gateway", operation: "get" }), "0+1x30"),
                    ],
                    at: "25m",
                },
            },
        ],
    };
})();

const alertmanager: CatalogueGroup = {
    name: "alertmanager",
    recording: [{
        record: "alertmanager:notifications_failed:ratio_rate5m",
        expr: `sum by (${by("cluster", "=integration")}) (rate(alertmanager_notifications_failed_total{${job("alertmanager")}}[5m])) / sum by (${by("cluster", "=integration")}) (rate(alertmanager_notifications_total{${job("alertmanager")}}[5m]))`,
    }],
    alerts: [
        {
            alert: "AlertmanagerNotificationsFailing",
            expr: `sum by (${by("cluster", "=integration")}) (rate(alertmanager_notifications_failed_total{${job("alertmanager")}}[5m])) > 0`,
            for: "10m",
            severity: "critical",
            summary: `Alertmanager fails to deliver to {{ $labels.integration }} (cluster ${show("cluster")})`,
            description: "Notifications to this integration fail after retries: a revoked key, a deleted webhook, or no egress. Alerts routed there reach nobody.",
            fires: { series: [series("alertmanager_notifications_failed_total", pod("alertmanager", "alertmanager-0", { integration: "slack" }), "0+2x30")], at: "25m", alerts: [{ ...C, integration: "slack" }] },
            quiet: { series: [series("alertmanager_notifications_failed_total", pod("alertmanager", "alertmanager-0", { integration: "slack" }), "4x30")], at: "25m" },
        },
        {
            alert: "AlertmanagerConfigReloadFailed",
            expr: `max_over_time(alertmanager_config_last_reload_successful{${job("alertmanager")}}[5m]) == 0`,
            for: "10m",
            severity: "warning",
            summary: `Alertmanager ${at("alertmanager")} failed to load its configuration`,
            description: "The last configuration reload failed: Alertmanager keeps running the previous configuration, so routing changes from the last deploy are not in effect.",
            fires: { series: [series("alertmanager_config_last_reload_successful", pod("alertmanager", "alertmanager-0"), "0x30")], at: "20m", alerts: [kept("alertmanager", "alertmanager-0")] },
        },
        {
            alert: "AlertmanagerClusterDegraded",
            expr: `min by (${by("cluster")}) (alertmanager_cluster_members{${job("alertmanager")}}) < count by (${by("cluster")}) (alertmanager_cluster_members{${job("alertmanager")}})`,
            for: "15m",
            severity: "warning",
            summary: `Alertmanager replicas do not all see each other (cluster ${show("cluster")})`,
            description: "At least one Alertmanager replica counts fewer peers than there are replicas: gossip (mTLS on 9094) is broken, so silences and notification state diverge and alerts may be sent twice.",
            fires: {
                series: [
                    series("alertmanager_cluster_members", pod("alertmanager", "alertmanager-0"), "3x30"),
                    series("alertmanager_cluster_members", pod("alertmanager", "alertmanager-1"), "3x30"),
                    series("alertmanager_cluster_members", pod("alertmanager", "alertmanager-2"), "1x30"),
                ],
                at: "20m",
                alerts: [C],
            },
            quiet: {
                series: [
                    series("alertmanager_cluster_members", pod("alertmanager", "alertmanager-0"), "3x30"),
                    series("alertmanager_cluster_members", pod("alertmanager", "alertmanager-1"), "3x30"),
                    series("alertmanager_cluster_members", pod("alertmanager", "alertmanager-2"), "3x30"),
                ],
                at: "20m",
            },
        },
        {
            // Its metrics come by push from a sidecar (backends/alertmanager-forwarder.ts): a forwarder that cannot
            // reach the gateway leaves no `up` at all rather than `up == 0`.
            alert: "AlertmanagerMetricsAbsent",
            expr: `absent(up{${job("alertmanager")}})`,
            for: "10m",
            severity: "warning",
            summary: "No metrics from Alertmanager",
            description: "Mimir has received no scrape of Alertmanager for 10 minutes: its pods are down, or their metrics-forwarder sidecar cannot reach the gateway, so failed notifications would go unnoticed.",
            fires: { series: [series("up", pod("grafana", "grafana-0"), "1x20")], at: "15m", alerts: [{ job: JOBS.alertmanager }] },
            quiet: { series: [series("up", pod("alertmanager", "alertmanager-0"), "1x20")], at: "15m" },
        },
    ],
};

const grafana: CatalogueGroup = (() => {
    const r = requestRules(REQUESTS[3]);
    return { name: "grafana", recording: r.recording, alerts: r.alerts };
})();

const scrapes: CatalogueGroup = {
    name: "component-scrapes",
    recording: [],
    alerts: [{
        alert: "ComponentScrapeFailing",
        expr: `up{job=~"${[JOBS.loki, JOBS.tempo, JOBS.mimir, JOBS.alertmanager, JOBS.grafana].join("|")}"} == 0`,
        for: "10m",
        severity: "warning",
        summary: `Cannot scrape ${show("job")} pod ${show("pod")} (cluster ${show("cluster")})`,
        description: "The agent on this pod's node cannot read its /metrics (pod down, TLS or network policy): its self-monitoring alerts are blind.",
        fires: {
            series: [series("up", { ...pod("mimir", "mimir-ingester-0"), instance: "10.0.0.5:8080" }, "0x30")],
            at: "15m",
            alerts: [{ ...pod("mimir", "mimir-ingester-0"), instance: "10.0.0.5:8080" }],
        },
    }],
};

export const BACKEND_GROUPS: readonly CatalogueGroup[] = [loki, tempo, mimir, alertmanager, grafana, scrapes];
