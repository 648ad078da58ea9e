// Typed stack configuration: defaults per environment, validated at load, every problem reported at once.
//
// `parseStackConfig` is pure (strings in, `StackConfig` or one `ConfigError` out), so every bad input is unit-tested
// without Pulumi; `loadConfig` only reads the Pulumi config and calls it. Neither renders anything: what the stack
// deploys is planned from the result (components/plan.ts).
import * as pulumi from "@pulumi/pulumi";
import { parseAlerting, parseContent } from "./alerting";
import { parseOtlpClients } from "./clients";
import { parseZones } from "./zones";
import { parseCluster } from "./cluster";
import { parseCollector } from "./collector";
import { parseGrafana } from "./grafana";
import { parseGrafanaDatabase } from "./grafana-database";
import { parseKafka } from "./kafka";
import { checkNamespaces } from "./namespaces";
import { parseNetwork } from "./network";
import { parseNetworkAccess } from "./network-access";
import { ConfigError, ConfigReader, RawConfig, SECRET_MASK } from "./reader";
import { checkRisks } from "./risks";
import { CONFIG_KEYS, PROJECT, SECRET_NAME_RE, StackConfig } from "./schema";
import { parseBuckets, parseRetention } from "./storage";

export * from "./schema";
export { ConfigError, formatProblem } from "./reader";
export type { ConfigProblem, RawConfig } from "./reader";
export { dataVolumeProblem, hostCapacityProblem } from "./cluster";

/** Parses and validates the raw config of one stack. Throws one `ConfigError` listing every problem. */
export function parseStackConfig(stack: string, raw: RawConfig): StackConfig {
    const r = new ConfigReader(raw);
    r.expansions();
    r.unknownKeys();
    checkNamespaces(r);
    r.plaintextSecrets();
    r.secretUrls();
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
    if (kafka) {
        for (const key of ["samplingPercent", "samplingRules", "samplingDecisionWaitSeconds", "samplingLatencyThresholdMs"] as const) {
            if (r.text(key) !== undefined) {
                r.add(key, r.text(key), `tail sampling runs only without Kafka: with Kafka the gateway keeps every trace, so no record is marked before its spans are on disk (docs/collector.md#delivery-guarantees)`,
                    `unset while kafka is ${kafka.settings.mode}`);
            }
        }
    }
    const networkAccess = parseNetworkAccess(r, { clusterKind, vpcCidr: network.vpcCidr, ingressController: grafana.ingressController });
    const otlpClients = parseOtlpClients(r);
    const grafanaDatabase = parseGrafanaDatabase(r, { environment, clusterKind, region: cluster.region });
    const zones = parseZones(r, { environment, clusterKind, region: cluster.region });
    checkRisks(r, {
        environment, ingressCidrs: network.ingressCidrs, buckets, gateway: collector.gateway, kafkaRetentionHours: kafka?.retentionHours,
        maintenance: alerting.maintenance,
    });
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
        networkAccess,
        otlpClients,
        ...(grafanaDatabase ? { grafanaDatabase } : {}),
        ...(zones ? { zones } : {}),
    };
}

/**
 * Whether a config key's value was set as a secret. The SDK keeps the engine's secret key list internal
 * (`runtime.isConfigSecret`); keys may come as `project:key` or in the older `project:config:key` form.
 */
function secretKeyTest(): (fullKey: string) => boolean {
    const isConfigSecret = (pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean }).isConfigSecret;
    if (typeof isConfigSecret !== "function") {
        throw new Error("@pulumi/pulumi no longer has runtime.isConfigSecret: loadConfig cannot tell secrets set in plain text (update components/config/index.ts)");
    }
    return fullKey => isConfigSecret(fullKey) || isConfigSecret(fullKey.replace(":", ":config:"));
}

/**
 * Reads this stack's Pulumi config and validates it. Throws a `ConfigError` listing every problem. Under the engine,
 * `allConfig()` holds secret values decrypted: they are validated in plain here and reach the program only as secret
 * Outputs (and a report shows them as `[secret]`).
 */
export function loadConfig(): StackConfig {
    const prefix = `${PROJECT}:`;
    const all = pulumi.runtime.allConfig();
    const isSecret = secretKeyTest();
    const values: Record<string, string> = {};
    const secrets: Record<string, string> = {};
    const plaintextSecrets: string[] = [];
    const otherKeys: Record<string, string> = {};
    for (const [fullKey, value] of Object.entries(all)) {
        if (!fullKey.startsWith(prefix)) {
            otherKeys[fullKey] = isSecret(fullKey) || SECRET_NAME_RE.test(fullKey) ? SECRET_MASK : value;
            continue;
        }
        const key = fullKey.slice(prefix.length);
        if (Object.hasOwn(CONFIG_KEYS, key) && CONFIG_KEYS[key as keyof typeof CONFIG_KEYS] === "secret") {
            secrets[key] = value;
            if (!isSecret(fullKey)) plaintextSecrets.push(key);
        } else {
            values[key] = value;
        }
    }
    return parseStackConfig(pulumi.getStack(), { values, secrets, plaintextSecrets, otherKeys, awsRegion: all["aws:region"] });
}
