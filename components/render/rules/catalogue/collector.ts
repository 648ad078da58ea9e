// The collector tier watching itself, from the collectors' internal telemetry (scraped by each collector from its
// own :8888 and sent like any other metric): refused, failed and dropped data per signal, sending queues filling
// up, the memory limiter refusing, tail sampling deciding too late, and either tier's metrics going missing.
import { by, COLLECTOR_JOBS, JOBS, LABELS, show } from "../labels";
import { AlertDefinition, CatalogueGroup, RecordingRule, series } from "../model";

/** The three signals as the collector names its item counters. */
const SIGNALS = [
    { key: "spans", name: "Spans", what: "spans" },
    { key: "metric_points", name: "MetricPoints", what: "metric points" },
    { key: "log_records", name: "LogRecords", what: "log records" },
] as const;

const C = { [LABELS.cluster]: "obs" };
const agent = { ...C, job: JOBS.agent, [LABELS.host]: "node-1" };
const gateway = { ...C, job: JOBS.gateway, [LABELS.host]: "otel-gateway-0" };
const where = `${show("job")} on ${show("host")} (cluster ${show("cluster")})`;

const recording: RecordingRule[] = [
    ...SIGNALS.map(s => ({
        record: `otelcol:receiver_accepted_${s.key}:rate5m`,
        expr: `sum by (${by("cluster", "job", "=receiver")}) (rate(otelcol_receiver_accepted_${s.key}_total{${COLLECTOR_JOBS}}[5m]))`,
    })),
    ...SIGNALS.map(s => ({
        record: `otelcol:exporter_sent_${s.key}:rate5m`,
        expr: `sum by (${by("cluster", "job", "=exporter")}) (rate(otelcol_exporter_sent_${s.key}_total{${COLLECTOR_JOBS}}[5m]))`,
    })),
    {
        record: "otelcol:exporter_queue_utilization:ratio",
        expr: `max by (${by("cluster", "job", "host", "=exporter")}) (otelcol_exporter_queue_size{${COLLECTOR_JOBS}} / otelcol_exporter_queue_capacity{${COLLECTOR_JOBS}})`,
    },
];

function perSignal(s: (typeof SIGNALS)[number]): AlertDefinition[] {
    const ratio = (bad: string, good: string, key: string) =>
        `sum by (${by("cluster", "job", "host", `=${key}`)}) (rate(${bad}{${COLLECTOR_JOBS}}[5m]))\n/\n`
        + `(sum by (${by("cluster", "job", "host", `=${key}`)}) (rate(${good}{${COLLECTOR_JOBS}}[5m])) + sum by (${by("cluster", "job", "host", `=${key}`)}) (rate(${bad}{${COLLECTOR_JOBS}}[5m])))\n> 0.01`;
    const refused = `otelcol_receiver_refused_${s.key}_total`;
    const accepted = `otelcol_receiver_accepted_${s.key}_total`;
    const failed = `otelcol_exporter_send_failed_${s.key}_total`;
    const sent = `otelcol_exporter_sent_${s.key}_total`;
    const recv = { ...agent, receiver: "otlp" };
    const exp = { ...gateway, exporter: "otlp_http/mimir" };
    return [
        {
            alert: `OtelCollectorRefused${s.name}`,
            expr: ratio(refused, accepted, "receiver"),
            for: "10m",
            severity: "warning",
            summary: `${where} refuses ${s.what} on receiver {{ $labels.receiver }}`,
            description: `More than 1% of the ${s.what} sent to receiver {{ $labels.receiver }} are refused, so senders retry or drop them: the memory limiter is refusing, or the pipeline behind it is blocked.`,
            fires: { series: [series(accepted, recv, "0+600x30"), series(refused, recv, "0+60x30")], at: "20m", alerts: [{ job: JOBS.agent, [LABELS.cluster]: "obs", [LABELS.host]: "node-1", receiver: "otlp" }] },
            quiet: { series: [series(accepted, recv, "0+6000x30"), series(refused, recv, "0+6x30")], at: "20m" },
        },
        {
            alert: `OtelCollectorExportFailed${s.name}`,
            expr: ratio(failed, sent, "exporter"),
            for: "10m",
            severity: "warning",
            summary: `${where} fails to export ${s.what} through {{ $labels.exporter }}`,
            description: `More than 1% of the ${s.what} exporter {{ $labels.exporter }} sends fail after retries. The persistent queue holds them until it is full; then data is dropped.`,
            fires: { series: [series(sent, exp, "0+600x30"), series(failed, exp, "0+60x30")], at: "20m", alerts: [{ job: JOBS.gateway, [LABELS.cluster]: "obs", [LABELS.host]: "otel-gateway-0", exporter: "otlp_http/mimir" }] },
            quiet: { series: [series(sent, exp, "0+6000x30"), series(failed, exp, "0+6x30")], at: "20m" },
        },
        {
            alert: `OtelCollectorDropped${s.name}`,
            expr: `sum by (${by("cluster", "job", "host", "=exporter")}) (rate(otelcol_exporter_enqueue_failed_${s.key}_total{${COLLECTOR_JOBS}}[5m])) > 0`,
            for: "5m",
            severity: "critical",
            summary: `${where} drops ${s.what}: the {{ $labels.exporter }} queue is full`,
            description: `Exporter {{ $labels.exporter }} cannot enqueue ${s.what} because its sending queue is full. This telemetry is lost.`,
            fires: { series: [series(`otelcol_exporter_enqueue_failed_${s.key}_total`, exp, "0+10x30")], at: "15m", alerts: [{ job: JOBS.gateway, [LABELS.cluster]: "obs", [LABELS.host]: "otel-gateway-0", exporter: "otlp_http/mimir" }] },
        },
    ];
}

const alerts: AlertDefinition[] = [
    ...SIGNALS.flatMap(perSignal),
    {
        alert: "OtelCollectorQueueNearlyFull",
        expr: "otelcol:exporter_queue_utilization:ratio > 0.8",
        for: "5m",
        severity: "warning",
        summary: `${where}: the {{ $labels.exporter }} sending queue is over 80% full`,
        description: "The exporter's persistent sending queue is filling faster than it drains: its destination is slow or down. When the queue is full, new data is dropped.",
        fires: {
            series: [series("otelcol_exporter_queue_size", { ...gateway, exporter: "otlp_grpc/tempo", data_type: "traces" }, "4500x20"), series("otelcol_exporter_queue_capacity", { ...gateway, exporter: "otlp_grpc/tempo", data_type: "traces" }, "5000x20")],
            at: "10m",
            alerts: [{ job: JOBS.gateway, [LABELS.cluster]: "obs", [LABELS.host]: "otel-gateway-0", exporter: "otlp_grpc/tempo" }],
        },
        quiet: { series: [series("otelcol_exporter_queue_size", { ...gateway, exporter: "otlp_grpc/tempo", data_type: "traces" }, "1000x20"), series("otelcol_exporter_queue_capacity", { ...gateway, exporter: "otlp_grpc/tempo", data_type: "traces" }, "5000x20")], at: "10m" },
    },
    {
        alert: "OtelCollectorMemoryLimiterRefusing",
        expr: `sum by (${by("cluster", "job", "host", "=otel_signal")}) (rate(otelcol_processor_incoming_items_total{${COLLECTOR_JOBS}, processor="memory_limiter"}[5m]) - rate(otelcol_processor_outgoing_items_total{${COLLECTOR_JOBS}, processor="memory_limiter"}[5m])) > 0`,
        for: "5m",
        severity: "warning",
        summary: `${where}: the memory limiter refuses {{ $labels.otel_signal }}`,
        description: "The collector is above its memory limiter's soft limit and refuses incoming data, which senders must retry. It needs more memory or more replicas.",
        fires: {
            series: [
                series("otelcol_processor_incoming_items_total", { ...gateway, processor: "memory_limiter", otel_signal: "traces" }, "0+1000x20"),
                series("otelcol_processor_outgoing_items_total", { ...gateway, processor: "memory_limiter", otel_signal: "traces" }, "0+900x20"),
            ],
            at: "12m",
            alerts: [{ job: JOBS.gateway, [LABELS.cluster]: "obs", [LABELS.host]: "otel-gateway-0", otel_signal: "traces" }],
        },
        quiet: {
            series: [
                series("otelcol_processor_incoming_items_total", { ...gateway, processor: "memory_limiter", otel_signal: "traces" }, "0+1000x20"),
                series("otelcol_processor_outgoing_items_total", { ...gateway, processor: "memory_limiter", otel_signal: "traces" }, "0+1000x20"),
            ],
            at: "12m",
        },
    },
    {
        alert: "OtelTailSamplingDecidedTooLate",
        expr: `sum by (${by("cluster", "host")}) (rate(otelcol_processor_tail_sampling_sampling_trace_dropped_too_early_total{job="${JOBS.gateway}"}[5m])) > 0`,
        for: "15m",
        severity: "warning",
        summary: `Gateway ${show("host")} (cluster ${show("cluster")}) evicts traces before their sampling decision`,
        description: "Tail sampling holds more traces than its num_traces buffer within the decision wait, so it evicts traces undecided; they are neither kept nor counted. Raise the gateway's replicas or lower the decision wait.",
        fires: { series: [series("otelcol_processor_tail_sampling_sampling_trace_dropped_too_early_total", gateway, "0+5x30")], at: "25m", alerts: [{ [LABELS.cluster]: "obs", [LABELS.host]: "otel-gateway-0" }] },
    },
    {
        alert: "OtelGatewayMetricsAbsent",
        expr: `absent(up{job="${JOBS.gateway}"})`,
        for: "10m",
        severity: "critical",
        summary: "No metrics from the collector gateway",
        description: "Mimir has received no self-scrape from any gateway pod for 10 minutes. All telemetry passes through the gateway, so logs, traces and metrics are probably not arriving.",
        fires: { series: [series("up", agent, "1x20")], at: "15m", alerts: [{ job: JOBS.gateway }] },
    },
    {
        alert: "OtelAgentMetricsAbsent",
        expr: `absent(up{job="${JOBS.agent}"})`,
        for: "10m",
        severity: "critical",
        summary: "No metrics from any collector agent",
        description: "Mimir has received no self-scrape from any node agent for 10 minutes: the agent DaemonSet is down or cannot reach the gateway, so no node telemetry arrives.",
        fires: { series: [series("up", gateway, "1x20")], at: "15m", alerts: [{ job: JOBS.agent }] },
    },
];

export const collectorGroup: CatalogueGroup = { name: "collector", recording, alerts };
