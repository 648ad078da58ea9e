// Shared machinery of the backend components: the TLS Secret a release mounts, a storing backend's IRSA role, and the
// pinned `helm.v3.Release` (a real Helm install, so chart hooks and `lookup` work).
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { OidcProvider } from "./config/schema";
import type { KeyPair } from "./mtls";
import type { BackendBase, StoringBackend } from "./render/backends/index";
import { fillPlaceholders } from "./render/backends/index";
import { MetricsEndpoint, RenderedRelease, tlsSecretName, Values } from "./render/backends/common";
import { irsaTrustPolicy } from "./render/storage";

/** What every backend component knows: the stack-wide, plain part of the backends' input. */
export type { BackendBase };

export interface BackendReleaseArgs {
    base: BackendBase;
    /** The release as the stack's plan rendered it (`planStack`): name, chart, workloads, metrics endpoints. */
    plan: RenderedRelease;
    /** The backend's server certificate and key (mounted from its TLS Secret). */
    serverTls: KeyPair;
    caCertPem: pulumi.Input<string>;
}

/** The Secret keys of a component's client pair, next to its server pair: what it presents when it dials. */
export function clientTlsKeys(clientTls: KeyPair): Record<string, pulumi.Input<string>> {
    return { "client.crt": clientTls.certPem, "client.key": clientTls.keyPem };
}

/** A Helm release of one backend plus the Kubernetes TLS Secret it mounts. Subclasses add their own resources. */
export abstract class BackendRelease extends pulumi.ComponentResource {
    public release!: k8s.helm.v3.Release;
    /** The values exactly as passed to the release. */
    public values!: pulumi.Output<Values>;
    /** Endpoints serving Prometheus metrics, for self-monitoring. */
    public metrics!: readonly MetricsEndpoint[];
    public tlsSecret!: k8s.core.v1.Secret;

    protected constructor(type: string, name: string, protected readonly base: BackendBase, opts?: pulumi.ComponentResourceOptions) {
        super(type, name, {}, opts);
    }

    /** Creates `<identity>-tls` with `tls.crt`, `tls.key`, `ca.crt` and any extra keys (in the release's namespace). */
    protected createTlsSecret(
        name: string, identity: string, args: BackendReleaseArgs, extra: Record<string, pulumi.Input<string>> = {}, dependsOn: pulumi.Resource[] = [],
    ): k8s.core.v1.Secret {
        this.tlsSecret = new k8s.core.v1.Secret(`${name}-tls`, {
            metadata: { name: tlsSecretName(identity), namespace: this.namespace },
            type: "kubernetes.io/tls",
            stringData: pulumi.secret(pulumi.all({ "tls.crt": args.serverTls.certPem, "tls.key": args.serverTls.keyPem, "ca.crt": args.caCertPem, ...extra })),
        }, { parent: this, dependsOn });
        return this.tlsSecret;
    }

    /** Namespace of the release (the backends' unless a subclass says otherwise). */
    protected get namespace(): string {
        return this.base.namespace;
    }

    /** Installs the release described by `plan` with `values` (which must render the same chart and name). */
    protected install(name: string, plan: RenderedRelease, values: pulumi.Input<Values>, dependsOn: pulumi.Resource[]): void {
        this.metrics = plan.metrics;
        this.values = pulumi.output(values).apply(v => v as Values);
        this.release = new k8s.helm.v3.Release(name, {
            name: plan.name,
            chart: plan.chart.chart,
            version: plan.chart.version,
            repositoryOpts: { repo: plan.chart.repository },
            namespace: this.namespace,
            values: this.values,
            atomic: true,
            cleanupOnFail: true,
            timeout: 900,
            maxHistory: 10,
        }, { parent: this, dependsOn });
        this.registerOutputs({ release: this.release.status, metrics: this.metrics });
    }
}

export interface StoringBackendArgs extends BackendReleaseArgs {
    /** Bucket name per store, from `TelemetryBuckets`. */
    buckets: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** The backend's client certificate: its components present it to each other, to their caches and to other services. */
    clientTls: KeyPair;
    /** IAM policy JSON on this backend's buckets (for its IRSA role). */
    bucketPolicyJson: pulumi.Input<string>;
    /**
     * The cluster's IAM OIDC provider, whose tokens the backend's own role trusts: the existing cluster's (config
     * `oidcProviderArn`) or the k3s host's published issuer (`ObservabilityHost.oidcProvider`).
     */
    oidcProvider: pulumi.Input<OidcProvider>;
}

/** A backend that stores in S3 (Loki, Tempo, Mimir): its TLS Secret, its own IRSA role, and its release. */
export abstract class StoringBackendRelease extends BackendRelease {
    /** ARN of the backend's IRSA role: assumed with its ServiceAccount's tokens, the only identity that reaches its buckets. */
    public roleArn: pulumi.Output<string>;

    protected constructor(type: string, backend: StoringBackend, name: string, args: StoringBackendArgs, opts?: pulumi.ComponentResourceOptions) {
        super(type, name, args.base, opts);
        const serviceAccount = backend; // each renderer names its ServiceAccount after the backend

        const role = new aws.iam.Role(`${name}-irsa`, {
            description: `${backend}: S3 access for ServiceAccount ${args.base.namespace}/${serviceAccount} (IRSA)`,
            assumeRolePolicy: pulumi.output(args.oidcProvider).apply(oidc =>
                JSON.stringify(irsaTrustPolicy(oidc.arn, oidc.issuerHostPath, args.base.namespace, serviceAccount))),
        }, { parent: this });
        new aws.iam.RolePolicy(`${name}-irsa`, { role: role.id, policy: args.bucketPolicyJson }, { parent: this });
        this.roleArn = role.arn;

        const secret = this.createTlsSecret(name, backend, args, clientTlsKeys(args.clientTls));
        const values = pulumi.all([pulumi.output(args.buckets), role.arn]).apply(([buckets, roleArn]) =>
            fillPlaceholders(args.plan.values, backend, buckets, roleArn));
        this.install(name, args.plan, values, [secret]);
    }
}
