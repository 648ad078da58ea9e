import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { BackendRelease, BackendReleaseArgs, clientTlsKeys } from "./backend-release";
import type { KeyPair } from "./mtls";
import { AGENT_NAMESPACE, AGENT_RELEASE, OtelConfig } from "./render/collector/otel";
import { kafkaClientSecret } from "./kafka";
import { agentNamespaceLabels, NamespaceRole } from "./render/collector/agent-security";
import { agentServiceSpec, RenderedCollector } from "./render/collector/releases";

export interface OtelAgentArgs extends BackendReleaseArgs {
    /** The agents' release, with its validated config (`checkedCollectors`). */
    plan: RenderedCollector;
    /** The agent's client certificate, presented to the gateway and to the components it scrapes. */
    clientTls: KeyPair;
    /** The CAs of the applications allowed to send OTLP (`MutualTls.otlpClientCaPem`): the receiver trusts only these. */
    otlpClientCaPem: pulumi.Input<string>;
    /** CIDRs allowed to send OTLP from outside the cluster; none keeps the agents' Service internal. */
    ingressCidrs: readonly string[];
    /** With Kafka: the agents' Kafka Secret data (brokers, the agents' SCRAM password), created in their namespace only. */
    kafkaClientSecretData?: pulumi.Output<Record<string, string>>;
}

/**
 * The node agents (`opentelemetry-collector` chart as a DaemonSet) in their own namespace, which allows the host
 * paths they read (pod logs, host /proc): it enforces `privileged` (baseline forbids every hostPath) and warns and
 * audits at `restricted`; the backends' namespace enforces restricted. Adds the agents' Service (node-local for
 * in-cluster clients, a LoadBalancer when ingress CIDRs are set) and the Role in the backends' namespace through
 * which the agents discover the stack's pods to scrape.
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
            metadata: { name: AGENT_NAMESPACE, labels: agentNamespaceLabels() },
        }, { parent: this });
        const secret = this.createTlsSecret(name, AGENT_RELEASE, args, { ...clientTlsKeys(args.clientTls), "otlp-clients.crt": args.otlpClientCaPem }, [namespace]);
        const kafkaSecret = args.kafkaClientSecretData
            && kafkaClientSecret(`${name}-kafka-client`, "agent", AGENT_NAMESPACE, args.kafkaClientSecretData, { parent: this, dependsOn: [namespace] });
        const access = plan.namespaceRole ? this.scrapeAccess(name, plan.namespaceRole) : [];
        this.install(name, plan, plan.values, [secret, ...(kafkaSecret ? [kafkaSecret] : []), ...access]);
        this.service = new k8s.core.v1.Service(`${name}-service`, {
            metadata: { name: AGENT_RELEASE, namespace: AGENT_NAMESPACE },
            spec: agentServiceSpec(plan.podSelector, args.ingressCidrs),
        }, { parent: this, dependsOn: [namespace] });
    }

    /** The Role (in its own namespace) and its binding to the agents' ServiceAccount, which the chart creates. */
    private scrapeAccess(name: string, role: NamespaceRole): pulumi.Resource[] {
        const r = new k8s.rbac.v1.Role(`${name}-scrape-role`, {
            metadata: { name: role.name, namespace: role.namespace },
            rules: role.rules.map(x => ({ ...x })),
        }, { parent: this });
        const binding = new k8s.rbac.v1.RoleBinding(`${name}-scrape-binding`, {
            metadata: { name: role.name, namespace: role.namespace },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: r.metadata.name },
            subjects: [{ kind: "ServiceAccount", name: AGENT_RELEASE, namespace: AGENT_NAMESPACE }],
        }, { parent: this });
        return [r, binding];
    }

    protected override get namespace(): string {
        return AGENT_NAMESPACE;
    }
}
