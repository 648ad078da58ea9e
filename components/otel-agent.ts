import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { BackendRelease, BackendReleaseArgs } from "./backend-release";
import type { KeyPair } from "./mtls";
import { AGENT_NAMESPACE, AGENT_RELEASE, OtelConfig } from "./render/collector/otel";
import { kafkaClientSecret } from "./kafka";
import { agentServiceSpec, RenderedCollector } from "./render/collector/releases";

export interface OtelAgentArgs extends BackendReleaseArgs {
    /** The agents' release, with its validated config (`checkedCollectors`). */
    plan: RenderedCollector;
    /** The agent's client certificate, presented to the gateway and to the components it scrapes. */
    clientTls: KeyPair;
    /** CIDRs allowed to send OTLP from outside the cluster; none keeps the agents' Service internal. */
    ingressCidrs: readonly string[];
    /** With Kafka: the kafka-client Secret's data (brokers, SCRAM credentials), created in the agents' namespace. */
    kafkaClientSecretData?: pulumi.Output<Record<string, string>>;
}

/**
 * The node agents (`opentelemetry-collector` chart as a DaemonSet) in their own namespace, which allows the host
 * paths they read (pod logs, host metrics); the backends' namespace stays at the baseline pod security level.
 * Adds the agents' Service: node-local for in-cluster clients, and a LoadBalancer when ingress CIDRs are set.
 */
export class OtelAgent extends BackendRelease {
    /** The collector config the agents run (validated). */
    public readonly config: OtelConfig;
    public readonly service: k8s.core.v1.Service;

    constructor(name: string, args: OtelAgentArgs, opts?: pulumi.ComponentResourceOptions) {
        super("observability:collectors:OtelAgent", name, args.base, opts);
        const plan = args.plan;
        this.config = plan.config;
        const namespace = new k8s.core.v1.Namespace(`${name}-namespace`, {
            metadata: { name: AGENT_NAMESPACE, labels: { "pod-security.kubernetes.io/enforce": "privileged" } },
        }, { parent: this });
        const secret = this.createTlsSecret(name, AGENT_RELEASE, args, { "client.crt": args.clientTls.certPem, "client.key": args.clientTls.keyPem }, [namespace]);
        const kafkaSecret = args.kafkaClientSecretData
            && kafkaClientSecret(`${name}-kafka-client`, AGENT_NAMESPACE, args.kafkaClientSecretData, { parent: this, dependsOn: [namespace] });
        this.install(name, plan, plan.values, kafkaSecret ? [secret, kafkaSecret] : [secret]);
        this.service = new k8s.core.v1.Service(`${name}-service`, {
            metadata: { name: AGENT_RELEASE, namespace: AGENT_NAMESPACE },
            spec: agentServiceSpec(plan.podSelector, args.ingressCidrs),
        }, { parent: this, dependsOn: [namespace] });
    }

    protected override get namespace(): string {
        return AGENT_NAMESPACE;
    }
}
