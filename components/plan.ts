// The stack's plan: what the validated config deploys, rendered once before any resource exists. The backend
// releases (bucket names and IRSA roles as placeholders, which the components fill in once those Outputs exist), both
// collector configs (validated) and the releases' summed requests against the k3s host. The capacity check and the
// components read this plan; nothing renders a release a second time.
import { ConfigError, dataVolumeProblem, hostCapacityProblem, StackConfig } from "./config";
import type { RenderedRelease } from "./render/backends/common";
import { BackendBase, placeholderInput, renderAlertmanager, renderGrafana, renderStoringBackend } from "./render/backends/index";
import { CapacityReport, capacityReport, DiskReport, diskReport, instanceCapacity, k3sAllocatable } from "./render/capacity";
import { checkedCollectors } from "./render/collector/index";
import type { RenderedCollector } from "./render/collector/releases";
import { NAMESPACE } from "./render/pki";

export interface StackPlan {
    /** The stack-wide, plain input of every renderer. */
    readonly base: BackendBase;
    /** The backend releases, in install order. */
    readonly backends: {
        readonly alertmanager: RenderedRelease;
        readonly mimir: RenderedRelease;
        readonly loki: RenderedRelease;
        readonly tempo: RenderedRelease;
        readonly grafana: RenderedRelease;
    };
    /** The gateway (installed first: the agents send to it) and the agent, validated. */
    readonly collectors: { readonly gateway: RenderedCollector; readonly agent: RenderedCollector };
    /** The releases' summed requests; on the k3s host, against its allocatable. */
    readonly capacity: CapacityReport;
    /** The k3s host's data volume: every claim, the datastore and the images (undefined on an existing cluster). */
    readonly disk?: DiskReport;
}

/** The plain, stack-wide input of the release renderers, from a validated config. */
export function backendBase(config: StackConfig): BackendBase {
    return {
        environment: config.environment,
        stack: config.stack,
        namespace: NAMESPACE,
        region: config.region,
        domain: config.domain,
        grafanaUrl: config.grafanaUrl,
        retention: config.retention,
        alerting: { integrations: config.alerting.integrations, maintenance: config.alerting.maintenance },
        collector: config.collector,
        kafka: config.kafka?.settings,
        ingressController: config.ingressController,
        otlpClients: config.otlpClients,
        zones: config.zones,
    };
}

/** Renders the stack once. Throws a `ConfigError` when the k3s host cannot hold the releases' requests. */
export function planStack(config: StackConfig): StackPlan {
    const base = backendBase(config);
    // IRSA in every environment: each storing backend has its own role (the existing cluster's OIDC provider, or the
    // k3s host's published service-account issuer), so the planned values hold a role placeholder everywhere.
    const input = placeholderInput(base);
    const backends = {
        alertmanager: renderAlertmanager(input),
        mimir: renderStoringBackend("mimir", input),
        loki: renderStoringBackend("loki", input),
        tempo: renderStoringBackend("tempo", input),
        grafana: renderGrafana(input),
    };
    const collectors = checkedCollectors(base, Object.values(backends).flatMap(r => r.metrics));
    const workloads = [...Object.values(backends), collectors.gateway, collectors.agent].flatMap(r => r.workloads);
    const host = config.clusterKind === "ec2-k3s" ? instanceCapacity(config.host.instanceType) : undefined;
    const capacity = capacityReport(workloads, host && k3sAllocatable(host));
    const disk = config.clusterKind === "ec2-k3s" ? diskReport(workloads, config.host.dataVolumeSizeGiB) : undefined;
    if (config.clusterKind === "ec2-k3s") {
        const problems = [hostCapacityProblem(config.host.instanceType, capacity), disk && dataVolumeProblem(disk)].filter(p => p !== undefined);
        if (problems.length > 0) throw new ConfigError(config.stack, problems);
    }
    return { base, backends, collectors, capacity, disk };
}
