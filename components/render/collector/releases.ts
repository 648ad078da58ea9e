// Helm values of the two `opentelemetry-collector` releases (chart 0.170.0, whose schema rejects unknown keys), and
// the Kubernetes objects the chart cannot make with keys it declares: the agents' Service, the gateway's headless
// Service and its PodDisruptionBudget. The collector configs go in as `alternateConfig`, so the file the collector
// runs is exactly the rendered one (no chart defaults or presets merged in).
import { createHash } from "crypto";
import type { RenderedRelease, ResourceSpec, Values, Workload } from "../backends/common";
import { CHARTS, DATA_PATH_PRIORITY_CLASS, resources, spreadOverZones, tlsVolume } from "../backends/common";
import { kafkaEnv, KafkaSettings } from "../kafka";
import { agentConfig } from "./agent";
import { agentClusterRules, agentHostVolumes, agentScrapeRole, agentSecurityContext, NamespaceRole } from "./agent-security";
import { GATEWAY_QUEUE_DIR, gatewayConfig } from "./gateway";
import {
    AGENT_RELEASE, COLLECTOR_IMAGE, COLLECTOR_TLS_DIR, CollectorContext, GATEWAY_RELEASE, goMemLimit, OTLP_GRPC_PORT,
    OTLP_HTTP_PORT, OtelConfig,
} from "./otel";

export const COLLECTOR_CHART = CHARTS.otelCollector;

/** A collector release and the config file it runs. */
export interface RenderedCollector extends RenderedRelease {
    readonly config: OtelConfig;
    /** Labels that select the release's pods (the chart's selector labels plus its component label). */
    readonly podSelector: Readonly<Record<string, string>>;
    /** A Role in another namespace for the release's ServiceAccount (the chart makes only its ClusterRole). */
    readonly namespaceRole?: NamespaceRole;
}

const selector = (release: string, component: string) => ({
    "app.kubernetes.io/name": COLLECTOR_CHART.chart,
    "app.kubernetes.io/instance": release,
    component,
});

/** Chart ports: OTLP only, no host ports (a hostPort of 0 is not rendered), the default Jaeger/Zipkin/metrics ports off. */
function ports(http: boolean): Values {
    const off = { enabled: false };
    return {
        otlp: { enabled: true, containerPort: OTLP_GRPC_PORT, servicePort: OTLP_GRPC_PORT, hostPort: 0, protocol: "TCP", appProtocol: "grpc" },
        "otlp-http": http ? { enabled: true, containerPort: OTLP_HTTP_PORT, servicePort: OTLP_HTTP_PORT, hostPort: 0, protocol: "TCP" } : off,
        "jaeger-compact": off, "jaeger-thrift": off, "jaeger-grpc": off, zipkin: off, metrics: off,
    };
}

const image = (mode: "daemonset" | "statefulset") => ({
    repository: COLLECTOR_IMAGE.repository, tag: COLLECTOR_IMAGE.tags[mode === "daemonset" ? "agent" : "gateway"], pullPolicy: "IfNotPresent",
});
const restricted = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" } };

/** Values both releases share: the mode, names, the pinned image, the config, resources and GOMEMLIMIT from the limit. */
/**
 * The agent's own telemetry (host and kubelet metrics) names the node, not the agent pod: resource_detection's `env`
 * detector reads host.name from here before the `system` detector would take the pod's hostname. The chart defines
 * OTEL_K8S_NODE_NAME before the extra env, so Kubernetes expands it. Telemetry that already has a host.name keeps it.
 */
export const AGENT_HOST_NAME_ENV: Values = { name: "OTEL_RESOURCE_ATTRIBUTES", value: "host.name=$(OTEL_K8S_NODE_NAME)" };

function withEnv(values: Values, env: Values): Values {
    return { ...values, extraEnvs: [...(values.extraEnvs as Values[]), env] };
}

function collectorValues(mode: "daemonset" | "statefulset", release: string, config: OtelConfig, res: ResourceSpec, memoryLimitMiB: number, kafka?: KafkaSettings): Values {
    return {
        mode,
        fullnameOverride: release,
        image: image(mode),
        command: { name: COLLECTOR_IMAGE.command },
        alternateConfig: config,
        resources: res,
        // GOMEMLIMIT set here rather than by the chart (useGOMEMLIMIT), from the same limit as memory_limiter.
        useGOMEMLIMIT: false,
        // With Kafka, the brokers and this release's own SCRAM user and password (the agents' or the gateway's Secret).
        extraEnvs: [{ name: "GOMEMLIMIT", value: goMemLimit(memoryLimitMiB) }, ...(kafka ? kafkaEnv(mode === "daemonset" ? "agent" : "gateway") : [])],
        // Our configs already use the new component names, so the chart's rewrite leaves them as they are.
        rewriteDeprecatedComponentNames: true,
    };
}

/** Requests are half the limits; the limit drives memory_limiter and GOMEMLIMIT. */
function collectorResources(cpuRequestMillis: number, memoryLimitMiB: number, cpuLimitMillis: number): ResourceSpec {
    return resources(cpuRequestMillis, Math.floor(memoryLimitMiB / 2), cpuLimitMillis, memoryLimitMiB);
}

/**
 * A digest of the OTLP clients' names on the agents' pods: a changed list rolls the agents, so a removed client's
 * open connections end with its trust (its CA leaves the Secret; configtls checks only new handshakes).
 */
export const OTLP_CLIENTS_ANNOTATION = "observability-stack/otlp-clients";
export function otlpClientsDigest(names: readonly string[]): string {
    return createHash("sha256").update(JSON.stringify([...names].sort())).digest("hex").slice(0, 16);
}

export function agentRelease(ctx: CollectorContext): RenderedCollector {
    const config = agentConfig(ctx);
    const dev = ctx.environment === "dev";
    const res = collectorResources(dev ? 100 : 200, ctx.settings.agent.memoryLimitMiB, 1000);
    const tls = tlsVolume(AGENT_RELEASE, COLLECTOR_TLS_DIR);
    const host = agentHostVolumes();
    const values: Values = {
        ...withEnv(collectorValues("daemonset", AGENT_RELEASE, config, res, ctx.settings.agent.memoryLimitMiB, ctx.kafka), AGENT_HOST_NAME_ENV),
        serviceAccount: { create: true, name: AGENT_RELEASE },
        // Exactly what the config uses (agent-security.ts checks it): no nodes/proxy, no wildcard, no writes.
        clusterRole: { create: true, name: AGENT_RELEASE, rules: agentClusterRules() },
        ports: ports(true),
        // Only the host paths the agent reads, read-only, and its state directory (agent-security.ts).
        extraVolumes: [tls.volume, ...host.volumes],
        extraVolumeMounts: [tls.mount, ...host.mounts],
        // uid 0 with every capability dropped: root owns the pod logs and the state directory (why: agent-security.ts).
        securityContext: agentSecurityContext(),
        podAnnotations: { [OTLP_CLIENTS_ANNOTATION]: otlpClientsDigest(ctx.otlpClients ?? []) },
        tolerations: [{ operator: "Exists", effect: "NoSchedule" }],
        ...(dev ? {} : { priorityClassName: DATA_PATH_PRIORITY_CLASS }),
    };
    return {
        name: AGENT_RELEASE,
        chart: COLLECTOR_CHART,
        values,
        config,
        // One pod per node: the count is per node.
        workloads: [{ component: "agent (per node)", replicas: 1, containers: { "opentelemetry-collector": res } }],
        metrics: [],
        podSelector: selector(AGENT_RELEASE, "agent-collector"),
        namespaceRole: agentScrapeRole(ctx.namespace, `${AGENT_RELEASE}-scrape`),
    };
}

export function gatewayRelease(ctx: CollectorContext): RenderedCollector {
    const config = gatewayConfig(ctx);
    const g = ctx.settings.gateway;
    const dev = ctx.environment === "dev";
    const res = collectorResources(dev ? 200 : 500, g.memoryLimitMiB, 2000);
    const tls = tlsVolume(GATEWAY_RELEASE, COLLECTOR_TLS_DIR);
    const values: Values = {
        ...collectorValues("statefulset", GATEWAY_RELEASE, config, res, g.memoryLimitMiB, ctx.kafka),
        serviceAccount: { create: true, name: GATEWAY_RELEASE, automountServiceAccountToken: false },
        ports: ports(false),
        replicaCount: g.minReplicas,
        autoscaling: {
            enabled: true,
            minReplicas: g.minReplicas,
            maxReplicas: g.maxReplicas,
            targetCPUUtilizationPercentage: 70,
            // Scale down slowly: every change of the pod set moves ~1/N of the traces to another pod mid-decision.
            behavior: { scaleDown: { stabilizationWindowSeconds: 600, policies: [{ type: "Pods", value: 1, periodSeconds: 300 }] } },
        },
        statefulset: {
            podManagementPolicy: "Parallel",
            volumeClaimTemplates: [{
                metadata: { name: "queue" },
                spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: `${g.queueVolumeGiB}Gi` } } },
            }],
            // A pod scaled away keeps its volume: scaled back, it sends what was still queued.
            persistentVolumeClaimRetentionPolicy: { enabled: true, whenDeleted: "Retain", whenScaled: "Retain" },
        },
        extraVolumes: [tls.volume],
        extraVolumeMounts: [tls.mount, { name: "queue", mountPath: GATEWAY_QUEUE_DIR }],
        podSecurityContext: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: { type: "RuntimeDefault" } },
        securityContext: restricted,
        // Let the queue drain and in-flight sampling decisions finish before the pod goes.
        terminationGracePeriodSeconds: 60,
        ...(dev ? {} : {
            affinity: {
                podAntiAffinity: {
                    preferredDuringSchedulingIgnoredDuringExecution: [{
                        weight: 100,
                        podAffinityTerm: { labelSelector: { matchLabels: selector(GATEWAY_RELEASE, "statefulset-collector") }, topologyKey: "kubernetes.io/hostname" },
                    }],
                },
            },
            priorityClassName: DATA_PATH_PRIORITY_CLASS,
            ...(ctx.zones ? { topologySpreadConstraints: spreadOverZones(selector(GATEWAY_RELEASE, "statefulset-collector")) } : {}),
        }),
    };
    // Each pod's queue volume; a pod scaled away keeps its claim, so up to maxReplicas claims exist.
    const workloads: Workload[] = [{ component: "gateway", replicas: g.minReplicas, containers: { "opentelemetry-collector": res }, volumeGiB: g.queueVolumeGiB, claimedReplicas: g.maxReplicas }];
    return { name: GATEWAY_RELEASE, chart: COLLECTOR_CHART, values, config, workloads, metrics: [], podSelector: selector(GATEWAY_RELEASE, "statefulset-collector") };
}

/**
 * The agents' Service: in-cluster clients reach the agent on their own node (internalTrafficPolicy Local); with
 * ingress CIDRs it is also a LoadBalancer restricted to them (on k3s, ServiceLB binds 4317/4318 on the host).
 */
export function agentServiceSpec(podSelector: Readonly<Record<string, string>>, ingressCidrs: readonly string[]): Values {
    return {
        type: ingressCidrs.length > 0 ? "LoadBalancer" : "ClusterIP",
        selector: { ...podSelector },
        internalTrafficPolicy: "Local",
        ...(ingressCidrs.length > 0 ? { loadBalancerSourceRanges: [...ingressCidrs], externalTrafficPolicy: "Cluster" } : {}),
        ports: [
            { name: "otlp", port: OTLP_GRPC_PORT, targetPort: "otlp", protocol: "TCP", appProtocol: "grpc" },
            { name: "otlp-http", port: OTLP_HTTP_PORT, targetPort: "otlp-http", protocol: "TCP" },
        ],
    };
}

/** The gateway's headless Service: DNS answers with every ready gateway pod, for the agents' load balancer. */
export function gatewayHeadlessSpec(podSelector: Readonly<Record<string, string>>): Values {
    return {
        clusterIP: "None",
        selector: { ...podSelector },
        ports: [{ name: "otlp", port: OTLP_GRPC_PORT, targetPort: "otlp", protocol: "TCP", appProtocol: "grpc" }],
    };
}

