import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "./config/schema";
import type { StackPlan } from "./plan";
import { AGENT_NAMESPACE } from "./render/collector/otel";
import { MSK_SCRAM_PORT } from "./render/kafka";
import { API_SERVER_PORTS, NetworkPolicyInput, renderNetworkPolicies } from "./render/network/policies";
import type { NetworkPolicySpec } from "./render/network/reachability";
import { NAMESPACE } from "./render/pki";

export interface NetworkPoliciesArgs {
    /** The stack's plan: the releases whose pods, ports and connections the policies allow. */
    plan: StackPlan;
    /** The config: network access beyond the stack's own connections, ingress CIDRs, the ingress controller, Kafka. */
    config: StackConfig;
}

/** On k3s, ServiceLB's pods (which forward a LoadBalancer's ports) run in kube-system. */
const K3S_SERVICE_LB_NAMESPACE = "kube-system";

/** The Kafka brokers' ports: MSK's SASL/SCRAM listener, or each configured broker's. */
function kafkaPorts(config: StackConfig): number[] {
    if (!config.kafka) return [];
    if (config.kafka.msk) return [MSK_SCRAM_PORT];
    return [...new Set((config.kafka.brokers ?? []).map(b => Number(b.split(":").pop())))].sort((a, b) => a - b);
}

/** What the policies are rendered from: the planned releases and the config's network access. */
export function networkPolicyInput(plan: StackPlan, config: StackConfig): NetworkPolicyInput {
    return {
        namespace: NAMESPACE,
        agentNamespace: AGENT_NAMESPACE,
        backends: Object.values(plan.backends),
        gateway: plan.collectors.gateway,
        agent: plan.collectors.agent,
        access: {
            otlpClientNamespaces: config.networkAccess.otlpClientNamespaces,
            nodeCidrs: config.networkAccess.nodeCidrs,
            apiServerPorts: config.clusterKind === "ec2-k3s" ? API_SERVER_PORTS.k3s : API_SERVER_PORTS.any,
            ingressCidrs: config.ingressCidrs,
            ingressController: { kind: config.ingressController, namespace: config.networkAccess.ingressControllerNamespace },
            serviceLbNamespace: config.clusterKind === "ec2-k3s" ? K3S_SERVICE_LB_NAMESPACE : undefined,
            kafkaPorts: kafkaPorts(config),
        },
    };
}

type DeepMutable<T> = T extends readonly (infer U)[] ? DeepMutable<U>[] : T extends object ? { -readonly [K in keyof T]: DeepMutable<T[K]> } : T;

/**
 * Least privilege on the network: a default-deny NetworkPolicy (ingress and egress) in each namespace the stack
 * creates, and per pod group one policy allowing exactly the connections the stack makes (the TLS census's), DNS, the
 * agents' kubelet and API server, HTTPS out of the cluster for S3/STS and the alert receivers, Kafka, OTLP from the
 * configured applications' namespaces, and the ingress controller to Grafana (components/render/network). Create it
 * once both namespaces exist.
 */
export class NetworkPolicies extends pulumi.ComponentResource {
    public readonly policies: k8s.networking.v1.NetworkPolicy[];

    constructor(name: string, args: NetworkPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("observability:network:NetworkPolicies", name, {}, opts);
        this.policies = renderNetworkPolicies(networkPolicyInput(args.plan, args.config)).map(p => new k8s.networking.v1.NetworkPolicy(
            `${name}-${p.metadata.namespace}-${p.metadata.name}`,
            { metadata: { ...p.metadata }, spec: p.spec as DeepMutable<NetworkPolicySpec> },
            { parent: this },
        ));
        this.registerOutputs({ policies: this.policies.map(p => p.metadata.name) });
    }
}
