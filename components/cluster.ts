// An existing Kubernetes cluster (clusterKind `existing`), reached through its kubeconfig: the counterpart of the
// k3s host (`ObservabilityHost`), with the same two outputs the rest of the stack uses.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "./config/schema";

/** What the stack needs of its cluster, whichever kind it is. */
export interface StackCluster {
    /** Kubeconfig of the cluster (secret). */
    readonly kubeconfig: pulumi.Output<string>;
    /** Provider for every Kubernetes resource of the stack. */
    readonly provider: k8s.Provider;
}

export interface ExistingClusterArgs {
    /** The cluster's kubeconfig (a secret from config). */
    kubeconfig: pulumi.Input<string>;
}

export class ExistingCluster extends pulumi.ComponentResource implements StackCluster {
    public readonly kubeconfig: pulumi.Output<string>;
    public readonly provider: k8s.Provider;

    constructor(name: string, args: ExistingClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("observability:cluster:ExistingCluster", name, {}, opts);
        this.kubeconfig = pulumi.secret(args.kubeconfig);
        this.provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: this.kubeconfig, enableServerSideApply: true }, { parent: this });
        this.registerOutputs({ kubeconfig: this.kubeconfig });
    }
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
