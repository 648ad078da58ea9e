// The stack watching itself: the overview (is telemetry flowing, is anything down, how are the services doing),
// the collector pipeline, and one dashboard per backend (Loki, Tempo, Mimir, Alertmanager). Queries read the
// catalogue's recording rules where one exists, so a dashboard and the alert on the same signal agree.
import { COLLECTOR_JOBS, job, JOBS, LABELS } from "../rules/labels";
import { base, clusterVariable, prom, row, SEL, spanServiceVariable, stat, timeseries } from "./panels";
import type { DashboardBuilder } from "@grafana/grafana-foundation-sdk/dashboard";
import type { DashboardInput, DashboardSpec } from "./model";

const C = `{${SEL.cluster}}`;
const COMPONENTS = Object.values(JOBS).join("|");
const by = (...labels: string[]) => labels.join(", ");

export const overview: DashboardSpec = {
    uid: "obs-overview",
    folder: "stack",
    build: (i: DashboardInput) => base("obs-overview", "Observability stack / Overview", "Is telemetry flowing, is any component down, and how are the services doing.", ["overview"])
        .withVariable(clusterVariable())
        .withVariable(spanServiceVariable())
        .withRow(row("Health"))
        .withPanel(stat("Critical alerts firing", "short", prom(`count(ALERTS{alertstate="firing", severity="critical"}) or vector(0)`), { red: 1 }, 4))
        .withPanel(stat("Components down", "short", prom(`count(up{${SEL.cluster}, ${LABELS.job}=~"${COMPONENTS}"} == 0) or vector(0)`), { red: 1 }, 4))
        .withPanel(stat("Spans accepted", "cps", prom(`sum(otelcol:receiver_accepted_spans:rate5m{${SEL.cluster}, ${job("agent")}})`), {}, 4))
        .withPanel(stat("Metric points accepted", "cps", prom(`sum(otelcol:receiver_accepted_metric_points:rate5m{${SEL.cluster}, ${job("agent")}})`), {}, 4))
        .withPanel(stat("Log records accepted", "cps", prom(`sum(otelcol:receiver_accepted_log_records:rate5m{${SEL.cluster}, ${job("agent")}})`), {}, 4))
        .withPanel(stat("Days to the next certificate expiry", "d", prom(`min((observability:certificate_expiry:timestamp_seconds - time()) / 86400)`), { below: { red: 7, amber: 14 } }, 4))
        .withRow(row("Backends"))
        .withPanel(timeseries("Ingest", "short", [
            prom(`sum(loki:distributor_bytes_received:rate5m${C})`, "Loki bytes/s"),
            prom(`sum(tempo:distributor_spans_received:rate5m${C})`, "Tempo spans/s"),
            prom(`sum(mimir:distributor_samples_received:rate5m${C})`, "Mimir samples/s"),
        ], { span: 8 }))
        .withPanel(timeseries("Request latency p99", "s", [
            prom(`max by (${LABELS.job}) ({__name__=~"(loki|tempo|mimir|grafana):request_duration_seconds:p99_5m", ${SEL.cluster}})`, "{{job}}"),
        ], { span: 8 }))
        .withPanel(timeseries("Request error ratio", "percentunit", [
            prom(`max by (${LABELS.job}) ({__name__=~"(loki|tempo|mimir|grafana):request_errors:ratio_rate5m", ${SEL.cluster}})`, "{{job}}"),
        ], { span: 8 }))
        .withRow(row("Services"))
        .withPanel(timeseries("Requests", "reqps", [prom(`sum by (${LABELS.spanService}) (service:requests:rate5m{${SEL.cluster}, ${SEL.spanService}})`, "{{service}}")], { span: 8 }))
        .withPanel(timeseries("Error ratio", "percentunit", [
            prom(`max by (${LABELS.spanService}) (service:error_ratio:rate5m{${SEL.cluster}, ${SEL.spanService}})`, "{{service}}"),
            prom(`vector(${i.red.errorRatio})`, "HighErrorRate threshold"),
        ], { span: 8 }))
        .withPanel(timeseries("Latency p95", "s", [prom(`max by (${LABELS.spanService}) (service:latency_seconds:p95_5m{${SEL.cluster}, ${SEL.spanService}})`, "{{service}}")], { span: 8 }))
        .build(),
};

export const collector: DashboardSpec = {
    uid: "obs-collector",
    folder: "stack",
    build: () => {
        const d = base("obs-collector", "Observability stack / Collector pipeline", "Agents and gateway: what each receiver accepts and refuses, what each exporter sends and fails, queues, sampling and memory.", ["collector"])
            .withVariable(clusterVariable());
        for (const [signal, unit] of [["spans", "spans"], ["metric_points", "metric points"], ["log_records", "log records"]] as const) {
            d.withRow(row(`${unit[0].toUpperCase()}${unit.slice(1)}`))
                .withPanel(timeseries(`Accepted ${unit}`, "cps", [prom(`sum by (${by(LABELS.job, "receiver")}) (otelcol:receiver_accepted_${signal}:rate5m${C})`, "{{job}} {{receiver}}")], { span: 6 }))
                .withPanel(timeseries(`Refused ${unit}`, "cps", [prom(`sum by (${by(LABELS.job, "receiver")}) (rate(otelcol_receiver_refused_${signal}_total{${SEL.cluster}, ${COLLECTOR_JOBS}}[$__rate_interval]))`, "{{job}} {{receiver}}")], { span: 6 }))
                .withPanel(timeseries(`Sent ${unit}`, "cps", [prom(`sum by (${by(LABELS.job, "exporter")}) (otelcol:exporter_sent_${signal}:rate5m${C})`, "{{job}} {{exporter}}")], { span: 6 }))
                .withPanel(timeseries(`Failed ${unit}`, "cps", [
                    prom(`sum by (${by(LABELS.job, "exporter")}) (rate(otelcol_exporter_send_failed_${signal}_total{${SEL.cluster}, ${COLLECTOR_JOBS}}[$__rate_interval]))`, "send {{job}} {{exporter}}"),
                    prom(`sum by (${by(LABELS.job, "exporter")}) (rate(otelcol_exporter_enqueue_failed_${signal}_total{${SEL.cluster}, ${COLLECTOR_JOBS}}[$__rate_interval]))`, "enqueue {{job}} {{exporter}}"),
                ], { span: 6 }));
        }
        return d.withRow(row("Queues, sampling and memory"))
            .withPanel(timeseries("Exporter queue utilization", "percentunit", [prom(`max by (${by(LABELS.job, LABELS.host, "exporter")}) (otelcol:exporter_queue_utilization:ratio${C})`, "{{job}} {{host_name}} {{exporter}}")], { span: 8 }))
            .withPanel(timeseries("Processor items in − out", "cps", [
                prom(`sum by (${by(LABELS.job, "processor")}) (rate(otelcol_processor_incoming_items_total{${SEL.cluster}, ${COLLECTOR_JOBS}}[$__rate_interval])) - sum by (${by(LABELS.job, "processor")}) (rate(otelcol_processor_outgoing_items_total{${SEL.cluster}, ${COLLECTOR_JOBS}}[$__rate_interval]))`, "{{job}} {{processor}}"),
            ], { span: 8, description: "Items a processor took in but did not pass on: filtered, sampled out, or refused by the memory limiter." }))
            .withPanel(timeseries("Traces dropped before the sampling decision", "cps", [prom(`sum(rate(otelcol_processor_tail_sampling_sampling_trace_dropped_too_early_total{${SEL.cluster}, ${job("gateway")}}[$__rate_interval]))`, "dropped too early")], { span: 8 }))
            .withPanel(timeseries("Memory (RSS)", "bytes", [prom(`max by (${by(LABELS.job, LABELS.pod)}) (otelcol_process_memory_rss_bytes{${SEL.cluster}, ${COLLECTOR_JOBS}})`, "{{k8s_pod_name}}")], { span: 12 }))
            .withPanel(timeseries("CPU", "percentunit", [prom(`max by (${by(LABELS.job, LABELS.pod)}) (rate(otelcol_process_cpu_seconds_total{${SEL.cluster}, ${COLLECTOR_JOBS}}[$__rate_interval]))`, "{{k8s_pod_name}}")], { span: 12 }))
            .build();
    },
};

type Backend = "loki" | "tempo" | "mimir";

/** `<fn>(<metric>{cluster, job=<component>}[$__rate_interval])`: a component's own counter over the panel's interval. */
const over = (fn: "rate" | "increase", metric: string, component: Backend) => `${fn}(${metric}{${SEL.cluster}, ${job(component)}}[$__rate_interval])`;

/** Adds a "Requests" row: rate, p99 latency and 5xx ratio of a backend's routes, from its request histogram. */
function withRequests(d: DashboardBuilder, component: Backend, histogram: string): DashboardBuilder {
    return d.withRow(row("Requests"))
        .withPanel(timeseries("Requests by route", "reqps", [prom(`sum by (route) (${over("rate", `${histogram}_count`, component)})`, "{{route}}")], { span: 8 }))
        .withPanel(timeseries("Latency p99 by route", "s", [prom(`max by (route) (${component}:request_duration_seconds:p99_5m${C})`, "{{route}}")], { span: 8 }))
        .withPanel(timeseries("5xx ratio by route", "percentunit", [prom(`max by (route) (${component}:request_errors:ratio_rate5m${C})`, "{{route}}")], { span: 8 }));
}

export const loki: DashboardSpec = {
    uid: "obs-loki",
    folder: "stack",
    build: () => withRequests(base("obs-loki", "Observability stack / Loki", "Log ingest, discards, flushes, retention and request health of Loki.", ["loki"])
        .withVariable(clusterVariable())
        .withRow(row("Ingest"))
        .withPanel(timeseries("Bytes received", "Bps", [prom(`sum(loki:distributor_bytes_received:rate5m${C})`, "received")], { span: 8 }))
        .withPanel(timeseries("Discarded by reason", "cps", [prom(`sum by (reason) (${over("rate", "loki_discarded_samples_total", "loki")})`, "{{reason}}")], { span: 8 }))
        .withPanel(timeseries("Chunk flush failures", "cps", [prom(`sum by (${LABELS.pod}) (${over("rate", "loki_ingester_chunks_flush_failures_total", "loki")})`, "{{k8s_pod_name}}")], { span: 8 })),
    "loki", "loki_request_duration_seconds")
        .withRow(row("Retention"))
        .withPanel(stat("Hours since the last retention run", "h", prom(`(time() - max(loki_compactor_apply_retention_last_successful_run_timestamp_seconds{${SEL.cluster}, ${job("loki")}})) / 3600`), { amber: 6, red: 24 }, 8))
        .withPanel(timeseries("Panics", "short", [prom(`sum by (${LABELS.pod}) (${over("increase", "loki_panic_total", "loki")})`, "{{k8s_pod_name}}")], { span: 16 }))
        .build(),
};

export const tempo: DashboardSpec = {
    uid: "obs-tempo",
    folder: "stack",
    build: () => withRequests(base("obs-tempo", "Observability stack / Tempo", "Span ingest and discards, the metrics-generator (span metrics, service graphs), compaction and request health of Tempo.", ["tempo"])
        .withVariable(clusterVariable())
        .withRow(row("Ingest"))
        .withPanel(timeseries("Spans received", "cps", [prom(`sum(tempo:distributor_spans_received:rate5m${C})`, "received")], { span: 12 }))
        .withPanel(timeseries("Spans discarded by reason", "cps", [prom(`sum by (reason) (${over("rate", "tempo_discarded_spans_total", "tempo")})`, "{{reason}}")], { span: 12 }))
        .withRow(row("Metrics-generator"))
        .withPanel(timeseries("Spans the generator discarded", "cps", [prom(`sum by (reason) (${over("rate", "tempo_metrics_generator_spans_discarded_total", "tempo")})`, "{{reason}}")], { span: 8 }))
        .withPanel(timeseries("Series limited", "cps", [prom(`sum(${over("rate", "tempo_metrics_generator_registry_series_limited_total", "tempo")})`, "limited")], { span: 8 }))
        .withPanel(timeseries("Remote-write failures to Mimir", "cps", [prom(`sum(${over("rate", "prometheus_remote_storage_samples_failed_total", "tempo")})`, "failed samples")], { span: 8 })),
    "tempo", "tempo_request_duration_seconds")
        .withRow(row("Storage"))
        .withPanel(timeseries("Compaction and blocklist errors", "short", [
            prom(`sum(${over("increase", "tempodb_compaction_errors_total", "tempo")})`, "compaction"),
            prom(`sum(${over("increase", "tempodb_blocklist_poll_errors_total", "tempo")})`, "blocklist poll"),
        ], { span: 24 }))
        .build(),
};

export const mimir: DashboardSpec = {
    uid: "obs-mimir",
    folder: "stack",
    build: () => withRequests(base("obs-mimir", "Observability stack / Mimir", "Samples in, series held, discards, the ruler, object storage, compaction and request health of Mimir.", ["mimir"])
        .withVariable(clusterVariable())
        .withRow(row("Write path"))
        .withPanel(timeseries("Samples received", "cps", [prom(`sum(mimir:distributor_samples_received:rate5m${C})`, "samples/s")], { span: 8 }))
        .withPanel(timeseries("In-memory series", "short", [prom(`sum(mimir:ingester_memory_series:sum${C})`, "series")], { span: 8 }))
        .withPanel(timeseries("Discarded samples by reason", "cps", [prom(`sum by (reason) (${over("rate", "cortex_discarded_samples_total", "mimir")})`, "{{reason}}")], { span: 8 })),
    "mimir", "cortex_request_duration_seconds")
        .withRow(row("Ruler, storage and compaction"))
        .withPanel(timeseries("Rule evaluations and failures", "cps", [
            prom(`sum(${over("rate", "cortex_prometheus_rule_evaluations_total", "mimir")})`, "evaluations"),
            prom(`sum(${over("rate", "cortex_prometheus_rule_evaluation_failures_total", "mimir")})`, "failures"),
            prom(`sum(${over("rate", "cortex_prometheus_rule_group_iterations_missed_total", "mimir")})`, "missed iterations"),
        ], { span: 8 }))
        .withPanel(timeseries("Object storage operations and failures", "cps", [
            prom(`sum by (operation) (${over("rate", "thanos_objstore_bucket_operations_total", "mimir")})`, "{{operation}}"),
            prom(`sum by (operation) (${over("rate", "thanos_objstore_bucket_operation_failures_total", "mimir")})`, "failed {{operation}}"),
        ], { span: 8 }))
        .withPanel(stat("Hours since the last compaction", "h", prom(`(time() - max(cortex_compactor_last_successful_run_timestamp_seconds{${SEL.cluster}, ${job("mimir")}})) / 3600`), { amber: 12, red: 24 }, 8))
        .build(),
};

export const alertmanager: DashboardSpec = {
    uid: "obs-alertmanager",
    folder: "stack",
    build: () => base("obs-alertmanager", "Observability stack / Alertmanager", "Alerts received and active, notifications per integration and their failures, config reloads and the cluster.", ["alertmanager"])
        .withVariable(clusterVariable())
        .withPanel(stat("Config loaded", "bool", prom(`min(alertmanager_config_last_reload_successful{${SEL.cluster}, ${job("alertmanager")}})`), {}, 8))
        .withPanel(stat("Cluster members", "short", prom(`max(alertmanager_cluster_members{${SEL.cluster}, ${job("alertmanager")}})`), {}, 8))
        .withPanel(stat("Active alerts", "short", prom(`max(alertmanager_alerts{${SEL.cluster}, ${job("alertmanager")}, state="active"})`), {}, 8))
        .withPanel(timeseries("Notifications by integration", "cps", [prom(`sum by (integration) (rate(alertmanager_notifications_total{${SEL.cluster}, ${job("alertmanager")}}[$__rate_interval]))`, "{{integration}}")], { span: 12 }))
        .withPanel(timeseries("Failed notifications ratio", "percentunit", [prom(`max by (integration) (alertmanager:notifications_failed:ratio_rate5m${C})`, "{{integration}}")], { span: 12 }))
        .withPanel(timeseries("Alerts received", "cps", [prom(`sum by (status) (rate(alertmanager_alerts_received_total{${SEL.cluster}, ${job("alertmanager")}}[$__rate_interval]))`, "{{status}}")], { span: 24 }))
        .build(),
};

