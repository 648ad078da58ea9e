// Applications, from the span metrics Tempo's metrics-generator derives from every (sampled-before-tail) server
// span: request rate, error ratio and latency percentiles per service, HighErrorRate over 5%, HighLatency with a
// p95 threshold per service (a default for the rest), and a service whose traffic stopped.
import { by, LABELS, show } from "../labels";
import { AlertDefinition, CatalogueGroup, RecordingRule, series } from "../model";
import { SPAN_METRICS } from "../slo";

export interface RedSettings {
    /** HighErrorRate fires above this ratio of failed server spans (default 0.05). */
    readonly errorRatio: number;
    /** HighLatency fires when a service's p95 exceeds this many seconds, unless it has its own threshold. */
    readonly latencyP95Seconds: number;
    /** Per-service p95 thresholds in seconds, by `service.name`. */
    readonly serviceLatencyP95Seconds: Readonly<Record<string, number>>;
}

const SVC = by("cluster", "spanService");
const server = `{${SPAN_METRICS.serverSpans}}`;
const serverErrors = `{${SPAN_METRICS.serverSpans}, ${SPAN_METRICS.error}}`;
const C = { [LABELS.cluster]: "obs" };

const recording: RecordingRule[] = [
    ...["5m", "1h"].map(w => ({ record: `service:requests:rate${w}`, expr: `sum by (${SVC}) (rate(${SPAN_METRICS.calls}${server}[${w}]))` })),
    { record: "service:errors:rate5m", expr: `sum by (${SVC}) (rate(${SPAN_METRICS.calls}${serverErrors}[5m]))` },
    ...["5m", "1h"].map(w => ({
        record: `service:error_ratio:rate${w}`,
        expr: `sum by (${SVC}) (rate(${SPAN_METRICS.calls}${serverErrors}[${w}])) / sum by (${SVC}) (rate(${SPAN_METRICS.calls}${server}[${w}]))`,
    })),
    ...[50, 95, 99].map(q => ({
        record: `service:latency_seconds:p${q}_5m`,
        expr: `histogram_quantile(0.${q}, sum by (${SVC}, le) (rate(${SPAN_METRICS.latencyBucket}${server}[5m])))`,
    })),
];

const spans = (service: string, status: string, values: string) =>
    series(SPAN_METRICS.calls, { ...C, [LABELS.spanService]: service, span_name: "POST /checkout", span_kind: "SPAN_KIND_SERVER", status_code: status }, values);
const bucket = (service: string, le: string, values: string) =>
    series(SPAN_METRICS.latencyBucket, { ...C, [LABELS.spanService]: service, span_name: "POST /checkout", span_kind: "SPAN_KIND_SERVER", status_code: "STATUS_CODE_UNSET", le }, values);

/** The HighLatency condition: each service with its own threshold, then every other service against the default. */
function latencyExpr(s: RedSettings): string {
    const named = Object.entries(s.serviceLatencyP95Seconds).sort(([a], [b]) => a.localeCompare(b));
    const p95 = (matcher: string) => `service:latency_seconds:p95_5m${matcher ? `{${matcher}}` : ""}`;
    const own = named.map(([svc, t]) => `${p95(`${LABELS.spanService}="${svc}"`)} > ${t}`);
    const rest = named.length > 0 ? p95(`${LABELS.spanService}!~"${named.map(([svc]) => svc.replace(/[.+*?^$()[\]{}|\\]/g, "\\\\$&")).join("|")}"`) : p95("");
    return [...own, `${rest} > ${s.latencyP95Seconds}`].join("\nor\n");
}

export function validateRed(s: RedSettings): string[] {
    const problems: string[] = [];
    if (!(s.errorRatio > 0 && s.errorRatio < 1)) problems.push(`errorRatio ${s.errorRatio} must be above 0 and below 1 (e.g. 0.05)`);
    for (const [k, v] of [["latencyP95Seconds", s.latencyP95Seconds], ...Object.entries(s.serviceLatencyP95Seconds).map(([svc, t]) => [`serviceLatencyP95Seconds.${svc}`, t] as const)] as const) {
        if (!(typeof v === "number" && v > 0 && v <= 600)) problems.push(`${k} ${v} must be a number of seconds above 0, at most 600`);
    }
    for (const svc of Object.keys(s.serviceLatencyP95Seconds)) {
        if (!/^[^"\\\n]+$/.test(svc)) problems.push(`serviceLatencyP95Seconds: service ${JSON.stringify(svc)} must be a label value without quotes or backslashes`);
    }
    return problems;
}

export function redGroup(s: RedSettings): CatalogueGroup {
    // The fixture's slow service: one with its own threshold if any is configured, so that branch is what fires.
    const [slow, threshold] = Object.entries(s.serviceLatencyP95Seconds).sort(([a], [b]) => a.localeCompare(b))[0] ?? ["checkout", s.latencyP95Seconds];
    const above = String(threshold * 2);
    const alerts: AlertDefinition[] = [
        {
            alert: "HighErrorRate",
            expr: `service:error_ratio:rate5m > ${s.errorRatio}\nand service:requests:rate5m > 0.1`,
            for: "10m",
            severity: "critical",
            summary: `${show("spanService")}: over ${s.errorRatio * 100}% of requests fail (cluster ${show("cluster")})`,
            description: `More than ${s.errorRatio * 100}% of the service's server spans ended in error over the last 5 minutes, for 10 minutes. Its traces with status error show which operation and why.`,
            fires: { series: [spans("checkout", "STATUS_CODE_UNSET", "0+90x30"), spans("checkout", "STATUS_CODE_ERROR", "0+10x30")], at: "20m", alerts: [{ ...C, [LABELS.spanService]: "checkout" }] },
            quiet: { series: [spans("checkout", "STATUS_CODE_UNSET", "0+999x30"), spans("checkout", "STATUS_CODE_ERROR", "0+1x30")], at: "20m" },
        },
        {
            alert: "HighLatency",
            expr: latencyExpr(s),
            for: "10m",
            severity: "warning",
            summary: `${show("spanService")}: p95 latency is over its threshold (cluster ${show("cluster")})`,
            description: "The service's 95th percentile server latency has exceeded its threshold (serviceLatencyP95Seconds, or latencyP95Seconds by default) for 10 minutes. Exemplars on the latency panel link to slow traces.",
            // Every request in the bucket above twice the threshold: the p95 interpolates well above it.
            fires: {
                series: [bucket(slow, String(threshold), "0x30"), bucket(slow, String(threshold * 4), "0+100x30"), bucket(slow, "+Inf", "0+100x30")],
                at: "20m",
                alerts: [{ ...C, [LABELS.spanService]: slow }],
            },
            quiet: { series: [bucket(slow, String(threshold / 2), "0+100x30"), bucket(slow, above, "0+100x30"), bucket(slow, "+Inf", "0+100x30")], at: "20m" },
        },
        {
            alert: "ServiceTrafficStopped",
            expr: `sum by (${SVC}) (rate(${SPAN_METRICS.calls}${server}[1h] offset 1h)) > 1\nunless on (${SVC}) service:requests:rate5m > 0`,
            for: "10m",
            severity: "info",
            summary: `${show("spanService")} stopped receiving requests (cluster ${show("cluster")})`,
            description: "The service served over one request a second an hour ago and none in the last 5 minutes: it is down, unrouted, or no longer traced.",
            fires: { series: [spans("checkout", "STATUS_CODE_UNSET", "0+120x80 9600x40")], at: "110m", alerts: [{ ...C, [LABELS.spanService]: "checkout" }] },
            quiet: { series: [spans("checkout", "STATUS_CODE_UNSET", "0+120x120")], at: "110m" },
        },
    ];
    return { name: "applications-red", recording, alerts };
}
