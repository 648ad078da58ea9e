// SLOs declared in config → multi-window, multi-burn-rate recording rules and alerts (Google SRE workbook, ch. 5):
// page at 14.4× over 1h and 5m or 6× over 6h and 30m; ticket at 3× over 1d and 2h or 1× over 3d and 6h. The SLIs
// come from the span metrics Tempo's metrics-generator writes to Mimir. Pure: config in, rule groups out.
import type { AlertingRule, RecordingRule, RuleGroup } from "./model";

/** Span metrics of Tempo's metrics-generator (modules/generator/processor/spanmetrics). */
export const SPAN_METRICS = {
    calls: "traces_spanmetrics_calls_total",
    latencyBucket: "traces_spanmetrics_latency_bucket",
    latencyCount: "traces_spanmetrics_latency_count",
    /** Spans that measure a service's own requests. */
    serverSpans: 'span_kind=~"SPAN_KIND_SERVER|SPAN_KIND_CONSUMER"',
    error: 'status_code="STATUS_CODE_ERROR"',
} as const;

/** The generator's default latency buckets in seconds (ExponentialBuckets(0.002, 2, 14)): latency SLO thresholds must be one. */
export const LATENCY_BUCKETS_SECONDS: readonly number[] = Array.from({ length: 14 }, (_, i) => 0.002 * 2 ** i);

export const SLI_KINDS = ["availability", "latency"] as const;
export type SliKind = (typeof SLI_KINDS)[number];

export interface SloSpec {
    /** Unique name, used in rule names and the `slo` label: lower-case letters, digits and dashes. */
    readonly name: string;
    /** The `service` label of the span metrics (the OpenTelemetry `service.name`). */
    readonly service: string;
    readonly sli: SliKind;
    /** Target ratio of good events, e.g. 0.999. */
    readonly objective: number;
    /** For latency SLIs: a request is good when it completes within this many seconds (one of the buckets). */
    readonly latencySeconds?: number;
    /** The SLO window in days (for the error-budget rules), e.g. 30. */
    readonly windowDays: number;
}

/** The multi-window, multi-burn-rate alert conditions: each fires when both windows burn faster than the factor. */
export const BURN_RATE_ALERTS = [
    { alert: "SLOErrorBudgetBurnFast", severity: "critical", for: "2m", conditions: [{ factor: 14.4, long: "1h", short: "5m" }, { factor: 6, long: "6h", short: "30m" }] },
    { alert: "SLOErrorBudgetBurnSlow", severity: "warning", for: "15m", conditions: [{ factor: 3, long: "1d", short: "2h" }, { factor: 1, long: "3d", short: "6h" }] },
] as const;

/** Every rate window the alerts read. */
export const SLO_WINDOWS = ["5m", "30m", "1h", "2h", "6h", "1d", "3d"] as const;

/** The recorded error ratio of an SLO over a window: `slo:sli_error:ratio_rate<window>{slo="<name>"}`. */
export const errorRatio = (window: string) => `slo:sli_error:ratio_rate${window}`;

/** `le` as Prometheus formats it (Go's shortest float form): 0.256, 1.024. */
const le = (seconds: number) => String(Number(seconds.toPrecision(12)));

/** The PromQL ratio of bad to all events of an SLO over a window. */
function errorRatioExpr(slo: SloSpec, window: string): string {
    const sel = (extra: string[]) => `{${[`service="${slo.service}"`, SPAN_METRICS.serverSpans, ...extra].join(", ")}}`;
    if (slo.sli === "availability") {
        return `sum(rate(${SPAN_METRICS.calls}${sel([SPAN_METRICS.error])}[${window}])) / sum(rate(${SPAN_METRICS.calls}${sel([])}[${window}]))`;
    }
    const good = `sum(rate(${SPAN_METRICS.latencyBucket}${sel([`le="${le(slo.latencySeconds!)}"`])}[${window}]))`;
    return `1 - (${good} / sum(rate(${SPAN_METRICS.latencyCount}${sel([])}[${window}])))`;
}

/** Rejects an SLO the rules could not express; messages name the SLO, the field and what is allowed. */
export function validateSlo(slo: SloSpec): string[] {
    const problems: string[] = [];
    if (!/^[a-z0-9][a-z0-9-]*$/.test(slo.name)) problems.push(`slo ${JSON.stringify(slo.name)}: name must be lower-case letters, digits and dashes`);
    if (!/^[^"\\\n]+$/.test(slo.service)) problems.push(`slo ${slo.name}: service ${JSON.stringify(slo.service)} must be a non-empty label value without quotes or backslashes`);
    if (!(slo.objective > 0.9 && slo.objective < 1)) problems.push(`slo ${slo.name}: objective ${slo.objective} must be above 0.9 and below 1 (e.g. 0.999); a budget over 10% cannot burn at 14.4×`);
    if (!(Number.isInteger(slo.windowDays) && slo.windowDays >= 7 && slo.windowDays <= 90)) problems.push(`slo ${slo.name}: windowDays ${slo.windowDays} must be a whole number of days from 7 to 90`);
    if (slo.sli === "latency" && !LATENCY_BUCKETS_SECONDS.some(b => Math.abs(b - (slo.latencySeconds ?? NaN)) < 1e-9)) {
        problems.push(`slo ${slo.name}: latencySeconds ${slo.latencySeconds} must be one of the span-metrics buckets: ${LATENCY_BUCKETS_SECONDS.map(le).join(", ")}`);
    }
    if (slo.sli !== "latency" && slo.latencySeconds !== undefined) problems.push(`slo ${slo.name}: latencySeconds applies only to sli latency`);
    return problems;
}

/** One rule group per SLO: the error ratio per window, the objective, the budget left, and the two burn-rate alerts. */
export function sloRuleGroups(slos: readonly SloSpec[], runbookUrl: (alert: string) => string): RuleGroup[] {
    const problems = slos.flatMap(validateSlo);
    const names = slos.map(s => s.name);
    for (const n of new Set(names)) if (names.filter(x => x === n).length > 1) problems.push(`slo ${n}: declared twice`);
    if (problems.length > 0) throw new Error(problems.join("; "));
    return slos.map(slo => {
        const labels = { slo: slo.name, service: slo.service, sli: slo.sli };
        const budget = Number((1 - slo.objective).toPrecision(12));
        const window = `${slo.windowDays}d`;
        const sel = `{slo="${slo.name}"}`;
        const what = slo.sli === "availability" ? `${(slo.objective * 100).toPrecision(12).replace(/\.?0+$/, "")}% of requests succeed`
            : `${(slo.objective * 100).toPrecision(12).replace(/\.?0+$/, "")}% of requests complete within ${le(slo.latencySeconds!)}s`;
        const recording: RecordingRule[] = [...SLO_WINDOWS, ...(SLO_WINDOWS.includes(window as never) ? [] : [window])]
            .map(w => ({ record: errorRatio(w), expr: errorRatioExpr(slo, w), labels }));
        recording.push({ record: "slo:objective:ratio", expr: `vector(${slo.objective})`, labels });
        recording.push({ record: "slo:error_budget_remaining:ratio", expr: `1 - ${errorRatio(window)}${sel} / ${budget}`, labels });
        const alerts: AlertingRule[] = BURN_RATE_ALERTS.map(a => ({
            alert: a.alert,
            expr: a.conditions.map(c => `(${errorRatio(c.long)}${sel} > ${Number((c.factor * budget).toPrecision(12))} and ${errorRatio(c.short)}${sel} > ${Number((c.factor * budget).toPrecision(12))})`).join("\nor\n"),
            for: a.for,
            labels: { ...labels, severity: a.severity },
            annotations: {
                summary: `${slo.service}: the ${slo.name} SLO burns its error budget ${a.severity === "critical" ? "fast" : "steadily"}`,
                description: `${slo.name} promises that ${what} over ${slo.windowDays} days. Errors now run at ${a.conditions.map(c => `${c.factor}× the budget over ${c.long} and ${c.short}`).join(", or ")}: ${a.severity === "critical" ? `at 14.4× the ${slo.windowDays}-day budget is gone in ${Math.round(slo.windowDays * 24 / 14.4)} hours` : "the budget runs out before the window ends"}.`,
                runbook_url: runbookUrl(a.alert),
            },
        }));
        return { name: `slo-${slo.name}`, rules: [...recording, ...alerts] };
    });
}
