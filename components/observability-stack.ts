import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { TelemetryBuckets } from "./buckets";
import type { StackConfig } from "./config";
import { ObservabilityHost } from "./host";
import { MutualTls } from "./mtls";

export interface ObservabilityStackArgs {
    /** The validated stack configuration (`loadConfig()`). */
    config: StackConfig;
}

/** Tags every AWS resource of the stack carries (through the provider's default tags). */
export function stackTags(config: StackConfig): Record<string, string> {
    return {
        ...config.tags,
        "observability-stack:stack": config.stack,
        "observability-stack:environment": config.environment,
        "managed-by": "pulumi",
    };
}

/**
 * The whole platform of one stack: the AWS provider with the stack's region and tags, the telemetry buckets,
 * the PKI and the Kubernetes cluster (a k3s host, or an existing cluster from its kubeconfig).
 */
export class ObservabilityStack extends pulumi.ComponentResource {
    public readonly buckets: TelemetryBuckets;
    public readonly pki: MutualTls;
    public readonly host?: ObservabilityHost;
    /** Kubeconfig of the cluster the backends run on (secret). */
    public readonly kubeconfig: pulumi.Output<string>;
    /** Provider for every Kubernetes resource that follows. */
    public readonly k8sProvider: k8s.Provider;

    constructor(name: string, args: ObservabilityStackArgs, opts?: pulumi.ComponentResourceOptions) {
        super("observability:index:ObservabilityStack", name, {}, opts);
        const config = args.config;

        const awsProvider = new aws.Provider(`${name}-aws`, {
            region: config.region,
            defaultTags: { tags: stackTags(config) },
        }, { parent: this });
        const withAws = { parent: this, providers: { aws: awsProvider } };

        this.buckets = new TelemetryBuckets(`${name}-s3`, {
            retentionDays: { metrics: config.retention.metrics.days, logs: config.retention.logs.days, traces: config.retention.traces.days },
            buckets: config.buckets,
        }, withAws);

        this.pki = new MutualTls(`${name}-pki`, {
            certificates: config.certificates,
            domain: config.domain,
            k3s: config.clusterKind === "ec2-k3s",
        }, { parent: this });

        switch (config.clusterKind) {
            case "ec2-k3s": {
                this.host = new ObservabilityHost(`${name}-host`, {
                    host: config.host,
                    region: config.region,
                    stack: config.stack,
                    ingressCidrs: config.ingressCidrs,
                    adminCidrs: config.adminCidrs,
                    domain: config.domain,
                    kmsKeyArn: config.buckets.kmsKeyArn,
                    bucketAccessPolicyJson: this.buckets.accessPolicyJson,
                    pki: this.pki.k3s!,
                }, withAws);
                this.kubeconfig = this.host.kubeconfig;
                this.k8sProvider = this.host.provider;
                break;
            }
            case "existing": {
                this.kubeconfig = pulumi.secret(config.kubeconfig!);
                this.k8sProvider = new k8s.Provider(`${name}-k8s`, { kubeconfig: this.kubeconfig, enableServerSideApply: true }, { parent: this });
                break;
            }
            default: {
                const exhaustive: never = config.clusterKind;
                throw new Error(`unknown cluster kind ${exhaustive}`);
            }
        }

        this.registerOutputs({ kubeconfig: this.kubeconfig, bucketNames: this.buckets.bucketNames });
    }
}
