// Vocabulary of the collector configs: the OpenTelemetry Collector config shape, the TLS and resilience stanzas
// every hop uses, and the settings both collectors share. Pure: no provider SDK, no Outputs.
import type { Environment } from "../../config/primitives";
import type { MetricsEndpoint, Values } from "../backends/common";
import {
    COLLECTOR_MAX_MESSAGE_BYTES, KAFKA_CONSUMER_GROUP, KAFKA_ENV, KAFKA_SASL_MECHANISM, KAFKA_TOPICS, KafkaSettings,
} from "../kafka";

/** A collector config file (`--config`), exactly as the collector reads it. */
export interface OtelConfig {
    extensions: Record<string, Values>;
    receivers: Record<string, Values>;
    processors: Record<string, Values>;
    exporters: Record<string, Values>;
    connectors?: Record<string, Values>;
    service: {
        extensions: string[];
        telemetry: Values;
        pipelines: Record<string, Pipeline>;
    };
}

export interface Pipeline {
    receivers: string[];
    processors: string[];
    exporters: string[];
}

/**
 * The pinned contrib image, at the release the tests build each role's collector from Go modules
 * (otelcol/builder.yaml, otelcol/gateway.builder.yaml), so the collector deployed is the collector tested: the
 * agents (and Alertmanager's metrics forwarder) 0.159.0, the gateway 0.160.0, the nearest releases to the chart's
 * appVersion (0.158.0) whose modules the proxy serves for each (the builder manifests say why two).
 */
export const COLLECTOR_IMAGE = {
    repository: "ghcr.io/open-telemetry/opentelemetry-collector-releases/opentelemetry-collector-contrib",
    tags: { agent: "0.159.0", gateway: "0.160.0" },
    command: "otelcol-contrib",
} as const;

export const AGENT_RELEASE = "otel-agent";
export const GATEWAY_RELEASE = "otel-gateway";
/** Service selecting every gateway pod's own address, for the agents' trace-ID load balancing. */
export const GATEWAY_HEADLESS_SERVICE = "otel-gateway-headless";
/** The agents need host paths (pod logs, host /proc), which the backends' restricted namespace forbids. */
export const AGENT_NAMESPACE = "observability-agents";
export const OTLP_GRPC_PORT = 4317;
export const OTLP_HTTP_PORT = 4318;

/**
 * Where a collector pod mounts its TLS Secret: the server pair, the client pair for outgoing hops, the CA, and (the
 * agents) the CAs of the applications allowed to send OTLP (`otlpClients`), which their receiver trusts instead.
 */
export const COLLECTOR_TLS_DIR = "/etc/otelcol/tls";
export const COLLECTOR_TLS = {
    cert: `${COLLECTOR_TLS_DIR}/tls.crt`,
    key: `${COLLECTOR_TLS_DIR}/tls.key`,
    ca: `${COLLECTOR_TLS_DIR}/ca.crt`,
    clientCert: `${COLLECTOR_TLS_DIR}/client.crt`,
    clientKey: `${COLLECTOR_TLS_DIR}/client.key`,
    otlpClientCas: `${COLLECTOR_TLS_DIR}/otlp-clients.crt`,
} as const;

/** A tail-sampling rate for one service, optionally for one endpoint (`http.route`) of it. */
export interface SamplingRule {
    readonly service: string;
    readonly endpoint?: string;
    readonly percent: number;
}

export interface SamplingSettings {
    /** How long the gateway holds a trace before deciding. */
    readonly decisionWaitSeconds: number;
    /** Traces at least this slow are kept. */
    readonly latencyThresholdMs: number;
    /** Rate of every trace no rule names that is neither an error nor slow. */
    readonly defaultPercent: number;
    readonly rules: readonly SamplingRule[];
}

/** An extra Prometheus remote-write target that receives every metric (VictoriaMetrics, Thanos Receive, …). */
export interface RemoteWriteTarget {
    /** Lower-case name, part of the exporter's id. */
    readonly name: string;
    /** `https://…` endpoint (the remote-write path included). */
    readonly url: string;
    /** Extra HTTP headers (tenant ids and the like; never credentials). */
    readonly headers: Readonly<Record<string, string>>;
    /** Queue capacity in batches, and the number of parallel senders. */
    readonly queueSize: number;
    readonly consumers: number;
    readonly timeoutSeconds: number;
}

/** Everything about the collectors that comes from stack config. */
export interface CollectorSettings {
    readonly agent: {
        readonly memoryLimitMiB: number;
        /** Disk on each node for the agent's persistent queues (its state directory). */
        readonly queueMiB: number;
    };
    readonly gateway: {
        readonly minReplicas: number;
        readonly maxReplicas: number;
        readonly memoryLimitMiB: number;
        /** Size of each gateway pod's persistent volume for the sending queues. */
        readonly queueVolumeGiB: number;
    };
    readonly sampling: SamplingSettings;
    /** Delete GenAI prompt and completion content (`gen_ai.*` message attributes). */
    readonly dropGenAiContent: boolean;
    /** Metric attributes deleted before storage (cardinality guard). */
    readonly droppedMetricAttributes: readonly string[];
    readonly remoteWrite: readonly RemoteWriteTarget[];
}

/** The inputs of both collector configs. */
export interface CollectorContext {
    readonly environment: Environment;
    /** `deployment.environment.name` and `k8s.cluster.name` on every signal. */
    readonly clusterName: string;
    /** Namespace of the backends and the gateway. */
    readonly namespace: string;
    readonly settings: CollectorSettings;
    /** The backends' metrics endpoints, scraped by the agent on the node each pod runs on. */
    readonly metrics: readonly MetricsEndpoint[];
    /** Kafka between the agents and the gateway; absent: the agents send to the gateway directly. */
    readonly kafka?: KafkaSettings;
    /** prod: the cluster's availability zones, over which the gateway spreads. */
    readonly zones?: readonly string[];
    /** The applications with an OTLP client certificate (`otlpClients`): the agents restart when the list changes. */
    readonly otlpClients?: readonly string[];
}

/** `k8s.cluster.name` of a stack's telemetry. */
export const clusterNameOf = (stack: string) => `observability-${stack}`;

/** Client TLS of an outgoing hop: the collector's client certificate, the server verified against the stack CA. */
export function clientTls(serverName?: string): Values {
    return {
        ca_file: COLLECTOR_TLS.ca,
        cert_file: COLLECTOR_TLS.clientCert,
        key_file: COLLECTOR_TLS.clientKey,
        min_version: "1.2",
        ...(serverName ? { server_name_override: serverName } : {}),
    };
}

/**
 * Server TLS of an OTLP receiver: the collector's certificate; clients must present one from the stack CA (the
 * gateway: only the agents send to it), or, `applications` (the agents), from one of the listed OTLP clients' CAs,
 * re-read when the Secret changes (configtls re-hashes the file at a handshake, at most once a second).
 */
export function serverTls(applications = false): Values {
    return {
        cert_file: COLLECTOR_TLS.cert, key_file: COLLECTOR_TLS.key,
        ...(applications ? { client_ca_file: COLLECTOR_TLS.otlpClientCas, client_ca_file_reload: true } : { client_ca_file: COLLECTOR_TLS.ca }),
        min_version: "1.2",
    };
}

/** OTLP receiver on both protocols (or gRPC only), bound to the pod's address, mTLS required (`serverTls`). */
export function otlpReceiver(http: boolean, applications = false): Values {
    return {
        protocols: {
            grpc: { endpoint: `\${env:MY_POD_IP}:${OTLP_GRPC_PORT}`, tls: serverTls(applications), max_recv_msg_size_mib: 16 },
            ...(http ? { http: { endpoint: `\${env:MY_POD_IP}:${OTLP_HTTP_PORT}`, tls: serverTls(applications) } } : {}),
        },
    };
}

/**
 * How a collector's persistent queues share the disk they live on. Each exporter's queue is its own bbolt file in the
 * `file_storage` directory, capped at `maxSizeBytes` (bbolt refuses a write that would grow it further); one more
 * file-sized slot stays free for a compaction's copy, and `writeAheadLogs` (remote-write WALs, which have no cap of
 * their own) get a slot each. Queues count the serialized bytes they hold and stop at half their file's cap (bbolt's
 * pages and free list cost the rest), so "queue over 80% full" fires while the disk still has room.
 */
export interface QueueBudget {
    readonly maxSizeBytes: number;
    readonly queueBytes: number;
}

/** Share of a queue volume the collector may fill; the rest is the file system's and the alerts' margin. */
export const QUEUE_VOLUME_SHARE = 0.8;

export function queueBudget(volumeBytes: number, queues: number, writeAheadLogs = 0): QueueBudget {
    const slots = queues + writeAheadLogs + 1;
    const maxSizeBytes = Math.floor((volumeBytes * QUEUE_VOLUME_SHARE) / slots);
    return { maxSizeBytes, queueBytes: Math.floor(maxSizeBytes / 2) };
}

export const GIB = 1024 ** 3;
export const MIB = 1024 ** 2;

/**
 * Batches form inside the sending queue, after the data is on disk: a `batch` processor would acknowledge the
 * sender (an agent's OTLP reply, a Kafka record's mark) while the data is still only in its memory.
 */
export const QUEUE_BATCH = { sizer: "items", min_size: 8192, max_size: 10000, flush_timeout: "5s" } as const;

/**
 * A persistent sending queue on the given `file_storage` extension, sized in bytes, and unbounded retries with
 * backoff. A full queue pushes back (`block_on_overflow`): the caller waits up to its deadline and then gets a
 * retryable error, so the data stays with the sender (the agent's own queue, the application, Kafka) instead of
 * being dropped here.
 */
export function resilience(storage: string, queueBytes: number): { sending_queue: Values; retry_on_failure: Values } {
    return {
        sending_queue: {
            enabled: true, storage, sizer: "bytes", queue_size: queueBytes, block_on_overflow: true, num_consumers: 4,
            batch: { ...QUEUE_BATCH },
        },
        retry_on_failure: { enabled: true, initial_interval: "5s", max_interval: "30s", max_elapsed_time: "0s" },
    };
}

/** memory_limiter from the container's memory limit: hard limit at 80%, soft limit (hard minus spike) at 60%. */
export function memoryLimiter(containerLimitMiB: number): Values {
    return { check_interval: "1s", limit_mib: Math.floor(containerLimitMiB * 0.8), spike_limit_mib: Math.floor(containerLimitMiB * 0.2) };
}

/** GOMEMLIMIT from the container's memory limit: the Go heap target sits at the memory_limiter's hard limit. */
export function goMemLimit(containerLimitMiB: number): string {
    return `${Math.floor(containerLimitMiB * 0.8)}MiB`;
}

/** Health on the pod address (kubelet probes it), debugging endpoints on loopback only. */
export function baseExtensions(): Record<string, Values> {
    return {
        health_check: { endpoint: `\${env:MY_POD_IP}:13133` },
        pprof: { endpoint: "127.0.0.1:1777" },
        zpages: { endpoint: "127.0.0.1:55679" },
    };
}

/**
 * A `file_storage` extension in `directory`: each client's bbolt file capped at `maxSizeBytes`, synced to disk on
 * every write (a queue survives the node, not only the process), compacted on start and when it shrinks.
 */
export function fileStorage(directory: string, maxSizeBytes: number): Values {
    return {
        directory,
        create_directory: true,
        timeout: "2s",
        max_size: maxSizeBytes,
        fsync: true,
        compaction: { on_start: true, on_rebound: true, directory, cleanup_on_start: true },
    };
}

/** Internal telemetry: Prometheus metrics on loopback (the collector scrapes itself), info logs. */
export function telemetry(): Values {
    return {
        metrics: { level: "detailed", readers: [{ pull: { exporter: { prometheus: { host: "127.0.0.1", port: 8888 } } } }] },
        logs: { level: "info", encoding: "json" },
    };
}

/** Prometheus scrape job of the collector's own metrics (each pod scrapes itself: every collector once). */
export function selfScrape(job: string): Values {
    return { job_name: job, scrape_interval: "30s", static_configs: [{ targets: ["127.0.0.1:8888"] }] };
}

/** Resource attributes every signal carries. */
export function resourceProcessor(ctx: CollectorContext): Values {
    return {
        attributes: [
            { key: "deployment.environment.name", value: ctx.environment, action: "upsert" },
            { key: "k8s.cluster.name", value: ctx.clusterName, action: "upsert" },
        ],
    };
}

/** The `batch` processor of a collector without a persistent queue (Alertmanager's metrics forwarder). */
export const BATCH = { send_batch_size: 8192, send_batch_max_size: 10000, timeout: "5s" } as const;

/**
 * How a collector reaches Kafka: the brokers and its own SCRAM credentials from its Kafka Secret's environment
 * variables (`brokers` is a whole-value reference, which the collector parses as a YAML list), TLS verified against
 * the system roots (MSK's certificates are Amazon-issued), never plaintext.
 */
function kafkaClient(): Values {
    return {
        brokers: `\${env:${KAFKA_ENV.brokersList}}`,
        protocol_version: "3.9.0",
        tls: { insecure: false, insecure_skip_verify: false, min_version: "1.2" },
        auth: { sasl: { mechanism: KAFKA_SASL_MECHANISM, username: `\${env:${KAFKA_ENV.username}}`, password: `\${env:${KAFKA_ENV.password}}` } },
    };
}

const topics = (pick: (topic: string) => Values) => ({
    traces: pick(KAFKA_TOPICS.traces), metrics: pick(KAFKA_TOPICS.metrics), logs: pick(KAFKA_TOPICS.logs),
});

/**
 * The agents' Kafka exporter, one topic per signal. Spans are keyed by trace ID, so all spans of a trace land in
 * one partition and reach the one gateway pod that consumes it; every replica acknowledges each write.
 */
export function kafkaExporter(storage: string, queueBytes: number): Values {
    return {
        ...kafkaClient(),
        client_id: "otel-agent",
        ...topics(topic => ({ topic, encoding: "otlp_proto" })),
        partition_traces_by_id: true,
        partition_metrics_by_resource_attributes: true,
        partition_logs_by_resource_attributes: true,
        producer: { required_acks: -1, compression: "zstd", max_message_bytes: COLLECTOR_MAX_MESSAGE_BYTES, allow_auto_topic_creation: false },
        timeout: "10s",
        ...resilience(storage, queueBytes),
    };
}

/**
 * The gateway's Kafka receiver: the gateway pods share one consumer group, start from the oldest record a new
 * group has not seen, and mark a record only after the pipeline accepted it (at-least-once into the persistent
 * queues), backing off instead of skipping when the pipeline refuses.
 */
export function kafkaReceiver(): Values {
    return {
        ...kafkaClient(),
        client_id: "otel-gateway",
        group_id: KAFKA_CONSUMER_GROUP,
        ...topics(topic => ({ topics: [topic], encoding: "otlp_proto" })),
        initial_offset: "earliest",
        message_marking: { after: true, on_error: false, on_permanent_error: true },
        error_backoff: { enabled: true, initial_interval: "1s", max_interval: "30s", max_elapsed_time: "0s" },
        max_fetch_size: COLLECTOR_MAX_MESSAGE_BYTES,
    };
}
