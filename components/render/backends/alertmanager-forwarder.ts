// Alertmanager's metrics leave its pod by push, not by scrape. Alertmanager serves its API and /metrics on one port
// (9093) and its web config has no per-path authorisation, so a NetworkPolicy that lets the agents scrape it would
// also let them call the API (create silences, post alerts), and the agents parse untrusted OTLP. A collector
// sidecar scrapes Alertmanager on the pod's loopback and sends the samples to the gateway over OTLP with mTLS: no
// pod but Mimir's ruler and Grafana reaches port 9093. It is the contrib image the collectors run, so no new image.
// Pure: no provider SDK, no Outputs.
import * as YAML from "yaml";
import {
    BATCH, clusterNameOf, COLLECTOR_IMAGE, GATEWAY_RELEASE, goMemLimit, memoryLimiter, OTLP_GRPC_PORT, type OtelConfig,
} from "../collector/otel";
import type { Environment } from "../../config/primitives";
import { resources, restrictedContainerSecurity, type ResourceSpec, serviceHost, TLS_DIR, TLS_FILES, type Values } from "./common";

/** The sidecar's container name, and its config file (a file of the release's config ConfigMap). */
export const FORWARDER_CONTAINER = "metrics-forwarder";
export const FORWARDER_CONFIG_KEY = "metrics-forwarder.yaml";
const FORWARDER_MEMORY_LIMIT_MIB = 96;
const FORWARDER_HEALTH_PORT = 13133;
export const FORWARDER_RESOURCES: ResourceSpec = resources(10, 48, 100, FORWARDER_MEMORY_LIMIT_MIB);

export interface ForwarderContext {
    readonly environment: Environment;
    readonly namespace: string;
    readonly stack: string;
    /** The release (job) whose metrics it forwards, its port, and the config directory its pod mounts. */
    readonly release: string;
    readonly port: number;
    readonly configDir: string;
}

/**
 * The sidecar's collector config: a scrape of `https://127.0.0.1:<port>/metrics` every 30 s, verified as the
 * Service's name (a SAN of the server certificate), with the labels the agents' scrape jobs give (job, instance,
 * namespace, pod, service), then OTLP to the gateway with the pod's client certificate. Its own telemetry is off:
 * when it stops forwarding, `up` of the job goes absent and AlertmanagerMetricsAbsent fires.
 */
export function forwarderConfig(ctx: ForwarderContext): OtelConfig {
    const client = { ca_file: TLS_FILES.ca, cert_file: TLS_FILES.clientCert, key_file: TLS_FILES.clientKey };
    return {
        // kubelet's liveness probe of the sidecar (forwarderContainer).
        extensions: { health_check: { endpoint: `\${env:POD_IP}:${FORWARDER_HEALTH_PORT}` } },
        receivers: {
            prometheus: {
                config: {
                    scrape_configs: [{
                        job_name: ctx.release,
                        scrape_interval: "30s",
                        scheme: "https",
                        tls_config: { ...client, server_name: serviceHost(ctx.release, ctx.namespace), min_version: "TLS12", insecure_skip_verify: false },
                        static_configs: [{ targets: [`127.0.0.1:${ctx.port}`], labels: { namespace: ctx.namespace, service: ctx.release, pod: "${env:POD_NAME}" } }],
                        // The pod's address, as the agents' endpoint discovery gives: one instance per replica.
                        relabel_configs: [{ target_label: "instance", replacement: `\${env:POD_IP}:${ctx.port}` }],
                    }],
                },
            },
        },
        processors: {
            memory_limiter: memoryLimiter(FORWARDER_MEMORY_LIMIT_MIB),
            resource: {
                attributes: [
                    { key: "deployment.environment.name", value: ctx.environment, action: "upsert" },
                    { key: "k8s.cluster.name", value: clusterNameOf(ctx.stack), action: "upsert" },
                ],
            },
            batch: { ...BATCH },
        },
        exporters: {
            "otlp_grpc/gateway": {
                endpoint: `${serviceHost(GATEWAY_RELEASE, ctx.namespace)}:${OTLP_GRPC_PORT}`,
                tls: { ...client, min_version: "1.2" },
                sending_queue: { enabled: true, queue_size: 100 },
                retry_on_failure: { enabled: true, initial_interval: "5s", max_interval: "30s", max_elapsed_time: "10m" },
            },
        },
        service: {
            extensions: ["health_check"],
            telemetry: { metrics: { level: "none" }, logs: { level: "info", encoding: "json" } },
            pipelines: { metrics: { receivers: ["prometheus"], processors: ["memory_limiter", "resource", "batch"], exporters: ["otlp_grpc/gateway"] } },
        },
    };
}

/** The sidecar container (the chart's `extraContainers`): restricted, read-only root, the pod's TLS and config mounts. */
export function forwarderContainer(ctx: ForwarderContext, volumes: { config: string; tls: string }): Values {
    const field = (fieldPath: string) => ({ valueFrom: { fieldRef: { apiVersion: "v1", fieldPath } } });
    return {
        name: FORWARDER_CONTAINER,
        image: `${COLLECTOR_IMAGE.repository}:${COLLECTOR_IMAGE.tags.agent}`,
        imagePullPolicy: "IfNotPresent",
        args: [`--config=file:${ctx.configDir}/${FORWARDER_CONFIG_KEY}`],
        env: [
            { name: "POD_NAME", ...field("metadata.name") },
            { name: "POD_IP", ...field("status.podIP") },
            { name: "GOMEMLIMIT", value: goMemLimit(FORWARDER_MEMORY_LIMIT_MIB) },
        ],
        securityContext: restrictedContainerSecurity(true),
        livenessProbe: { httpGet: { path: "/", port: FORWARDER_HEALTH_PORT }, periodSeconds: 30 },
        resources: FORWARDER_RESOURCES,
        volumeMounts: [
            { name: volumes.config, mountPath: ctx.configDir, readOnly: true },
            { name: volumes.tls, mountPath: TLS_DIR, readOnly: true },
        ],
    };
}

/** The forwarder's config in a release's values (a file of the chart's `templates`), if it runs one. */
export function forwarderConfigOf(values: Values): OtelConfig | undefined {
    const text = (values.templates as Values | undefined)?.[FORWARDER_CONFIG_KEY];
    return typeof text === "string" ? (YAML.parse(text) as OtelConfig) : undefined;
}

/** The sidecar's config as the ConfigMap file. */
export const forwarderConfigFile = (ctx: ForwarderContext): string => YAML.stringify(forwarderConfig(ctx));
