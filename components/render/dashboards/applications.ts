// The applications: RED per service from Tempo's span metrics (with exemplars that open the trace), SLOs and their
// error budgets, LLM performance and cost from the gen_ai metrics, and logs with trace links.
import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import { PanelBuilder as LogsPanel } from "@grafana/grafana-foundation-sdk/logs";
import { PanelBuilder as TimeseriesPanel } from "@grafana/grafana-foundation-sdk/timeseries";
import { GEN_AI_METRICS } from "../rules/catalogue/genai";
import { LABELS } from "../rules/labels";
import { SPAN_METRICS } from "../rules/slo";
import type { DashboardInput, DashboardSpec } from "./model";
import { base, clusterVariable, genAiServiceVariable, LOKI, loki, prom, row, SEL, spanServiceVariable, stat, table, timeseries, variable } from "./panels";

const SVC = `{${SEL.cluster}, ${SEL.spanService}}`;
const SERVER = `${SEL.cluster}, ${SEL.spanService}, ${SPAN_METRICS.serverSpans}`;

export const red: DashboardSpec = {
    uid: "obs-red",
    folder: "applications",
    build: (i: DashboardInput) => base("obs-red", "Applications / RED per service", "Rate, errors and duration of every traced service from Tempo's span metrics; latency points carry exemplars that open the trace in Tempo.", ["red", "services"])
        .withVariable(clusterVariable())
        .withVariable(spanServiceVariable())
        .withPanel(timeseries("Requests", "reqps", [prom(`sum by (${LABELS.spanService}) (service:requests:rate5m${SVC})`, "{{service}}")], { span: 8 }))
        .withPanel(timeseries("Error ratio", "percentunit", [
            prom(`max by (${LABELS.spanService}) (service:error_ratio:rate5m${SVC})`, "{{service}}"),
            prom(`vector(${i.red.errorRatio})`, "HighErrorRate threshold"),
        ], { span: 8 }))
        .withPanel(timeseries("Latency p95 (exemplars open traces)", "s", [
            prom(`histogram_quantile(0.95, sum by (${LABELS.spanService}, le) (rate(${SPAN_METRICS.latencyBucket}{${SERVER}}[$__rate_interval])))`, "{{service}}").exemplar(true),
            prom(`vector(${i.red.latencyP95Seconds})`, "HighLatency default threshold"),
        ], { span: 8 }))
        .withPanel(timeseries("Latency p50 / p99", "s", [
            prom(`max by (${LABELS.spanService}) (service:latency_seconds:p50_5m${SVC})`, "p50 {{service}}"),
            prom(`max by (${LABELS.spanService}) (service:latency_seconds:p99_5m${SVC})`, "p99 {{service}}"),
        ], { span: 12 }))
        .withPanel(timeseries("Errors", "reqps", [prom(`sum by (${LABELS.spanService}) (service:errors:rate5m${SVC})`, "{{service}}")], { span: 12 }))
        .withPanel(table("Endpoints: requests per second", prom(`sort_desc(sum by (${LABELS.spanService}, span_name) (rate(${SPAN_METRICS.calls}{${SERVER}}[$__rate_interval])))`)))
        .build(),
};

export const slos: DashboardSpec = {
    uid: "obs-slos",
    folder: "applications",
    build: (i: DashboardInput) => base("obs-slos", "Applications / SLOs and error budgets", `Every SLO declared in config (${i.slos.length} now): budget left over its window, burn rates against the paging thresholds, and the SLI.`, ["slo"])
        .withVariable(variable("slo", "SLO", "label_values(slo:objective:ratio, slo)", true))
        .withPanel(stat("Error budget left", "percentunit", prom(`min by (slo) (slo:error_budget_remaining:ratio{slo=~"$slo"})`, "{{slo}}"), { below: { red: 0.1, amber: 0.25 } }, 12))
        .withPanel(stat("Objective", "percentunit", prom(`max by (slo) (slo:objective:ratio{slo=~"$slo"})`, "{{slo}}"), {}, 12))
        .withPanel(timeseries("Burn rate over 1 h (pages at 14.4)", "short", [
            prom(`max by (slo) (slo:sli_error:ratio_rate1h{slo=~"$slo"}) / on (slo) (1 - max by (slo) (slo:objective:ratio{slo=~"$slo"}))`, "{{slo}}"),
            prom("vector(14.4)", "page"),
        ]))
        .withPanel(timeseries("Burn rate over 6 h (pages at 6) and 1 d (tickets at 3)", "short", [
            prom(`max by (slo) (slo:sli_error:ratio_rate6h{slo=~"$slo"}) / on (slo) (1 - max by (slo) (slo:objective:ratio{slo=~"$slo"}))`, "6h {{slo}}"),
            prom(`max by (slo) (slo:sli_error:ratio_rate1d{slo=~"$slo"}) / on (slo) (1 - max by (slo) (slo:objective:ratio{slo=~"$slo"}))`, "1d {{slo}}"),
        ]))
        .withPanel(timeseries("Error budget left over time", "percentunit", [prom(`min by (slo) (slo:error_budget_remaining:ratio{slo=~"$slo"})`, "{{slo}}")]))
        .withPanel(timeseries("SLI error ratio (5 m)", "percentunit", [prom(`max by (slo) (slo:sli_error:ratio_rate5m{slo=~"$slo"})`, "{{slo}}")]))
        .build(),
};

export const llm: DashboardSpec = {
    uid: "obs-llm",
    folder: "applications",
    build: (i: DashboardInput) => {
        const M = GEN_AI_METRICS;
        const sel = `{${SEL.cluster}, ${SEL.service}}`;
        const budget = i.genAi.dailyBudgetUsd;
        return base("obs-llm", "Applications / LLM performance and cost", "gen_ai client metrics of every LLM application: tokens per model and type, operation latency and errors, and spend priced by the configured table.", ["llm", "gen_ai"])
            .withVariable(clusterVariable())
            .withVariable(genAiServiceVariable())
            .withRow(row("Cost"))
            .withPanel(stat("Spend over the last 24 h", "currencyUSD", prom(`sum(gen_ai:cost_usd:increase24h${sel})`), budget ? { amber: budget * 0.8, red: budget } : {}, 8))
            .withPanel(timeseries("Spend rate by model", "currencyUSD", [prom(`sum by (${M.model}) (gen_ai:cost_usd:rate5m${sel}) * 3600`, "{{gen_ai_request_model}} per hour")], { span: 16 }))
            .withRow(row("Tokens"))
            .withPanel(timeseries("Tokens by model and type", "short", [prom(`sum by (${M.model}, ${M.tokenType}) (gen_ai:tokens:rate5m${sel})`, "{{gen_ai_request_model}} {{gen_ai_token_type}}")], { span: 12 }))
            .withPanel(timeseries("Operations by model", "reqps", [prom(`sum by (${M.model}) (gen_ai:operations:rate5m${sel})`, "{{gen_ai_request_model}}")], { span: 12 }))
            .withRow(row("Latency and errors"))
            .withPanel(timeseries("Operation duration", "s", [
                prom(`max by (${M.model}) (gen_ai:operation_duration_seconds:p50_5m${sel})`, "p50 {{gen_ai_request_model}}"),
                prom(`max by (${M.model}) (gen_ai:operation_duration_seconds:p95_5m${sel})`, "p95 {{gen_ai_request_model}}"),
                prom(`max by (${M.model}) (gen_ai:operation_duration_seconds:p99_5m${sel})`, "p99 {{gen_ai_request_model}}"),
                prom(`vector(${i.genAi.latencyP95Seconds})`, "GenAiHighLatency threshold"),
            ], { span: 12 }))
            .withPanel(timeseries("Error ratio by model", "percentunit", [prom(`max by (${M.model}) (gen_ai:operation_errors:ratio_rate5m${sel})`, "{{gen_ai_request_model}}")], { span: 12 }))
            .withPanel(table("Errors by type", prom(`sum by (${LABELS.service}, ${M.model}, ${M.errorType}) (rate(${M.duration}_count{${SEL.cluster}, ${SEL.service}, ${M.errorType}!=""}[$__rate_interval]))`)))
            .build();
    },
};

export const logs: DashboardSpec = {
    uid: "obs-logs",
    folder: "applications",
    build: () => {
        const stream = `{${LABELS.cluster}="$cluster", ${LABELS.service}=~"$service"}`;
        return base("obs-logs", "Applications / Logs", "Logs of every service from Loki; a trace_id (structured metadata or in the line) links to the trace in Tempo.", ["logs"])
            .withVariable(clusterVariable())
            .withVariable(variable("service", "Service", `label_values(${LABELS.service})`, true, { datasource: LOKI, allValue: ".+" }))
            .withVariable(new dashboard.TextBoxVariableBuilder("search").label("Line contains (regex)").current({ text: "", value: "" }))
            .withPanel(new TimeseriesPanel().title("Log volume by level").unit("short").datasource(LOKI).span(24).height(6)
                .withTarget(loki(`sum by (detected_level) (count_over_time(${stream} |~ "$search" [$__auto]))`, "{{detected_level}}").refId("A")))
            .withPanel(new LogsPanel().title("Logs (trace_id opens the trace)").datasource(LOKI).span(24).height(16)
                .withTarget(loki(`${stream} |~ "$search"`).refId("A")))
            .withPanel(new LogsPanel().title("Errors").datasource(LOKI).span(24).height(10)
                .withTarget(loki(`${stream} | detected_level=~"error|fatal|critical" |~ "$search"`).refId("A")))
            .build();
    },
};
