// The gateway's config: OTLP from the agents (client certificates required) or Kafka; health-check spans dropped,
// tail sampling (without Kafka), redaction, a metric cardinality guard; exports to Tempo, Loki, Mimir and any extra
// remote-write targets, each with a persistent queue on the pod's volume, sized in bytes, and retries.
//
// Where data becomes durable: every pipeline is synchronous up to the persistent queues (no batch processor; batches
// form in the queues), so a sender is answered, or a Kafka record marked, only once the data is on the volume. The one
// exception is tail sampling, which must hold a trace in memory for its decision window: without Kafka the gateway
// samples, and a crash loses the undecided traces it holds (the agents already had their reply). With Kafka the
// gateway does not sample: a record is marked only after its spans are on disk, so a crash, a rollout or a rebalance
// replays what was in flight and nothing is lost (docs/collector.md#delivery-guarantees).
import type { Values } from "../backends/common";
import { lokiEndpoints } from "../backends/loki";
import { mimirEndpoints } from "../backends/mimir";
import { tempoEndpoints } from "../backends/tempo";
import {
    baseExtensions, clientTls, CollectorContext, fileStorage, GATEWAY_RELEASE, GIB, kafkaReceiver, memoryLimiter, otlpReceiver, OtelConfig,
    queueBudget, resilience, SamplingSettings, selfScrape, telemetry,
} from "./otel";
import { remoteWriteExporter, remoteWriteExporterId } from "./remote-write";

/** Mount path of each gateway pod's persistent volume (sending queues, remote-write WALs). */
export const GATEWAY_QUEUE_DIR = "/var/lib/otelcol/queue";

/** Request paths whose spans are dropped: health, readiness, liveness and ping probes. */
export const PROBE_PATHS = ["/health", "/healthz", "/ready", "/readyz", "/live", "/livez", "/ping"] as const;

// The attributes processor matches key patterns partially, so both patterns are anchored. `$$` is the collector's
// escape for a literal `$` (and, were it left as is, still an end-of-text anchor in RE2).
/** Attribute keys with a credential word as a whole segment (`db.password`, `x-api-key`, not `input_tokens`): deleted. */
export const SECRET_KEY_PATTERN = "(?i)^(.*[._-])?(password|passwd|secret|api[_-]?key|apikey|access[_-]?key|token|jwt|authorization|cookie|set-cookie|credentials?|private[_-]?key)([._-].*)?$$";
/** GenAI message content (prompts, completions, tool arguments and results). */
export const GENAI_CONTENT_PATTERN = "^gen_ai\\.(prompt|completion|input\\.messages|output\\.messages|system_instructions|tool\\.call\\.arguments|tool\\.call\\.result)(\\..*)?$$";
/** Payment card numbers (Visa, Mastercard, Amex, Discover), with or without separators: masked. */
export const CARD_NUMBER_PATTERNS = [
    "\\b4[0-9]{3}([ -]?[0-9]{4}){3}\\b",
    "\\b(5[1-5][0-9]{2}|2[2-7][0-9]{2})([ -]?[0-9]{4}){3}\\b",
    "\\b3[47][0-9]{2}[ -]?[0-9]{6}[ -]?[0-9]{5}\\b",
    "\\b6(011|5[0-9]{2})([ -]?[0-9]{4}){3}\\b",
] as const;
/** E-mail addresses: replaced by their SHA-256 hash, so one user's events still correlate. */
export const EMAIL_PATTERN = "[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}";

/**
 * Tail-sampling policies. A trace is kept if any policy keeps it: every error, every trace slower than the
 * threshold, each rule's share of its service (and endpoint), and the default share of traces no rule names.
 */
export function samplingPolicies(s: SamplingSettings): Values[] {
    const ruleServices = [...new Set(s.rules.map(r => r.service))].sort();
    const rules = s.rules.map(r => ({
        name: `rate-${r.service}${r.endpoint ? `-${r.endpoint}` : ""}`,
        type: "and",
        and: {
            and_sub_policy: [
                { name: "service", type: "string_attribute", string_attribute: { key: "service.name", values: [r.service] } },
                ...(r.endpoint ? [{ name: "endpoint", type: "string_attribute", string_attribute: { key: "http.route", values: [r.endpoint] } }] : []),
                { name: "rate", type: "probabilistic", probabilistic: { sampling_percentage: r.percent } },
            ],
        },
    }));
    const rest = { name: "rate-default", type: "probabilistic", probabilistic: { sampling_percentage: s.defaultPercent } };
    return [
        { name: "keep-errors", type: "status_code", status_code: { status_codes: ["ERROR"] } },
        { name: "keep-slow", type: "latency", latency: { threshold_ms: s.latencyThresholdMs } },
        ...rules,
        ruleServices.length === 0 ? rest : {
            name: "rate-default",
            type: "and",
            and: {
                and_sub_policy: [
                    { name: "unnamed-services", type: "string_attribute", string_attribute: { key: "service.name", values: ruleServices, invert_match: true } },
                    { ...rest, name: "rate" },
                ],
            },
        },
    ];
}

/** OTTL conditions matching spans of probe requests (new and old HTTP semantic conventions); exact paths, no regex. */
export function probeSpanConditions(): string[] {
    return ["url.path", "http.target", "http.route"].flatMap(key => PROBE_PATHS.map(path => `attributes["${key}"] == "${path}"`));
}

export function gatewayConfig(ctx: CollectorContext): OtelConfig {
    const s = ctx.settings;
    const storage = "file_storage/queue";
    // The backends' exporters, each with a persistent queue on the pod's volume (remote-write targets have WALs there).
    const endpoints = {
        "otlp_grpc/tempo": tempoEndpoints(ctx).otlpGrpc,
        "otlp_http/loki": `${lokiEndpoints(ctx).write}/otlp`,
        "otlp_http/mimir": `${mimirEndpoints(ctx).write}/otlp`,
    };
    const budget = queueBudget(s.gateway.queueVolumeGiB * GIB, Object.keys(endpoints).length, s.remoteWrite.length);
    const exporter = (endpoint: string) => ({
        endpoint,
        tls: clientTls(),
        compression: "gzip",
        timeout: "15s",
        ...resilience(storage, budget.queueBytes),
    });
    const remote = Object.fromEntries(s.remoteWrite.map(t => [remoteWriteExporterId(t), remoteWriteExporter(t, GATEWAY_QUEUE_DIR)]));
    const redact = ["attributes/redact", "redaction/cards", "redaction/emails"];
    const cardinality = s.droppedMetricAttributes.length > 0;
    // Traces only through the trace-ID-keyed topic when Kafka is on; metrics and logs also over OTLP.
    const traceInput = ctx.kafka ? "kafka" : "otlp";
    const otherInputs = ctx.kafka ? ["kafka", "otlp"] : ["otlp"];
    return {
        extensions: { ...baseExtensions(), [storage]: fileStorage(GATEWAY_QUEUE_DIR, budget.maxSizeBytes) },
        receivers: {
            // OTLP with client certificates: from the agents, or with Kafka only metrics and logs (traces must come
            // through the trace-ID-keyed topic), e.g. from collectors outside the cluster.
            otlp: otlpReceiver(false),
            ...(ctx.kafka ? { kafka: kafkaReceiver() } : {}),
            "prometheus/self": { config: { scrape_configs: [selfScrape(GATEWAY_RELEASE)] } },
        },
        processors: {
            memory_limiter: memoryLimiter(s.gateway.memoryLimitMiB),
            "filter/probes": { error_mode: "ignore", traces: { span: probeSpanConditions() } },
            ...(ctx.kafka ? {} : { tail_sampling: {
                decision_wait: `${s.sampling.decisionWaitSeconds}s`,
                num_traces: 100000,
                expected_new_traces_per_sec: 1000,
                policies: samplingPolicies(s.sampling),
            } }),
            "attributes/redact": {
                actions: [
                    { pattern: SECRET_KEY_PATTERN, action: "delete" },
                    ...(s.dropGenAiContent ? [{ pattern: GENAI_CONTENT_PATTERN, action: "delete" }] : []),
                ],
            },
            "redaction/cards": { allow_all_keys: true, redact_all_types: true, blocked_values: [...CARD_NUMBER_PATTERNS], summary: "silent" },
            "redaction/emails": { allow_all_keys: true, blocked_values: [EMAIL_PATTERN], hash_function: "sha3", summary: "silent" },
            ...(cardinality ? { "attributes/cardinality": { actions: s.droppedMetricAttributes.map(key => ({ key, action: "delete" })) } } : {}),
        },
        exporters: {
            ...Object.fromEntries(Object.entries(endpoints).map(([id, endpoint]) => [id, exporter(endpoint)])),
            ...remote,
        },
        service: {
            extensions: ["health_check", "pprof", "zpages", storage],
            telemetry: telemetry(),
            pipelines: {
                traces: { receivers: [traceInput], processors: ["memory_limiter", "filter/probes", ...(ctx.kafka ? [] : ["tail_sampling"]), ...redact], exporters: ["otlp_grpc/tempo"] },
                metrics: {
                    receivers: [...otherInputs, "prometheus/self"],
                    processors: ["memory_limiter", ...redact, ...(cardinality ? ["attributes/cardinality"] : [])],
                    exporters: ["otlp_http/mimir", ...Object.keys(remote)],
                },
                logs: { receivers: otherInputs, processors: ["memory_limiter", ...redact], exporters: ["otlp_http/loki"] },
            },
        },
    };
}
