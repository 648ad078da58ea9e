// Checks a rendered collector config (and the agent/gateway pair) for the mistakes that pass the collector's own
// schema but break the platform's promises: dangling or unused components, memory_limiter not first, tail sampling
// where it cannot see whole traces, a hop without TLS, an exporter without a persistent queue and retries, data
// acknowledged before it is durable, and a queue that can outgrow its disk.
import type { OtelConfig } from "./otel";

/** The agents, the gateway, and a sidecar that forwards one pod's own metrics (no persistent volume: its queue is in memory). */
export type CollectorRole = "agent" | "gateway" | "forwarder";

/** Exporter types that send over the network, and so need TLS, a queue and retries. */
const NETWORK_EXPORTERS = ["otlp_grpc", "otlp_http", "load_balancing", "prometheus_remote_write", "kafka"];
const SECTIONS = ["receivers", "processors", "exporters", "connectors"] as const;

type Values = Record<string, unknown>;

const typeOf = (id: string) => id.split("/")[0];

/**
 * Processors that answer their caller before the data has gone on: they hold it in memory (a batch, a tail-sampling
 * window). Ahead of a persistent queue they acknowledge what a crash then loses.
 */
export const HOLDING_PROCESSORS = ["batch", "tail_sampling", "groupbytrace", "group_by_trace", "interval"];
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Every (path, value) of a nested value. */
function* walk(value: unknown, at: string): Generator<[string, unknown]> {
    yield [at, value];
    if (Array.isArray(value)) for (const [i, v] of value.entries()) yield* walk(v, `${at}[${i}]`);
    else if (isObject(value)) for (const [k, v] of Object.entries(value)) yield* walk(v, at ? `${at}.${k}` : k);
}

/** Problems of one collector's config; empty when it is sound. */
export function validateCollectorConfig(role: CollectorRole, c: OtelConfig): string[] {
    const problems: string[] = [];
    const add = (m: string) => problems.push(`${role}: ${m}`);
    const defined = (section: (typeof SECTIONS)[number]) => Object.keys(c[section] ?? {});
    const pipelines = Object.entries(c.service?.pipelines ?? {});

    // Pipelines name only defined components; every defined component is used.
    const used = { receivers: new Set<string>(), processors: new Set<string>(), exporters: new Set<string>() };
    const connectors = new Set(defined("connectors"));
    for (const [name, p] of pipelines) {
        for (const section of ["receivers", "processors", "exporters"] as const) {
            const ids = p[section] ?? [];
            if (section !== "processors" && ids.length === 0) add(`pipeline ${name} has no ${section}`);
            for (const id of ids) {
                used[section].add(id);
                const isConnector = section !== "processors" && connectors.has(id);
                if (!isConnector && !(id in (c[section] ?? {}))) add(`pipeline ${name} names ${section.slice(0, -1)} ${id}, which is not defined`);
            }
        }
        if (typeOf(p.processors?.[0] ?? "") !== "memory_limiter") add(`pipeline ${name} must start with memory_limiter (it starts with ${p.processors?.[0] ?? "nothing"})`);
        const kind = typeOf(name);
        for (const id of p.processors ?? []) {
            if (typeOf(id) === "tail_sampling" && kind !== "traces") add(`pipeline ${name} runs tail_sampling on ${kind}`);
        }
    }
    for (const section of ["receivers", "processors", "exporters"] as const) {
        for (const id of defined(section)) if (!used[section].has(id)) add(`${section.slice(0, -1)} ${id} is defined but no pipeline uses it`);
    }
    for (const id of connectors) if (!used.receivers.has(id) || !used.exporters.has(id)) add(`connector ${id} must be both an exporter and a receiver of pipelines`);
    const enabledExtensions = new Set(c.service?.extensions ?? []);
    for (const id of enabledExtensions) if (!(id in (c.extensions ?? {}))) add(`service enables extension ${id}, which is not defined`);
    for (const id of Object.keys(c.extensions ?? {})) if (!enabledExtensions.has(id)) add(`extension ${id} is defined but not enabled in service.extensions`);

    // The chart's probes call health_check on :13133.
    const health = Object.entries(c.extensions ?? {}).find(([id]) => typeOf(id) === "health_check");
    if (!health || !enabledExtensions.has(health[0]) || !String(health[1].endpoint ?? "").endsWith(":13133")) {
        add("extension health_check must be enabled on port 13133 (the chart's liveness and readiness probes call it)");
    }

    // Durable before acknowledged: no processor holds data in memory ahead of the persistent queues (batches form in
    // the queues), except the gateway's tail sampling, and never on a pipeline fed by Kafka, whose records are marked
    // (and their offsets committed) as soon as the pipeline returns.
    if (role !== "forwarder") {
        for (const [name, p] of pipelines) {
            const kafkaFed = (p.receivers ?? []).some(id => typeOf(id) === "kafka");
            for (const id of p.processors ?? []) {
                const type = typeOf(id);
                if (!HOLDING_PROCESSORS.includes(type)) continue;
                if (kafkaFed) add(`pipeline ${name} reads Kafka and runs ${id}, which holds data in memory: a record would be marked before its data is on disk`);
                else if (type !== "tail_sampling") add(`pipeline ${name} runs ${id}, which answers the sender before the data is in the persistent queue (batch in sending_queue.batch instead)`);
            }
        }
        for (const [id, r] of Object.entries(c.receivers ?? {})) {
            if (typeOf(id) !== "kafka") continue;
            const marking = r.message_marking as Values | undefined;
            if (marking?.after !== true || marking?.on_error !== false) add(`receiver ${id} must mark a record only after the pipeline accepted it (message_marking.after: true, on_error: false)`);
        }
    }

    // Tail sampling only in the gateway.
    if (role === "agent" && [...used.processors, ...defined("processors")].some(id => typeOf(id) === "tail_sampling")) {
        add("tail_sampling runs only in the gateway, behind the agents' trace-ID load balancing");
    }

    // No hop without TLS.
    for (const [path, value] of walk(c, "")) {
        const key = path.split(".").pop() ?? "";
        if ((key === "insecure" || key === "insecure_skip_verify") && value === true) add(`${path} is true: every hop verifies its peer`);
        if (typeof value === "string" && value.includes("{{")) add(`${path} contains "{{", which the chart's tpl would evaluate`);
    }
    for (const [id, r] of Object.entries(c.receivers ?? {})) {
        if (typeOf(id) === "kafka") {
            if (!isObject(r.tls)) add(`receiver ${id} must reach the brokers over TLS (a tls block; without one the client speaks plaintext)`);
            if (typeof r.group_id !== "string" || r.group_id === "") add(`receiver ${id} needs a group_id: the gateway pods must share the partitions, not each read every record`);
        }
        if (typeOf(id) !== "otlp") continue;
        for (const [proto, cfg] of Object.entries((r.protocols ?? {}) as Record<string, Record<string, unknown> | null>)) {
            const tls = cfg?.tls as Record<string, unknown> | undefined;
            if (!tls?.cert_file || !tls?.client_ca_file) add(`receiver ${id} ${proto} must serve TLS and require client certificates (tls.cert_file, tls.client_ca_file)`);
        }
    }
    for (const [id, e] of Object.entries(c.exporters ?? {})) {
        const type = typeOf(id);
        if (!NETWORK_EXPORTERS.includes(type)) continue;
        const endpoint = typeof e.endpoint === "string" ? e.endpoint : undefined;
        if (endpoint?.startsWith("http://")) add(`exporter ${id} sends in plaintext to ${endpoint}`);
        const grpcTls = type === "otlp_grpc" ? e.tls : type === "load_balancing" ? (e.protocol as { otlp?: Values } | undefined)?.otlp?.tls : undefined;
        if ((type === "otlp_grpc" || type === "load_balancing") && !(grpcTls as Values | undefined)?.ca_file) add(`exporter ${id} must verify the server against the stack CA (tls.ca_file)`);
        if (type === "otlp_http" && endpoint?.startsWith("https://") && !(e.tls as Values | undefined)?.ca_file) add(`exporter ${id} must verify the server against the stack CA (tls.ca_file)`);
        if (type === "kafka" && !isObject(e.tls)) add(`exporter ${id} must reach the brokers over TLS (a tls block; without one the client speaks plaintext)`);
        if (type === "kafka" && (e.producer as Values | undefined)?.allow_auto_topic_creation !== false) {
            add(`exporter ${id} must not create topics (producer.allow_auto_topic_creation: false): the program creates them, and the agents' user may only write`);
        }

        // A queue and retries; persistent where the exporter supports it.
        const retry = e.retry_on_failure as Values | undefined;
        if (retry?.enabled !== true) add(`exporter ${id} needs retry_on_failure.enabled: true`);
        if (type === "prometheus_remote_write") {
            if ((e.remote_write_queue as Values | undefined)?.enabled !== true) add(`exporter ${id} needs remote_write_queue.enabled: true`);
            if (!(e.wal as Values | undefined)?.directory) add(`exporter ${id} needs a wal.directory on the persistent volume`);
        } else {
            const queue = e.sending_queue as Values | undefined;
            if (queue?.enabled !== true) add(`exporter ${id} needs sending_queue.enabled: true`);
            else if (role !== "forwarder" && (typeof queue.storage !== "string" || typeOf(queue.storage) !== "file_storage" || !enabledExtensions.has(queue.storage))) {
                add(`exporter ${id} needs a persistent queue: sending_queue.storage must name an enabled file_storage extension`);
            } else if (role !== "forwarder") {
                // Sized in bytes within its file's cap, pushing back when full.
                const maxSize = Number((c.extensions?.[queue.storage as string] as Values | undefined)?.max_size ?? 0);
                if (queue.sizer !== "bytes") add(`exporter ${id} must size its queue in bytes (sending_queue.sizer: bytes), so it is bounded by its disk`);
                else if (!(maxSize > 0)) add(`extension ${String(queue.storage)} must cap each queue file (max_size), or a queue can fill the volume`);
                else if (typeof queue.queue_size !== "number" || queue.queue_size * 2 > maxSize) add(`exporter ${id} queue_size ${String(queue.queue_size)} bytes must be at most half of ${String(queue.storage)}'s max_size (${maxSize}): bbolt's pages need the rest`);
                if (queue.block_on_overflow !== true) add(`exporter ${id} must push back when its queue is full (sending_queue.block_on_overflow: true), not drop`);
            }
        }
    }

    // Debugging endpoints only on loopback.
    for (const [ext, cfg] of Object.entries(c.extensions ?? {})) {
        if (!["pprof", "zpages"].includes(typeOf(ext))) continue;
        const endpoint = String(cfg.endpoint ?? "");
        if (!/^(127\.0\.0\.1|localhost|\[::1\]):\d+$/.test(endpoint)) add(`extension ${ext} must listen on loopback, not ${endpoint || "its default"}`);
    }
    return problems;
}

/**
 * Problems of the agent/gateway pair: each config's own, plus tail sampling only where a gateway pod sees whole
 * traces: every agent traces pipeline sends through `load_balancing` with `routing_key: traceID`, or through Kafka
 * keyed by trace ID (`partition_traces_by_id`) to a consumer group, so one pod reads each partition.
 */
export function validateCollectors(pair: { agent: OtelConfig; gateway: OtelConfig }): string[] {
    const problems = [...validateCollectorConfig("agent", pair.agent), ...validateCollectorConfig("gateway", pair.gateway)];
    const gatewaySamples = Object.values(pair.gateway.service?.pipelines ?? {}).some(p => (p.processors ?? []).some(id => typeOf(id) === "tail_sampling"));
    if (!gatewaySamples) return problems;
    for (const [name, p] of Object.entries(pair.agent.service?.pipelines ?? {})) {
        if (typeOf(name) !== "traces") continue;
        for (const id of p.exporters ?? []) {
            const e = pair.agent.exporters?.[id] as Values | undefined;
            if (typeOf(id) === "kafka") {
                if (e?.partition_traces_by_id !== true) problems.push(`agent: exporter ${id} must key spans by trace ID (partition_traces_by_id: true) for the gateway's tail_sampling`);
            } else if (typeOf(id) !== "load_balancing") {
                problems.push(`agent: pipeline ${name} sends traces through ${id}; the gateway's tail_sampling needs them through load_balancing or Kafka keyed by trace ID`);
            } else if (e?.routing_key !== "traceID") problems.push(`agent: exporter ${id} must route by traceID (routing_key: traceID) for the gateway's tail_sampling`);
        }
    }
    return problems;
}
