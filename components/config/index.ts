// Typed stack configuration: defaults per environment, validated at load, every problem reported at once.
//
// `parseStackConfig` is pure (strings in, `StackConfig` or one `ConfigError` out), so every bad input is unit-tested
// without Pulumi; `loadConfig` only reads the Pulumi config and calls it. Neither renders anything: what the stack
// deploys is planned from the result (components/plan.ts).
import * as pulumi from "@pulumi/pulumi";
import { parseAlerting, parseContent } from "./alerting";
import { parseCluster } from "./cluster";
import { parseCollector } from "./collector";
import { parseGrafana } from "./grafana";
import { parseKafka } from "./kafka";
import { parseNetwork } from "./network";
import { ConfigError, ConfigReader, RawConfig } from "./reader";
import { CONFIG_KEYS, PROJECT, StackConfig } from "./schema";
import { parseBuckets, parseRetention } from "./storage";

export * from "./schema";
export { ConfigError, formatProblem } from "./reader";
export type { ConfigProblem, RawConfig } from "./reader";
export { hostCapacityProblem } from "./cluster";

/** Parses and validates the raw config of one stack. Throws one `ConfigError` listing every problem. */
export function parseStackConfig(stack: string, raw: RawConfig): StackConfig {
    const r = new ConfigReader(raw);
    r.unknownKeys();
    const cluster = parseCluster(r, stack);
    const { environment, clusterKind } = cluster;
    const network = parseNetwork(r, clusterKind);
    const retention = parseRetention(r, environment);
    const buckets = parseBuckets(r, environment, cluster.awsRegion);
    const alerting = parseAlerting(r, environment);
    const content = parseContent(r);
    const grafana = parseGrafana(r, clusterKind, network.domain);
    const collector = parseCollector(r, environment);
    const kafka = parseKafka(r, { environment, clusterKind });
    if (r.problems.length > 0) throw new ConfigError(stack, r.problems);
    return {
        project: PROJECT,
        stack,
        environment,
        clusterKind,
        region: cluster.region,
        host: { ...cluster.host, vpcCidr: network.vpcCidr },
        ingressCidrs: network.ingressCidrs,
        adminCidrs: network.adminCidrs,
        domain: network.domain,
        retention,
        buckets,
        certificates: network.certificates,
        tags: cluster.tags,
        kubeconfig: cluster.kubeconfig,
        oidcProvider: cluster.oidcProvider,
        alerting,
        grafanaUrl: grafana.grafanaUrl,
        ingressController: grafana.ingressController,
        content,
        collector,
        kafka,
    };
}

/** Reads this stack's Pulumi config and validates it. Throws a `ConfigError` listing every problem. */
export function loadConfig(): StackConfig {
    const prefix = `${PROJECT}:`;
    const all = pulumi.runtime.allConfig();
    const secretKeys = new Set(Object.entries(CONFIG_KEYS).filter(([, kind]) => kind === "secret").map(([k]) => k));
    const values: Record<string, string | undefined> = {};
    const secrets: Record<string, pulumi.Output<string> | undefined> = {};
    const config = new pulumi.Config(PROJECT);
    for (const fullKey of Object.keys(all)) {
        if (!fullKey.startsWith(prefix)) continue;
        const key = fullKey.slice(prefix.length);
        if (secretKeys.has(key)) {
            // Read as a secret Output even if it was set in plain text; its value is never parsed here.
            secrets[key] = config.requireSecret(key);
        } else {
            values[key] = all[fullKey];
        }
    }
    return parseStackConfig(pulumi.getStack(), { values, secrets, awsRegion: new pulumi.Config("aws").get("region") });
}
