import * as grafana from "@pulumiverse/grafana";
import * as pulumi from "@pulumi/pulumi";
import { FOLDERS, FolderKey, RenderedDashboard } from "./render/dashboards/index";

export interface GrafanaDashboardsArgs {
    /** Where the deploy reaches Grafana (https, a certificate from the stack's CA). */
    url: pulumi.Input<string>;
    /** Grafana's admin password (secret); user `admin`. */
    adminPassword: pulumi.Input<string>;
    /** The stack's CA: the provider verifies Grafana's certificate against it. */
    caCertPem: pulumi.Input<string>;
    /** The dashboards (`renderDashboards()`), each filed in its folder. */
    dashboards: readonly RenderedDashboard[];
}

/**
 * The stack's folders and dashboards in Grafana, through the Grafana API with its own provider (admin basic auth,
 * TLS verified against the stack's CA). Fixed uids, overwritten on every deploy: the code is the source of truth.
 */
export class GrafanaDashboards extends pulumi.ComponentResource {
    public readonly provider: grafana.Provider;
    public readonly dashboards: Readonly<Record<string, grafana.oss.Dashboard>>;

    constructor(name: string, args: GrafanaDashboardsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("observability:grafana:Dashboards", name, {}, opts);
        this.provider = new grafana.Provider(`${name}-provider`, {
            url: args.url,
            auth: pulumi.secret(pulumi.interpolate`admin:${args.adminPassword}`),
            caCert: args.caCertPem,
            insecureSkipVerify: false,
            // Grafana (and, on a first deploy, the ingress in front of it) may still be starting.
            retries: 12,
            retryWait: 10,
            retryStatusCodes: ["429", "502", "503", "504"],
        }, { parent: this });
        const withProvider = { parent: this, provider: this.provider };
        const used = new Set(args.dashboards.map(d => d.folder));
        const folders = {} as Record<FolderKey, grafana.oss.Folder>;
        for (const key of Object.keys(FOLDERS) as FolderKey[]) {
            if (!used.has(key)) continue;
            folders[key] = new grafana.oss.Folder(`${name}-folder-${key}`, { uid: FOLDERS[key].uid, title: FOLDERS[key].title, preventDestroyIfNotEmpty: false }, withProvider);
        }
        const dashboards: Record<string, grafana.oss.Dashboard> = {};
        for (const d of args.dashboards) {
            dashboards[d.uid] = new grafana.oss.Dashboard(`${name}-${d.uid}`, {
                folder: folders[d.folder].uid,
                configJson: JSON.stringify(d.model),
                overwrite: true,
                message: "observability-stack: pulumi up",
            }, withProvider);
        }
        this.dashboards = dashboards;
        this.registerOutputs({ dashboards: Object.keys(dashboards) });
    }
}
