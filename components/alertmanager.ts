import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { BackendRelease, BackendReleaseArgs } from "./backend-release";
import { placeholderInput, renderAlertmanager } from "./render/backends/index";
import { CLUSTER_TLS_CONFIG_KEY, clusterTlsConfig, RECEIVER_CREDENTIAL_FILE, RECEIVER_SECRET } from "./render/backends/alertmanager";

export interface AlertmanagerArgs extends BackendReleaseArgs {
    /** The default receiver's webhook URL, routing key or API key (secret); required unless the receiver is `none`. */
    receiverCredential?: pulumi.Input<string>;
}

/**
 * Alertmanager (`alertmanager` chart): persistent, gossip over mTLS, routing every alert to the configured
 * default receiver, whose credential is mounted from a Secret and read through a `*_file` setting.
 */
export class Alertmanager extends BackendRelease {
    constructor(name: string, args: AlertmanagerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("observability:backends:Alertmanager", name, args.base, opts);
        const receiver = args.base.receiver;
        const deps: pulumi.Resource[] = [this.createTlsSecret(name, "alertmanager", args, { [CLUSTER_TLS_CONFIG_KEY]: clusterTlsConfig(args.base.namespace) })];
        if (receiver !== "none") {
            if (args.receiverCredential === undefined) throw new Error(`Alertmanager: receiver ${receiver} needs a credential`);
            deps.push(new k8s.core.v1.Secret(`${name}-receivers`, {
                metadata: { name: RECEIVER_SECRET, namespace: args.base.namespace },
                type: "Opaque",
                stringData: { [RECEIVER_CREDENTIAL_FILE[receiver]]: pulumi.secret(args.receiverCredential) },
            }, { parent: this }));
        }
        const plan = renderAlertmanager(placeholderInput(args.base));
        this.install(name, plan, plan.values, deps);
    }
}
