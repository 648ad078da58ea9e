import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { BackendRelease, BackendReleaseArgs } from "./backend-release";
import type { KeyPair } from "./mtls";
import { GRAFANA_ADMIN_SECRET, GRAFANA_CLIENT_TLS_SECRET } from "./render/backends/grafana";

export interface GrafanaArgs extends BackendReleaseArgs {
    /** Grafana's client certificate, presented to the backends by the datasources. */
    clientTls: KeyPair;
}

/**
 * Grafana (`grafana` chart) with provisioned, correlated datasources. The admin password is a `RandomPassword`
 * kept in a Kubernetes Secret (`admin.existingSecret`), so it is stable across `pulumi up` and never in values.
 */
export class Grafana extends BackendRelease {
    /** The admin password (secret). User `admin`. */
    public readonly adminPassword: pulumi.Output<string>;

    constructor(name: string, args: GrafanaArgs, opts?: pulumi.ComponentResourceOptions) {
        super("observability:backends:Grafana", name, args.base, opts);
        const password = new random.RandomPassword(`${name}-admin`, { length: 32, special: false }, { parent: this });
        this.adminPassword = pulumi.secret(password.result);
        const admin = new k8s.core.v1.Secret(`${name}-admin`, {
            metadata: { name: GRAFANA_ADMIN_SECRET, namespace: args.base.namespace },
            type: "Opaque",
            stringData: { "admin-user": "admin", "admin-password": this.adminPassword },
        }, { parent: this });
        const clientTls = new k8s.core.v1.Secret(`${name}-client-tls`, {
            metadata: { name: GRAFANA_CLIENT_TLS_SECRET, namespace: args.base.namespace },
            type: "kubernetes.io/tls",
            stringData: pulumi.secret(pulumi.all({ "tls.crt": args.clientTls.certPem, "tls.key": args.clientTls.keyPem, "ca.crt": args.caCertPem })),
        }, { parent: this });
        // Grafana's server certificate (`grafana-tls`): it serves HTTPS to the ingress, the agents' scrapes and kubelet.
        const serverTls = this.createTlsSecret(name, "grafana", args);
        this.install(name, args.plan, args.plan.values, [admin, clientTls, serverTls]);
    }
}
