import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { BackendRelease, BackendReleaseArgs } from "./backend-release";
import type { GrafanaDatabaseConnection } from "./grafana-database";
import type { KeyPair } from "./mtls";
import { GRAFANA_ADMIN_SECRET, GRAFANA_CLIENT_TLS_SECRET, GRAFANA_DATABASE_KEYS, GRAFANA_DATABASE_SECRET, grafanaDatabasePort } from "./render/backends/grafana";

export interface GrafanaArgs extends BackendReleaseArgs {
    /** Grafana's client certificate, presented to the backends by the datasources. */
    clientTls: KeyPair;
    /**
     * prod: the stack's RDS PostgreSQL (`GrafanaDatabase`), which the planned values use (Secret `grafana-database`);
     * absent in dev, whose values keep SQLite on Grafana's volume.
     */
    database?: GrafanaDatabaseConnection;
}

/**
 * Grafana (`grafana` chart) with provisioned, correlated datasources. The admin password is a `RandomPassword`
 * kept in a Kubernetes Secret (`admin.existingSecret`), so it is stable across `pulumi up` and never in values.
 * prod runs two replicas on the stack's RDS PostgreSQL (`database`), reached through Secret `grafana-database`.
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
        const database = this.createDatabaseSecret(name, args);
        this.install(name, args.plan, args.plan.values, [admin, clientTls, serverTls, ...database]);
    }

    /**
     * prod: Secret `grafana-database`, mounted by the values and read through `$__file{}`: the instance's
     * `address:port`, its password, the RDS CA bundle and `[security] secret_key` (a RandomPassword: every replica
     * encrypts and decrypts the datasources' secrets in the shared database with the same key). All of it secret, so
     * no value reaches the values, the state in plain text, or a render.
     */
    private createDatabaseSecret(name: string, args: GrafanaArgs): k8s.core.v1.Secret[] {
        const planned = grafanaDatabasePort(args.plan.values) !== undefined;
        if (planned !== (args.database !== undefined)) {
            throw new Error(`${name}: the planned values ${planned ? "use a database the program was not given" : "keep SQLite, yet a database was given"} (prod needs the stack's GrafanaDatabase)`);
        }
        if (!args.database) return [];
        const secretKey = new random.RandomPassword(`${name}-secret-key`, { length: 40, special: false }, { parent: this });
        const k = GRAFANA_DATABASE_KEYS;
        return [new k8s.core.v1.Secret(`${name}-database`, {
            metadata: { name: GRAFANA_DATABASE_SECRET, namespace: args.base.namespace },
            type: "Opaque",
            stringData: pulumi.secret(pulumi.all({
                [k.host]: args.database.endpoint, [k.password]: args.database.password, [k.ca]: args.database.caBundlePem, [k.secretKey]: secretKey.result,
            })),
        }, { parent: this })];
    }
}
