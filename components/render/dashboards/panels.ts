// The building blocks every dashboard shares, on Grafana's foundation SDK: the provisioned datasources (fixed
// UIDs), the cluster/namespace/service variables in the rules' label vocabulary, and small panel factories.
// Pure: no provider SDK; a dashboard is the plain object `DashboardBuilder.build()` returns.
import * as common from "@grafana/grafana-foundation-sdk/common";
import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import { DataqueryBuilder as LokiQuery } from "@grafana/grafana-foundation-sdk/loki";
import { DataqueryBuilder as PromQuery, PromQueryFormat } from "@grafana/grafana-foundation-sdk/prometheus";
import { PanelBuilder as StatPanel } from "@grafana/grafana-foundation-sdk/stat";
import { PanelBuilder as TablePanel } from "@grafana/grafana-foundation-sdk/table";
import { PanelBuilder as TimeseriesPanel } from "@grafana/grafana-foundation-sdk/timeseries";
import { DATASOURCE_UIDS } from "../backends/grafana";
import { LABELS } from "../rules/labels";

export const MIMIR = { type: "prometheus", uid: DATASOURCE_UIDS.mimir } as const;
export const LOKI = { type: "loki", uid: DATASOURCE_UIDS.loki } as const;

/** What a dashboard variable selects, as a matcher: `k8s_cluster_name="$cluster"` and the like. */
export const SEL = {
    cluster: `${LABELS.cluster}="$cluster"`,
    namespace: `${LABELS.namespace}=~"$namespace"`,
    /** Span metrics (Tempo's `service` label). */
    spanService: `${LABELS.spanService}=~"$service"`,
    /** An application's own OTLP metrics (`service_name`). */
    service: `${LABELS.service}=~"$service"`,
} as const;

/** A query variable, sorted, refreshed with the time range: one value (cluster) or many with All as `allValue`. */
export function variable(
    name: string, label: string, query: string, multi: boolean, o: { datasource?: { type: string; uid: string }; allValue?: string } = {},
): dashboard.QueryVariableBuilder {
    const v = new dashboard.QueryVariableBuilder(name)
        .label(label)
        .query(query)
        .definition(query)
        .datasource(o.datasource ?? MIMIR)
        .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
        .sort(dashboard.VariableSort.AlphabeticalAsc);
    return multi ? v.multi(true).includeAll(true).allValue(o.allValue ?? ".*") : v;
}

/** `$cluster`: every cluster that reports `up` (each scraped component carries it). */
export const clusterVariable = () => variable("cluster", "Cluster", `label_values(up, ${LABELS.cluster})`, false);
export const namespaceVariable = () => variable("namespace", "Namespace", `label_values(k8s_pod_phase{${SEL.cluster}}, ${LABELS.namespace})`, true);
/** `$service` from the span metrics (every traced service). */
export const spanServiceVariable = () => variable("service", "Service", `label_values(traces_spanmetrics_calls_total{${SEL.cluster}}, ${LABELS.spanService})`, true);
/** `$service` from the gen_ai metrics (every LLM application). */
export const genAiServiceVariable = () => variable("service", "Service", `label_values(gen_ai_client_operation_duration_seconds_count{${SEL.cluster}}, ${LABELS.service})`, true);

export function prom(expr: string, legend = "__auto"): PromQuery {
    return new PromQuery().datasource(MIMIR).expr(expr).legendFormat(legend);
}

export function loki(expr: string, legend?: string): LokiQuery {
    const q = new LokiQuery().datasource(LOKI).expr(expr);
    return legend ? q.legendFormat(legend) : q;
}

/** A time series of one or more PromQL queries, half the width by default. */
export function timeseries(title: string, unit: string, queries: PromQuery[], o: { span?: number; description?: string; stack?: boolean } = {}): TimeseriesPanel {
    const p = new TimeseriesPanel().title(title).unit(unit).datasource(MIMIR).span(o.span ?? 12).height(8);
    if (o.description) p.description(o.description);
    for (const [i, q] of queries.entries()) p.withTarget(q.refId(String.fromCharCode(65 + i)));
    return p;
}

/**
 * One number (the last value), with thresholds: green, then amber and red from the given steps (or, with `below`,
 * red under the lower step, amber under the higher, green above).
 */
export function stat(title: string, unit: string, query: PromQuery, steps: { amber?: number; red?: number; below?: { red: number; amber: number } } = {}, span = 6): StatPanel {
    const thresholds = new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps(steps.below
        ? [{ value: null, color: "red" }, { value: steps.below.red, color: "orange" }, { value: steps.below.amber, color: "green" }]
        : [
            { value: null, color: "green" },
            ...(steps.amber !== undefined ? [{ value: steps.amber, color: "orange" }] : []),
            ...(steps.red !== undefined ? [{ value: steps.red, color: "red" }] : []),
        ]);
    return new StatPanel().title(title).unit(unit).datasource(MIMIR).span(span).height(5).thresholds(thresholds)
        .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(["lastNotNull"]).values(false))
        .withTarget(query.refId("A").instant());
}

/** A table of instant PromQL results (one row per series). */
export function table(title: string, query: PromQuery, span = 24): TablePanel {
    return new TablePanel().title(title).datasource(MIMIR).span(span).height(8).withTarget(query.refId("A").instant().format(PromQueryFormat.Table));
}

/** A dashboard with the stack's conventions: fixed uid, tags, 1 h default range, shared crosshair, 1 m refresh. */
export function base(uid: string, title: string, description: string, tags: string[]): dashboard.DashboardBuilder {
    return new dashboard.DashboardBuilder(title)
        .uid(uid)
        .description(description)
        .tags(["observability-stack", ...tags])
        .editable()
        .tooltip(dashboard.DashboardCursorSync.Crosshair)
        .time({ from: "now-1h", to: "now" })
        .refresh("1m")
        .timezone("browser");
}

export function row(title: string): dashboard.RowBuilder {
    return new dashboard.RowBuilder(title);
}
