import * as pulumi from "@pulumi/pulumi";

export interface ReadinessProbe {
    /** e.g. `https://203.0.113.10:6443/readyz`. */
    url: string;
    caPem: string;
    certPem: string;
    keyPem: string;
    timeoutSeconds: number;
    intervalSeconds: number;
}

/**
 * Polls `url` with the client certificate, verifying the server against `caPem`, until it answers 200.
 * Resolves with the number of attempts; rejects with a message naming the URL, the time waited and the last
 * error. Self-contained (modules are required inside) because a dynamic provider serializes it.
 */
export async function waitForReady(probe: ReadinessProbe): Promise<number> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const https: typeof import("https") = require("https");
    const attempt = (): Promise<string | undefined> => new Promise(resolve => {
        const req = https.get(probe.url, {
            ca: probe.caPem, cert: probe.certPem, key: probe.keyPem, timeout: Math.min(10_000, probe.intervalSeconds * 1000 + 5_000),
        }, res => {
            let body = "";
            res.setEncoding("utf8");
            res.on("data", (chunk: string) => { body += chunk; });
            res.on("end", () => resolve(res.statusCode === 200 ? undefined : `HTTP ${res.statusCode}: ${body.trim().slice(0, 200)}`));
        });
        req.on("timeout", () => req.destroy(new Error("request timed out")));
        req.on("error", (err: NodeJS.ErrnoException) => resolve(err.code ? `${err.code}: ${err.message}` : err.message));
    });
    const deadline = Date.now() + probe.timeoutSeconds * 1000;
    let attempts = 0;
    let lastError = "no attempt made";
    while (attempts === 0 || Date.now() < deadline) {
        attempts++;
        const error = await attempt();
        if (error === undefined) return attempts;
        lastError = error;
        const wait = Math.min(probe.intervalSeconds * 1000, deadline - Date.now());
        if (wait <= 0) break;
        await new Promise(r => setTimeout(r, wait));
    }
    throw new Error(
        `${probe.url} did not become ready within ${probe.timeoutSeconds}s (${attempts} attempts; last error: ${lastError}). ` +
            "Check that this machine's public address is in adminCidrs, then read the host's bootstrap log " +
            "(aws ssm start-session --target <instanceId>; sudo journalctl -u cloud-final -u k3s).",
    );
}

const provider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: ReadinessProbe & { trigger: string }) {
        const attempts = await waitForReady(inputs);
        return { id: `${inputs.url}#${inputs.trigger}`, outs: { url: inputs.url, trigger: inputs.trigger, attempts, readyAt: new Date().toISOString() } };
    },
    async diff(_id: string, olds: { url: string; trigger: string }, news: { url: string; trigger: string }) {
        const replaces = (["url", "trigger"] as const).filter(k => olds[k] !== news[k]);
        return { changes: replaces.length > 0, replaces, deleteBeforeReplace: false };
    },
};

export interface ApiServerReadinessArgs {
    url: pulumi.Input<string>;
    caPem: pulumi.Input<string>;
    certPem: pulumi.Input<string>;
    /** The client key; kept secret in state. */
    keyPem: pulumi.Input<string>;
    timeoutSeconds: pulumi.Input<number>;
    /** Seconds between attempts. Defaults to 10. */
    intervalSeconds?: pulumi.Input<number>;
    /** Any value that changes when the server is rebuilt (the instance id), so the gate runs again. */
    trigger: pulumi.Input<string>;
}

/**
 * A deploy-time gate: creating it waits until the Kubernetes API answers `/readyz` to the admin client
 * certificate, so every Kubernetes resource that depends on it is created on a working cluster.
 */
export class ApiServerReadiness extends pulumi.dynamic.Resource {
    public readonly readyAt!: pulumi.Output<string>;
    public readonly attempts!: pulumi.Output<number>;

    constructor(name: string, args: ApiServerReadinessArgs, opts?: pulumi.CustomResourceOptions) {
        super(provider, name, {
            ...args,
            keyPem: pulumi.secret(args.keyPem),
            intervalSeconds: args.intervalSeconds ?? 10,
            readyAt: undefined,
            attempts: undefined,
        }, opts, "observability", "ApiServerReadiness");
    }
}
