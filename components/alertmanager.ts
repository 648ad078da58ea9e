import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { BackendRelease, BackendReleaseArgs, clientTlsKeys } from "./backend-release";
import type { KeyPair } from "./mtls";
import { Integration, RECEIVER_CREDENTIAL_FILE, RECEIVER_SECRET } from "./render/backends/alertmanager";

export interface AlertmanagerArgs extends BackendReleaseArgs {
    /** Alertmanager's client certificate, presented to its gossip peers. */
    clientTls: KeyPair;
    /** The routing key, API key or URL of each integration in `base.alerting.integrations` (secrets). */
    credentials: Readonly<Partial<Record<Integration, pulumi.Input<string>>>>;
}

/**
 * Alertmanager (`alertmanager` chart): persistent, gossip over mTLS, routing by severity to the configured
 * integrations, whose credentials are mounted from one Secret and read through `*_file` settings.
 */
export class Alertmanager extends BackendRelease {
    constructor(name: string, args: AlertmanagerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("observability:backends:Alertmanager", name, args.base, opts);
        const integrations = args.base.alerting.integrations;
        const deps: pulumi.Resource[] = [this.createTlsSecret(name, "alertmanager", args, clientTlsKeys(args.clientTls))];
        if (integrations.length > 0) {
            const stringData: Record<string, pulumi.Output<string>> = {};
            for (const i of integrations) {
                const credential = args.credentials[i];
                if (credential === undefined) throw new Error(`Alertmanager: integration ${i} needs its credential`);
                stringData[RECEIVER_CREDENTIAL_FILE[i]] = pulumi.secret(credential);
            }
            deps.push(new k8s.core.v1.Secret(`${name}-receivers`, {
                metadata: { name: RECEIVER_SECRET, namespace: args.base.namespace },
                type: "Opaque",
                stringData,
            }, { parent: this }));
        }
        this.install(name, args.plan, args.plan.values, deps);
    }
}
