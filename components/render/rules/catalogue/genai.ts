// LLM applications, from the OpenTelemetry gen_ai client metrics as Mimir stores them (OTLP translation with
// suffixes): `gen_ai.client.token.usage` (histogram, unit `{token}`, which adds no suffix) becomes
// gen_ai_client_token_usage_{bucket,sum,count}, and `gen_ai.client.operation.duration` (unit s) becomes
// gen_ai_client_operation_duration_seconds_{bucket,sum,count}; attributes become labels with dots as underscores
// (gen_ai_request_model, gen_ai_token_type, error_type). Token rates, latency percentiles and errors per model; cost
// from a price table in config joined with the token rates; and the rolling 24-hour spend against a budget.
import { by, LABELS, show } from "../labels";
import { AlertDefinition, CatalogueGroup, RecordingRule, series } from "../model";

export interface GenAiPrice {
    /** `gen_ai.request.model` as the application reports it. */
    readonly model: string;
    readonly inputUsdPerMillionTokens: number;
    readonly outputUsdPerMillionTokens: number;
}

export interface GenAiSettings {
    readonly prices: readonly GenAiPrice[];
    /** Alert when the rolling 24-hour spend of a cluster exceeds this (USD); no spend alerts when absent. */
    readonly dailyBudgetUsd?: number;
    /** GenAiHighLatency fires when a model's p95 operation duration exceeds this many seconds. */
    readonly latencyP95Seconds: number;
}

export const GEN_AI_METRICS = {
    tokens: "gen_ai_client_token_usage",
    duration: "gen_ai_client_operation_duration_seconds",
    model: "gen_ai_request_model",
    tokenType: "gen_ai_token_type",
    errorType: "error_type",
} as const;

const M = GEN_AI_METRICS;
const MODEL = `${by("cluster", "service")}, ${M.model}`;
const C = { [LABELS.cluster]: "obs" };
const app = { ...C, [LABELS.service]: "assistant", [M.model]: "gpt-4o", gen_ai_operation_name: "chat", gen_ai_provider_name: "openai" };

export function validateGenAi(s: GenAiSettings): string[] {
    const problems: string[] = [];
    const models = s.prices.map(p => p.model);
    for (const p of s.prices) {
        if (!/^[^"\\\n]+$/.test(p.model)) problems.push(`model ${JSON.stringify(p.model)} must be a label value without quotes or backslashes`);
        for (const k of ["inputUsdPerMillionTokens", "outputUsdPerMillionTokens"] as const) {
            if (!(typeof p[k] === "number" && p[k] >= 0 && p[k] < 10000)) problems.push(`model ${p.model}: ${k} ${p[k]} must be a number of USD from 0 to 10000`);
        }
    }
    for (const m of new Set(models)) if (models.filter(x => x === m).length > 1) problems.push(`model ${m} is priced twice`);
    if (s.dailyBudgetUsd !== undefined && !(s.dailyBudgetUsd > 0)) problems.push(`dailyBudgetUsd ${s.dailyBudgetUsd} must be above 0`);
    if (s.dailyBudgetUsd !== undefined && s.prices.length === 0) problems.push("dailyBudgetUsd needs prices: without a price table the spend is unknown");
    if (!(s.latencyP95Seconds > 0 && s.latencyP95Seconds <= 600)) problems.push(`latencyP95Seconds ${s.latencyP95Seconds} must be above 0, at most 600`);
    return problems;
}

export function genAiGroup(s: GenAiSettings): CatalogueGroup {
    const recording: RecordingRule[] = [
        { record: "gen_ai:tokens:rate5m", expr: `sum by (${MODEL}, ${M.tokenType}) (rate(${M.tokens}_sum[5m]))` },
        { record: "gen_ai:operations:rate5m", expr: `sum by (${MODEL}) (rate(${M.duration}_count[5m]))` },
        { record: "gen_ai:operation_errors:ratio_rate5m", expr: `sum by (${MODEL}) (rate(${M.duration}_count{${M.errorType}!=""}[5m])) / sum by (${MODEL}) (rate(${M.duration}_count[5m]))` },
        ...[50, 95, 99].map(q => ({ record: `gen_ai:operation_duration_seconds:p${q}_5m`, expr: `histogram_quantile(0.${q}, sum by (${MODEL}, le) (rate(${M.duration}_bucket[5m])))` })),
        // The price table: one constant series per model and token type, in USD per token.
        ...s.prices.flatMap(p => (["input", "output"] as const).map(type => ({
            record: "gen_ai:price_usd_per_token",
            expr: `vector(${Number(((type === "input" ? p.inputUsdPerMillionTokens : p.outputUsdPerMillionTokens) / 1e6).toPrecision(12))})`,
            labels: { [M.model]: p.model, [M.tokenType]: type },
        }))),
        {
            record: "gen_ai:cost_usd:rate5m",
            expr: `sum by (${MODEL}) (gen_ai:tokens:rate5m * on (${M.model}, ${M.tokenType}) group_left () gen_ai:price_usd_per_token)`,
        },
        {
            record: "gen_ai:cost_usd:increase24h",
            expr: `sum by (${MODEL}) (sum by (${MODEL}, ${M.tokenType}) (increase(${M.tokens}_sum[24h])) * on (${M.model}, ${M.tokenType}) group_left () gen_ai:price_usd_per_token)`,
        },
    ];
    const dur = (le: string, values: string, extra: Record<string, string> = {}) => series(`${M.duration}_bucket`, { ...app, ...extra, le }, values);
    const count = (values: string, extra: Record<string, string> = {}) => series(`${M.duration}_count`, { ...app, ...extra }, values);
    const tokens = (type: string, values: string) => series(`${M.tokens}_sum`, { ...app, [M.tokenType]: type }, values);
    const kept = { ...C, [LABELS.service]: "assistant", [M.model]: "gpt-4o" };
    const alerts: AlertDefinition[] = [
        {
            alert: "GenAiHighErrorRate",
            expr: "gen_ai:operation_errors:ratio_rate5m > 0.05\nand gen_ai:operations:rate5m > 0.01",
            for: "10m",
            severity: "warning",
            summary: `${show("service")}: over 5% of calls to {{ $labels.${M.model} }} fail (cluster ${show("cluster")})`,
            description: "More than 5% of the service's gen_ai client operations on this model returned an error (error_type set) for 10 minutes: provider outage, rate limiting or quota.",
            fires: { series: [count("0+90x30"), count("0+10x30", { [M.errorType]: "429" })], at: "20m", alerts: [kept] },
            quiet: { series: [count("0+999x30"), count("0+1x30", { [M.errorType]: "429" })], at: "20m" },
        },
        {
            alert: "GenAiHighLatency",
            expr: `gen_ai:operation_duration_seconds:p95_5m > ${s.latencyP95Seconds}`,
            for: "15m",
            severity: "warning",
            summary: `${show("service")}: p95 latency of {{ $labels.${M.model} }} is over ${s.latencyP95Seconds}s (cluster ${show("cluster")})`,
            description: `The 95th percentile of the model's operation duration has exceeded ${s.latencyP95Seconds}s for 15 minutes: the provider is slow or prompts grew.`,
            fires: { series: [dur(String(s.latencyP95Seconds), "0x30"), dur(String(s.latencyP95Seconds * 4), "0+10x30"), dur("+Inf", "0+10x30")], at: "25m", alerts: [kept] },
            quiet: { series: [dur(String(s.latencyP95Seconds / 2), "0+10x30"), dur(String(s.latencyP95Seconds * 4), "0+10x30"), dur("+Inf", "0+10x30")], at: "25m" },
        },
        {
            alert: "GenAiTokenUsageSpike",
            expr: `sum by (${by("cluster", "service")}) (gen_ai:tokens:rate5m) > 100\nand sum by (${by("cluster", "service")}) (gen_ai:tokens:rate5m) > 5 * sum by (${by("cluster", "service")}) (rate(${M.tokens}_sum[1h] offset 30m))`,
            for: "10m",
            severity: "warning",
            summary: `${show("service")} uses over 5 times its usual tokens per second (cluster ${show("cluster")})`,
            description: "The service's token rate over 5 minutes is over five times its rate over the hour that ended 30 minutes earlier: a loop, a prompt change or abuse, and the spend follows.",
            fires: { series: [tokens("input", "0+600x70 42000+60000x30")], at: "90m", alerts: [{ ...C, [LABELS.service]: "assistant" }] },
            quiet: { series: [tokens("input", "0+60000x100")], at: "90m" },
        },
    ];
    if (s.dailyBudgetUsd !== undefined && s.prices.length > 0) {
        const budget = s.dailyBudgetUsd;
        // Enough input tokens of the first priced model to cost twice the budget (or 90% of it) within the day.
        const p = s.prices[0];
        const perToken = Math.max(p.inputUsdPerMillionTokens, 1e-6) / 1e6;
        const spend = (usd: number) => {
            const perMinute = usd / perToken / 60;
            return series(`${M.tokens}_sum`, { ...app, [M.model]: p.model, [M.tokenType]: "input" }, `0+${Number(perMinute.toPrecision(12))}x70`);
        };
        const cluster = `sum by (${by("cluster")}) (gen_ai:cost_usd:increase24h)`;
        alerts.push(
            {
                alert: "GenAiDailySpendOverBudget",
                expr: `${cluster} > ${budget}`,
                for: "5m",
                severity: "warning",
                summary: `LLM spend over the last 24 hours is over the ${budget} USD budget (cluster ${show("cluster")})`,
                description: `Token usage priced with the configured price table adds up to more than ${budget} USD over the last 24 hours. The LLM dashboard's cost panels show which service and model.`,
                fires: { series: [spend(budget * 2)], at: "65m", alerts: [C] },
                quiet: { series: [spend(budget / 2)], at: "65m" },
            },
            {
                alert: "GenAiDailySpendNearBudget",
                expr: `${cluster} > ${Number((budget * 0.8).toPrecision(12))}`,
                for: "5m",
                severity: "info",
                summary: `LLM spend over the last 24 hours is over 80% of the ${budget} USD budget (cluster ${show("cluster")})`,
                description: `Token usage priced with the configured price table adds up to more than 80% of the ${budget} USD budget over the last 24 hours.`,
                fires: { series: [spend(budget * 0.9)], at: "65m", alerts: [C] },
                quiet: { series: [spend(budget / 2)], at: "65m" },
            },
        );
    }
    return { name: "gen-ai", recording, alerts };
}
