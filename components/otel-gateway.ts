import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { BackendRelease, BackendReleaseArgs, clientTlsKeys } from "./backend-release";
import type { KeyPair } from "./mtls";
import { GATEWAY_HEADLESS_SERVICE, GATEWAY_RELEASE, OtelConfig } from "./render/collector/otel";
import { gatewayHeadlessSpec, RenderedCollector } from "./render/collector/releases";

export interface OtelGatewayArgs extends BackendReleaseArgs {
    /** The gateway's release, with its validated config (`checkedCollectors`). */
    plan: RenderedCollector;
    /** The gateway's client certificate, presented to Tempo, Loki and Mimir. */
    clientTls: KeyPair;
}

/**
 * The collector gateway (`opentelemetry-collector` chart as a StatefulSet with an HPA): receives from the agents
 * over mTLS (or consumes their Kafka topics), tail-samples, redacts, and exports to the backends from persistent
 * queues. Adds what the chart's declared keys cannot: the headless Service the agents balance over (without Kafka),
 * and a PodDisruptionBudget.
 */
export class OtelGateway extends BackendRelease {
    /** The collector config the gateway runs (validated). */
    public readonly config: OtelConfig;
    /** The Service the agents balance traces over (absent with Kafka: the agents write to the brokers). */
    public readonly headlessService?: k8s.core.v1.Service;
    public readonly disruptionBudget: k8s.policy.v1.PodDisruptionBudget;

    constructor(name: string, args: OtelGatewayArgs, opts?: pulumi.ComponentResourceOptions) {
        super("observability:collectors:OtelGateway", name, args.base, opts);
        const plan = args.plan;
        this.config = plan.config;
        const secret = this.createTlsSecret(name, GATEWAY_RELEASE, args, clientTlsKeys(args.clientTls));
        this.install(name, plan, plan.values, [secret]);
        if (args.base.kafka === undefined) {
            this.headlessService = new k8s.core.v1.Service(`${name}-headless`, {
                metadata: { name: GATEWAY_HEADLESS_SERVICE, namespace: this.namespace },
                spec: gatewayHeadlessSpec(plan.podSelector),
            }, { parent: this });
        }
        this.disruptionBudget = new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, {
            metadata: { name: GATEWAY_RELEASE, namespace: this.namespace },
            spec: { maxUnavailable: 1, selector: { matchLabels: { ...plan.podSelector } } },
        }, { parent: this });
    }
}
