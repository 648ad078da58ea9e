// The typed shape of the stack's rules: Prometheus rule groups as Mimir's ruler and promtool read them, and the
// catalogue's alert definitions, each carrying the input series that make it fire (its `promtool test rules` case).
// Pure: no provider SDK.

export type Severity = "critical" | "warning" | "info";

/** What each severity means on call: the P-levels of the seeds, and who is told. */
export const SEVERITIES: Readonly<Record<Severity, { priority: string; meaning: string }>> = {
    critical: { priority: "P0/P1", meaning: "user-facing or data-losing now: pages (PagerDuty) and posts to Slack" },
    warning: { priority: "P2", meaning: "degraded or heading for trouble: Slack, handled in working hours" },
    info: { priority: "P3", meaning: "context for other alerts, no notification" },
};

export interface RecordingRule {
    readonly record: string;
    readonly expr: string;
    readonly labels?: Record<string, string>;
}

export interface AlertingRule {
    readonly alert: string;
    readonly expr: string;
    readonly for: string;
    readonly labels: Record<string, string>;
    readonly annotations: Record<string, string>;
}

export type Rule = RecordingRule | AlertingRule;

export interface RuleGroup {
    readonly name: string;
    readonly interval?: string;
    readonly rules: readonly Rule[];
}

/** One rule file: the groups of one area (`collector`, `kubernetes`, …), written to `rules/<name>.yaml`. */
export interface RuleFile {
    readonly name: string;
    readonly groups: readonly RuleGroup[];
}

export const isAlert = (r: Rule): r is AlertingRule => "alert" in r;

/** Input series of a promtool case: `series` in PromQL selector form, `values` in promtool's expanding notation. */
export interface InputSeries {
    readonly series: string;
    readonly values: string;
}

/** A promtool case for one alert: the series, when to evaluate, and the labels each expected alert adds to the rule's. */
export interface AlertCase {
    readonly series: readonly InputSeries[];
    /** Evaluation time, e.g. `30m`; the test evaluates every minute from 0. */
    readonly at: string;
    /** One entry per expected alert: its labels beyond the rule's own (the series labels the expression keeps). */
    readonly alerts: readonly Record<string, string>[];
}

/**
 * An alert of the catalogue. `summary` and `description` may use `{{ $labels.<name> }}` and nothing else, so a
 * test can expect the exact annotations. `fires` makes it fire; `quiet`, for alerts that could be noisy, is healthy
 * data on which it must stay silent.
 */
export interface AlertDefinition {
    readonly alert: string;
    readonly expr: string;
    readonly for: string;
    readonly severity: Severity;
    readonly summary: string;
    readonly description: string;
    readonly labels?: Record<string, string>;
    readonly fires: AlertCase;
    readonly quiet?: Omit<AlertCase, "alerts">;
}

/** A group of the catalogue: recording rules first, then alert definitions. */
export interface CatalogueGroup {
    readonly name: string;
    readonly interval?: string;
    readonly recording: readonly RecordingRule[];
    readonly alerts: readonly AlertDefinition[];
}

/** Where an alert's runbook section lives: the runbooks page and the section's GitHub anchor (the lower-cased name). */
export function runbookUrl(base: string, alert: string): string {
    return `${base}#${alert.toLowerCase()}`;
}

/** The alerting rule a definition renders to (fixtures stripped). */
export function alertingRule(d: AlertDefinition, runbookBase: string): AlertingRule {
    return {
        alert: d.alert,
        expr: d.expr,
        for: d.for,
        labels: { severity: d.severity, ...d.labels },
        annotations: { summary: d.summary, description: d.description, runbook_url: runbookUrl(runbookBase, d.alert) },
    };
}

export function ruleGroup(g: CatalogueGroup, runbookBase: string): RuleGroup {
    return {
        name: g.name,
        ...(g.interval ? { interval: g.interval } : {}),
        rules: [...g.recording, ...g.alerts.map(a => alertingRule(a, runbookBase))],
    };
}

/** An input series for a case: `metric{labels}` with promtool values (`0+60x30`: a counter rising 1/s for 30 minutes). */
export function series(metric: string, labels: Record<string, string>, values: string): InputSeries {
    const body = Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(", ");
    return { series: `${metric}{${body}}`, values };
}
