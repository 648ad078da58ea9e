// The node agent's config: OTLP from applications, pod logs, host and kubelet metrics, and a scrape of the stack's
// own components on this node; enriched with Kubernetes and resource attributes; traces load-balanced by trace ID
// over the gateway's pods, metrics and logs to the gateway, every hop over mTLS with a persistent queue.
import type { MetricsEndpoint, Values } from "../backends/common";
import { serviceHost } from "../backends/common";
import {
    AGENT_NAMESPACE, AGENT_RELEASE, baseExtensions, clientTls, CollectorContext, COLLECTOR_TLS, fileStorage, GATEWAY_HEADLESS_SERVICE,
    GATEWAY_RELEASE, kafkaExporter, memoryLimiter, MIB, OTLP_GRPC_PORT, otlpReceiver, OtelConfig, queueBudget, resilience, resourceProcessor, selfScrape,
    telemetry,
} from "./otel";

/** Host directory (hostPath) of the agent's log checkpoints and sending queues: they survive pod restarts. */
export const AGENT_STATE_DIR = "/var/lib/otelcol/agent";
/** host_metrics' root_path: only the host's /proc is mounted under it (agent-security.ts). */
export const HOSTFS = "/hostfs";
/** Where the container runtime writes pod logs (`<namespace>_<pod>_<uid>/<container>/<restart>.log`), mounted read-only. */
export const POD_LOG_DIR = "/var/log/pods";
const SA_CA = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";

/**
 * Scrape jobs for the stack's own components: one job per release, discovering the release's Services'
 * endpoints and keeping only pods on this agent's node, so each pod is scraped once, by one agent.
 */
export function componentScrapeJobs(metrics: readonly MetricsEndpoint[], namespace: string): Values[] {
    const byJob = new Map<string, MetricsEndpoint[]>();
    for (const m of metrics) {
        const job = `${m.release}/${m.scheme}${m.path}`;
        byJob.set(job, [...(byJob.get(job) ?? []), m]);
    }
    return [...byJob.entries()].map(([, eps]) => {
        const first = eps[0];
        const targets = [...new Set(eps.map(e => `${e.service};${e.port}`))].sort();
        return {
            job_name: first.release,
            scrape_interval: "30s",
            scheme: first.scheme,
            metrics_path: first.path,
            ...(first.scheme === "https" ? { tls_config: { ...promClientTls(), server_name: first.serverName } } : {}),
            kubernetes_sd_configs: [{ role: "endpointslice", namespaces: { names: [namespace] } }],
            relabel_configs: [
                // Prometheus anchors regexes itself: no ^ or $ (a bare $ would also clash with the collector's ${env:}).
                { source_labels: ["__meta_kubernetes_service_name", "__meta_kubernetes_endpointslice_port"], regex: `(${targets.join("|")})`, action: "keep" },
                { source_labels: ["__meta_kubernetes_endpointslice_endpoint_node_name"], regex: "${env:OTEL_K8S_NODE_NAME}", action: "keep" },
                { source_labels: ["__meta_kubernetes_namespace"], target_label: "namespace" },
                { source_labels: ["__meta_kubernetes_pod_name"], target_label: "pod" },
                { source_labels: ["__meta_kubernetes_service_name"], target_label: "service" },
            ],
        };
    });
}

/** The agent's client certificate for Prometheus scrapes (Prometheus's own TLS keys). */
function promClientTls(): Values {
    return { ca_file: COLLECTOR_TLS.ca, cert_file: COLLECTOR_TLS.clientCert, key_file: COLLECTOR_TLS.clientKey, min_version: "TLS12", insecure_skip_verify: false };
}

export function agentConfig(ctx: CollectorContext): OtelConfig {
    const gatewayHost = serviceHost(GATEWAY_RELEASE, ctx.namespace);
    const headless = serviceHost(GATEWAY_HEADLESS_SERVICE, ctx.namespace);
    const storage = "file_storage";
    // The queues' share of the node's disk (`agentQueueMiB`): one exporter with Kafka, two without.
    const budget = queueBudget(ctx.settings.agent.queueMiB * MIB, ctx.kafka ? 1 : 2);
    const queue = () => resilience(storage, budget.queueBytes);
    // No batch processor: an application gets its OTLP reply once its data is in the persistent queue.
    const common = ["memory_limiter", "k8s_attributes", "resource_detection", "resource"];
    // With Kafka every signal goes to the brokers; without, traces are balanced by trace ID over the gateway pods.
    const [traceExporter, otherExporter] = ctx.kafka ? ["kafka", "kafka"] : ["load_balancing", "otlp_grpc/gateway"];
    return {
        extensions: { ...baseExtensions(), [storage]: fileStorage(AGENT_STATE_DIR, budget.maxSizeBytes) },
        receivers: {
            // Applications: only the listed OTLP clients' certificates (`otlpClients`), not the stack CA's.
            otlp: otlpReceiver(true, true),
            file_log: {
                include: [`${POD_LOG_DIR}/*/*/*.log`],
                // The agent's own logs would loop (its exporter errors would log, ship, fail, log…).
                exclude: [`${POD_LOG_DIR}/${AGENT_NAMESPACE}_${AGENT_RELEASE}-*/*/*.log`],
                start_at: "end",
                include_file_path: true,
                include_file_name: false,
                storage,
                retry_on_failure: { enabled: true },
                operators: [{ type: "container", id: "container-parser" }],
            },
            host_metrics: {
                collection_interval: "30s",
                root_path: HOSTFS,
                // Each reads only the host's /proc. No filesystem scraper: it needs the host's root mounted under
                // root_path (agent-security.ts); kubelet_stats reports the node's filesystem instead. No network
                // scraper: <root_path>/proc/net is /proc/self/net, the agent pod's own network namespace (no
                // hostNetwork), not the host's; kubelet_stats reports the node's interfaces (k8s.node.network.*).
                scrapers: { cpu: {}, load: {}, memory: {}, disk: {} },
            },
            kubelet_stats: {
                collection_interval: "30s",
                auth_type: "serviceAccount",
                endpoint: "https://${env:OTEL_K8S_NODE_IP}:10250",
                // The kubelet's serving certificate is verified against the cluster CA.
                ca_file: SA_CA,
                insecure_skip_verify: false,
                metric_groups: ["node", "pod", "container", "volume"],
            },
            prometheus: {
                config: { scrape_configs: [selfScrape(AGENT_RELEASE), ...componentScrapeJobs(ctx.metrics, ctx.namespace)] },
            },
        },
        processors: {
            memory_limiter: memoryLimiter(ctx.settings.agent.memoryLimitMiB),
            k8s_attributes: {
                auth_type: "serviceAccount",
                passthrough: false,
                filter: { node_from_env_var: "OTEL_K8S_NODE_NAME" },
                extract: {
                    metadata: ["k8s.namespace.name", "k8s.pod.name", "k8s.pod.uid", "k8s.node.name", "k8s.deployment.name", "k8s.statefulset.name", "k8s.daemonset.name", "k8s.cronjob.name", "k8s.job.name", "k8s.container.name"],
                    labels: [{ tag_name: "service.name", key: "app.kubernetes.io/name", from: "pod" }, { tag_name: "service.version", key: "app.kubernetes.io/version", from: "pod" }],
                },
                pod_association: [
                    { sources: [{ from: "resource_attribute", name: "k8s.pod.uid" }] },
                    { sources: [{ from: "resource_attribute", name: "k8s.pod.ip" }] },
                    { sources: [{ from: "connection" }] },
                ],
            },
            resource_detection: { detectors: ["env", "system"], system: { hostname_sources: ["os"] }, timeout: "2s", override: false },
            resource: resourceProcessor(ctx),
        },
        exporters: ctx.kafka ? { kafka: kafkaExporter(storage, budget.queueBytes) } : {
            // Spans of one trace all reach the same gateway pod, so its tail sampling sees whole traces.
            load_balancing: {
                routing_key: "traceID",
                protocol: {
                    otlp: {
                        tls: clientTls(headless),
                        compression: "gzip",
                        timeout: "10s",
                        // Queueing and retries happen once, persistently, in front of the balancer (below).
                        sending_queue: { enabled: false },
                        retry_on_failure: { enabled: false },
                    },
                },
                resolver: { dns: { hostname: `${headless}.cluster.local`, port: String(OTLP_GRPC_PORT), interval: "15s" } },
                timeout: "10s",
                ...queue(),
            },
            "otlp_grpc/gateway": {
                endpoint: `${gatewayHost}:${OTLP_GRPC_PORT}`,
                tls: clientTls(),
                compression: "gzip",
                timeout: "10s",
                ...queue(),
            },
        },
        service: {
            extensions: ["health_check", "pprof", "zpages", storage],
            telemetry: telemetry(),
            pipelines: {
                traces: { receivers: ["otlp"], processors: common, exporters: [traceExporter] },
                metrics: { receivers: ["otlp", "host_metrics", "kubelet_stats", "prometheus"], processors: common, exporters: [otherExporter] },
                logs: { receivers: ["otlp", "file_log"], processors: common, exporters: [otherExporter] },
            },
        },
    };
}
