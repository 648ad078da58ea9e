// Typed stack configuration: defaults per environment, validated at load, every problem reported at once.
//
// `parseStackConfig` is pure (strings in, `StackConfig` or one `ConfigError` out) so every bad input is
// unit-tested without Pulumi; `loadConfig` only reads the Pulumi config and calls it.
import * as pulumi from "@pulumi/pulumi";
import { AlertingSettings, Integration, MaintenanceWindow } from "./render/backends/alertmanager";
import { INGRESS_CONTROLLERS, IngressController } from "./render/backends/grafana";
import type { BackendBase } from "./render/backends/index";
import type { GenAiPrice, GenAiSettings } from "./render/rules/catalogue/genai";
import { validateGenAi } from "./render/rules/catalogue/genai";
import type { RedSettings } from "./render/rules/catalogue/red";
import { validateRed } from "./render/rules/catalogue/red";
import { SLI_KINDS, SloSpec, validateSlo } from "./render/rules/slo";
import type { CollectorSettings, RemoteWriteTarget, SamplingRule } from "./render/collector/otel";
import { plannedCapacity } from "./render/plan";
import { formatCapacity, REQUIRED_HEADROOM } from "./render/capacity";
import { NAMESPACE } from "./render/pki";
import { KAFKA_DEFAULT_USERNAME, KAFKA_MODES, KafkaSettings, MskSettings } from "./render/kafka";
import { mimirIngesters } from "./render/backends/mimir";
import { canonicalCidr, Cidr, cidrsOverlap, isDnsName, parseCidr } from "./render/net";

export const PROJECT = "observability-stack";

export const ENVIRONMENTS = ["dev", "prod"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];
export const CLUSTER_KINDS = ["ec2-k3s", "existing"] as const;
export type ClusterKind = (typeof CLUSTER_KINDS)[number];
export const ARCHITECTURES = ["arm64", "x86_64"] as const;
export type Architecture = (typeof ARCHITECTURES)[number];
export const SIGNALS = ["metrics", "logs", "traces"] as const;
export type Signal = (typeof SIGNALS)[number];

/** A retention period, always a whole number of days (Loki's index period is 24h). */
export interface Retention {
    /** As written in config, e.g. `15d`. */
    readonly text: string;
    readonly days: number;
    /** For Go `time.Duration` settings (Tempo `block_retention`), e.g. `360h`. */
    readonly hours: string;
}

export interface HostConfig {
    readonly instanceType: string;
    readonly architecture: Architecture;
    readonly rootVolumeSizeGiB: number;
    readonly dataVolumeSizeGiB: number;
    readonly k3sVersion: string;
    readonly vpcCidr: string;
    readonly availabilityZone: string;
    readonly readinessTimeoutMinutes: number;
}

export interface BucketConfig {
    /** Customer-managed KMS key ARN for S3, EBS and SSM; AES256 / AWS-managed keys when absent. */
    readonly kmsKeyArn?: string;
    readonly versioning: boolean;
    readonly replicationRegion?: string;
    readonly replicationKmsKeyArn?: string;
    readonly lifecycleMarginDays: number;
    readonly noncurrentVersionExpirationDays: number;
    readonly abortIncompleteUploadDays: number;
    readonly forceDestroy: boolean;
}

export interface CertificateConfig {
    readonly caValidityHours: number;
    readonly validityHours: number;
    readonly earlyRenewalHours: number;
}

/** An existing EKS-style cluster's IAM OIDC provider, for one IRSA role per backend. */
export interface OidcProvider {
    readonly arn: string;
    /** Issuer without the scheme (`oidc.eks.<region>.amazonaws.com/id/<id>`), the prefix of the trust conditions. */
    readonly issuerHostPath: string;
}

export interface AlertingConfig extends AlertingSettings {
    /** Each configured integration's routing key, API key or URL (secrets). */
    readonly credentials: Readonly<Partial<Record<Integration, pulumi.Output<string>>>>;
}

export interface ContentConfig {
    /** The runbooks page every alert's `runbook_url` points into (`#<alert, lower-cased>`). */
    readonly runbookBaseUrl: string;
    readonly slos: readonly SloSpec[];
    readonly red: RedSettings;
    readonly genAi: GenAiSettings;
}

/** Where runbook links point by default: this project's docs/runbooks.md (set runbookBaseUrl to your fork's copy). */
export const DEFAULT_RUNBOOK_URL = "https://github.com/observability-stack/observability-stack/blob/main/docs/runbooks.md";

export interface StackConfig {
    readonly project: string;
    readonly stack: string;
    readonly environment: Environment;
    readonly clusterKind: ClusterKind;
    readonly region: string;
    readonly host: HostConfig;
    /** CIDRs allowed to reach the public endpoints (443, OTLP 4317/4318). */
    readonly ingressCidrs: readonly string[];
    /** CIDRs allowed to reach admin ports (Kubernetes API 6443). Never the whole internet. */
    readonly adminCidrs: readonly string[];
    /** Public DNS domain; endpoints are `<service>.<domain>`. */
    readonly domain?: string;
    readonly retention: Readonly<Record<Signal, Retention>>;
    readonly buckets: BucketConfig;
    readonly certificates: CertificateConfig;
    readonly tags: Readonly<Record<string, string>>;
    /** Kubeconfig of an existing cluster (clusterKind `existing`), a secret. */
    readonly kubeconfig?: pulumi.Output<string>;
    /** IAM OIDC provider of the existing cluster (clusterKind `existing`): backends get IRSA roles. */
    readonly oidcProvider?: OidcProvider;
    readonly alerting: AlertingConfig;
    /**
     * Where the deploy (and people) reach Grafana over HTTPS, for the dashboards: `grafanaUrl`, else
     * `https://grafana.<domain>`; absent on a k3s host without either (the host's public IP is used).
     */
    readonly grafanaUrl?: string;
    /** The ingress controller in front of Grafana, which proxies to Grafana's HTTPS and verifies it against the stack CA. */
    readonly ingressController: IngressController;
    /** What the alert rules and dashboards are built from: runbook links, SLOs, RED and gen_ai thresholds. */
    readonly content: ContentConfig;
    readonly collector: CollectorSettings;
    /** Kafka buffering between the agents and the gateway, and Mimir's ingest storage; absent when off. */
    readonly kafka?: KafkaConfig;
}

/** Kafka buffering: the plain settings the renderers read, and where the brokers and the password come from. */
export interface KafkaConfig {
    readonly settings: KafkaSettings;
    /** `existing`: the brokers' `host:port` list. */
    readonly brokers?: readonly string[];
    /** `existing`: the SCRAM password (secret). `msk` generates one. */
    readonly password?: pulumi.Output<string>;
    /** `msk`: the cluster to create. */
    readonly msk?: MskSettings;
}

/** One problem with one key. */
export interface ConfigProblem {
    readonly key: string;
    readonly value: unknown;
    readonly message: string;
    readonly allowed: string;
}

export class ConfigError extends Error {
    constructor(readonly stack: string, readonly problems: readonly ConfigProblem[]) {
        super(
            `Invalid configuration for stack '${stack}' (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
                problems.map(p => `  - ${formatProblem(p)}`).join("\n"),
        );
        this.name = "ConfigError";
    }
}

export function formatProblem(p: ConfigProblem): string {
    const value = p.value === undefined ? "(not set)" : JSON.stringify(p.value);
    return `${p.key} = ${value}: ${p.message}; allowed: ${p.allowed}`;
}

/** Every key this project reads, with its kind. Keys are flat (pulumi/pulumi#21219). */
export const CONFIG_KEYS = {
    environment: "string",
    clusterKind: "string",
    instanceType: "string",
    instanceArchitecture: "string",
    rootVolumeSizeGiB: "integer",
    dataVolumeSizeGiB: "integer",
    k3sVersion: "string",
    vpcCidr: "string",
    availabilityZone: "string",
    readinessTimeoutMinutes: "integer",
    ingressCidrs: "array",
    adminCidrs: "array",
    domain: "string",
    retentionMetrics: "string",
    retentionLogs: "string",
    retentionTraces: "string",
    kmsKeyArn: "string",
    bucketVersioning: "boolean",
    replicationRegion: "string",
    replicationKmsKeyArn: "string",
    lifecycleMarginDays: "integer",
    noncurrentVersionExpirationDays: "integer",
    abortIncompleteUploadDays: "integer",
    bucketForceDestroy: "boolean",
    caValidityHours: "integer",
    certValidityHours: "integer",
    certEarlyRenewalHours: "integer",
    tags: "object",
    kubeconfig: "secret",
    oidcProviderArn: "string",
    pagerdutyRoutingKey: "secret",
    opsgenieApiKey: "secret",
    slackWebhookUrl: "secret",
    deadMansSwitchUrl: "secret",
    maintenanceWindows: "array",
    grafanaUrl: "string",
    ingressController: "string",
    runbookBaseUrl: "string",
    slos: "array",
    highErrorRatio: "number",
    latencyP95Seconds: "number",
    serviceLatencyP95Seconds: "object",
    genAiPrices: "array",
    genAiDailyBudgetUsd: "number",
    genAiLatencyP95Seconds: "number",
    agentMemoryLimitMiB: "integer",
    gatewayMinReplicas: "integer",
    gatewayMaxReplicas: "integer",
    gatewayMemoryLimitMiB: "integer",
    gatewayQueueVolumeGiB: "integer",
    samplingDecisionWaitSeconds: "integer",
    samplingLatencyThresholdMs: "integer",
    samplingPercent: "number",
    samplingRules: "array",
    dropGenAiContent: "boolean",
    droppedMetricAttributes: "array",
    remoteWriteTargets: "array",
    kafka: "string",
    kafkaPartitions: "integer",
    kafkaBrokers: "array",
    kafkaUsername: "string",
    kafkaPassword: "secret",
    kafkaSubnetIds: "array",
    kafkaClientSecurityGroupIds: "array",
    kafkaInstanceType: "string",
    kafkaVolumeGiB: "integer",
    kafkaRetentionHours: "integer",
} as const;
export type ConfigKey = keyof typeof CONFIG_KEYS;

/** Defaults that differ per environment; every other default is the same for both. */
export const ENVIRONMENT_DEFAULTS: Record<Environment, {
    clusterKind: ClusterKind;
    retention: Record<Signal, string>;
    bucketForceDestroy: boolean;
    agentMemoryLimitMiB: number;
    gatewayMinReplicas: number;
    gatewayMaxReplicas: number;
    gatewayMemoryLimitMiB: number;
    gatewayQueueVolumeGiB: number;
    samplingPercent: number;
}> = {
    dev: {
        clusterKind: "ec2-k3s",
        retention: { metrics: "15d", logs: "7d", traces: "3d" },
        bucketForceDestroy: true,
        agentMemoryLimitMiB: 512,
        gatewayMinReplicas: 1,
        gatewayMaxReplicas: 2,
        gatewayMemoryLimitMiB: 1024,
        gatewayQueueVolumeGiB: 5,
        samplingPercent: 100,
    },
    prod: {
        clusterKind: "existing",
        retention: { metrics: "90d", logs: "30d", traces: "14d" },
        bucketForceDestroy: false,
        agentMemoryLimitMiB: 1024,
        gatewayMinReplicas: 3,
        gatewayMaxReplicas: 10,
        gatewayMemoryLimitMiB: 2048,
        gatewayQueueVolumeGiB: 20,
        samplingPercent: 10,
    },
};

export const DEFAULTS = {
    instanceType: { arm64: "t4g.xlarge", x86_64: "m7i.xlarge" } as Record<Architecture, string>,
    instanceArchitecture: "arm64" as Architecture,
    rootVolumeSizeGiB: 30,
    dataVolumeSizeGiB: 100,
    k3sVersion: "v1.34.1+k3s1",
    vpcCidr: "10.20.0.0/16",
    readinessTimeoutMinutes: 20,
    bucketVersioning: true,
    lifecycleMarginDays: 7,
    noncurrentVersionExpirationDays: 7,
    abortIncompleteUploadDays: 2,
    caValidityHours: 87600,
    certValidityHours: 8760,
    certEarlyRenewalHours: 720,
    samplingDecisionWaitSeconds: 10,
    samplingLatencyThresholdMs: 1000,
    dropGenAiContent: true,
    /** Per-request and per-user attributes that explode metric series counts. */
    droppedMetricAttributes: ["client.address", "client.port", "network.peer.address", "network.peer.port", "url.full", "http.url", "user.id", "session.id"],
    remoteWrite: { queueSize: 10000, consumers: 5, timeoutSeconds: 30 },
    kafkaPartitions: 6,
    kafkaInstanceType: "kafka.m7g.large",
    kafkaVolumeGiB: 500,
    kafkaRetentionHours: 24,
    kafkaVersion: "3.9.x",
};

/** Header names that carry credentials: those never go in plain config. */
const CREDENTIAL_HEADER_RE = /authorization|token|secret|password|api[-_]?key|cookie/i;

/** Bounds, in days, of each signal's retention. */
export const RETENTION_BOUNDS: Record<Signal, { min: number; max: number }> = {
    metrics: { min: 1, max: 1825 },
    logs: { min: 1, max: 730 },
    traces: { min: 1, max: 180 },
};

/** k3s's own pod and service networks: the VPC must not overlap them. */
const K3S_NETWORKS = ["10.42.0.0/16", "10.43.0.0/16"];
const REGION_RE = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;
const KMS_KEY_RE = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):\d{12}:key\/(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/** Raw values as the Pulumi engine hands them over: strings, with arrays and objects as JSON. */
export interface RawConfig {
    /** Keys of the project namespace without the `observability-stack:` prefix. */
    readonly values: Readonly<Record<string, string | undefined>>;
    /** Secret keys that are set, as secret Outputs (never read in plain). */
    readonly secrets: Readonly<Record<string, pulumi.Output<string> | undefined>>;
    /** `aws:region`. */
    readonly awsRegion?: string;
}

class Collector {
    readonly problems: ConfigProblem[] = [];
    add(key: string, value: unknown, message: string, allowed: string): void {
        this.problems.push({ key: key.includes(":") ? key : `${PROJECT}:${key}`, value, message, allowed });
    }
}

function closest(key: string, candidates: readonly string[]): string | undefined {
    const distance = (a: string, b: string): number => {
        const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
        for (let j = 1; j <= b.length; j++) d[0][j] = j;
        for (let i = 1; i <= a.length; i++)
            for (let j = 1; j <= b.length; j++)
                d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        return d[a.length][b.length];
    };
    const scored = candidates.map(c => ({ c, d: distance(key.toLowerCase(), c.toLowerCase()) })).sort((x, y) => x.d - y.d);
    return scored.length && scored[0].d <= 3 ? scored[0].c : undefined;
}

/**
 * Parses and validates the raw config of one stack. Throws one `ConfigError` listing every problem.
 */
export function parseStackConfig(stack: string, raw: RawConfig): StackConfig {
    const c = new Collector();
    const v = raw.values;
    const known = Object.keys(CONFIG_KEYS);

    for (const key of Object.keys(v)) {
        if (!(key in CONFIG_KEYS)) {
            const hint = closest(key, known);
            c.add(key, v[key], "unknown key" + (hint ? ` (did you mean '${hint}'?)` : ""), `one of the keys in Pulumi.yaml: ${known.join(", ")}`);
        }
    }

    const oneOf = <T extends string>(key: ConfigKey, allowed: readonly T[], fallback: T | undefined): T | undefined => {
        const value = v[key];
        if (value === undefined) return fallback;
        if ((allowed as readonly string[]).includes(value)) return value as T;
        c.add(key, value, "not a supported value", allowed.join(" | "));
        return fallback;
    };
    const integer = (key: ConfigKey, fallback: number, min: number, max: number, unit: string): number => {
        const value = v[key];
        if (value === undefined) return fallback;
        if (!/^-?\d+$/.test(value.trim())) {
            c.add(key, value, "not a whole number", `an integer from ${min} to ${max} (${unit})`);
            return fallback;
        }
        const n = Number(value);
        if (n < min || n > max) c.add(key, n, "out of range", `an integer from ${min} to ${max} (${unit})`);
        return n;
    };
    const bool = (key: ConfigKey, fallback: boolean): boolean => {
        const value = v[key];
        if (value === undefined) return fallback;
        if (value === "true" || value === "false") return value === "true";
        c.add(key, value, "not a boolean", "true | false");
        return fallback;
    };
    const json = (key: ConfigKey, expect: "array" | "object"): unknown => {
        const value = v[key];
        if (value === undefined) return undefined;
        try {
            const parsed: unknown = JSON.parse(value);
            const ok = expect === "array" ? Array.isArray(parsed) : typeof parsed === "object" && parsed !== null && !Array.isArray(parsed);
            if (ok) return parsed;
        } catch {
            /* reported below */
        }
        c.add(key, value, `not a YAML/JSON ${expect === "array" ? "list" : "map"}`, expect === "array" ? "a list of strings" : "a map of strings to strings");
        return undefined;
    };

    // Environment and cluster kind.
    const stackEnv = (ENVIRONMENTS as readonly string[]).includes(stack) ? (stack as Environment) : undefined;
    let environment = oneOf("environment", ENVIRONMENTS, stackEnv);
    if (environment === undefined) {
        if (v.environment === undefined)
            c.add("environment", undefined, `required because the stack name '${stack}' is not an environment`, ENVIRONMENTS.join(" | "));
        environment = "dev";
    }
    const envDefaults = ENVIRONMENT_DEFAULTS[environment];
    const clusterKind = oneOf("clusterKind", CLUSTER_KINDS, envDefaults.clusterKind) ?? envDefaults.clusterKind;
    if (environment === "prod" && clusterKind === "ec2-k3s") {
        c.add("clusterKind", clusterKind, "prod runs replicated (replication factor 3) and a single k3s host cannot hold three replicas", "existing (for prod)");
    }

    // Region.
    const region = raw.awsRegion;
    if (region === undefined) c.add("aws:region", undefined, "required", "an AWS region such as eu-west-1");
    else if (!REGION_RE.test(region)) c.add("aws:region", region, "not an AWS region name", "an AWS region such as eu-west-1 or us-gov-west-1");
    const regionOrDefault = region ?? "us-east-1";

    // Host.
    const architecture = oneOf("instanceArchitecture", ARCHITECTURES, DEFAULTS.instanceArchitecture) ?? DEFAULTS.instanceArchitecture;
    const instanceType = v.instanceType ?? DEFAULTS.instanceType[architecture];
    const itMatch = /^([a-z]+)(\d+)([a-z-]*)\.(\d*x?large|metal(-\d+xl)?|nano|micro|small|medium)$/.exec(instanceType);
    if (!itMatch) {
        c.add("instanceType", instanceType, "not an EC2 instance type", "an EC2 instance type such as t4g.xlarge or m7g.2xlarge");
    } else {
        const graviton = itMatch[3].startsWith("g");
        if (graviton !== (architecture === "arm64")) {
            c.add("instanceType", instanceType, `a ${graviton ? "Graviton (arm64)" : "x86_64"} type does not run the ${architecture} AMI`,
                architecture === "arm64" ? "a Graviton type (t4g, m7g, c7g, r8g, …)" : "an x86_64 type (t3, m7i, m7a, …), or set instanceArchitecture arm64");
        }
        if (["nano", "micro", "small", "medium"].includes(itMatch[4])) {
            c.add("instanceType", instanceType, "too small: the LGTM backends need at least 8 GiB of memory", "size large or bigger (e.g. t4g.xlarge)");
        }
    }
    const rootVolumeSizeGiB = integer("rootVolumeSizeGiB", DEFAULTS.rootVolumeSizeGiB, 20, 1024, "GiB");
    const dataVolumeSizeGiB = integer("dataVolumeSizeGiB", DEFAULTS.dataVolumeSizeGiB, 20, 16384, "GiB");
    const k3sVersion = v.k3sVersion ?? DEFAULTS.k3sVersion;
    const k3s = /^v1\.(\d+)\.\d+\+k3s\d+$/.exec(k3sVersion);
    if (!k3s) c.add("k3sVersion", k3sVersion, "not a k3s release tag", "a tag like v1.34.1+k3s1");
    else if (Number(k3s[1]) < 32) c.add("k3sVersion", k3sVersion, "too old: the Mimir chart requires Kubernetes 1.32 or newer", "v1.32.0+k3s1 or newer");

    const vpcCidr = v.vpcCidr ?? DEFAULTS.vpcCidr;
    const vpc = parseCidr(vpcCidr);
    if (!vpc || vpc.family !== 4) c.add("vpcCidr", vpcCidr, "not an IPv4 CIDR block", "an IPv4 CIDR block from /16 to /24, e.g. 10.20.0.0/16");
    else if (vpc.prefix < 16 || vpc.prefix > 24 || vpc.hostBitsSet) {
        c.add("vpcCidr", vpcCidr, vpc.hostBitsSet ? `host bits are set (did you mean ${canonicalCidr(vpc)}?)` : "prefix outside what a VPC allows",
            "an IPv4 CIDR block from /16 to /24, e.g. 10.20.0.0/16");
    } else {
        const clash = K3S_NETWORKS.find(n => cidrsOverlap(vpc, parseCidr(n)!));
        if (clash) c.add("vpcCidr", vpcCidr, `overlaps k3s's pod/service network ${clash}`, `a block outside ${K3S_NETWORKS.join(" and ")}`);
    }
    const availabilityZone = v.availabilityZone ?? `${regionOrDefault}a`;
    if (!new RegExp(`^${regionOrDefault}[a-z]$`).test(availabilityZone)) {
        c.add("availabilityZone", availabilityZone, `not a zone of region ${regionOrDefault}`, `a zone name such as ${regionOrDefault}a`);
    }
    const readinessTimeoutMinutes = integer("readinessTimeoutMinutes", DEFAULTS.readinessTimeoutMinutes, 5, 60, "minutes");

    // Network access.
    const cidrList = (key: "ingressCidrs" | "adminCidrs", admin: boolean): string[] => {
        const list = json(key, "array");
        if (list === undefined) return [];
        const out: string[] = [];
        for (const item of list as unknown[]) {
            const allowed = admin
                ? "specific IPv4/IPv6 CIDR blocks with a prefix of at least /8 (IPv4) or /16 (IPv6), never 0.0.0.0/0 or ::/0"
                : "IPv4/IPv6 CIDR blocks such as 203.0.113.0/24 or 2001:db8::/32";
            if (typeof item !== "string") { c.add(key, item, "not a string", allowed); continue; }
            const cidr: Cidr | undefined = parseCidr(item);
            if (!cidr) { c.add(key, item, "not a CIDR block", allowed); continue; }
            if (cidr.hostBitsSet) { c.add(key, item, `host bits are set (did you mean ${canonicalCidr(cidr)}?)`, allowed); continue; }
            if (admin && cidr.prefix === 0) { c.add(key, item, "opens the admin ports to the whole internet", allowed); continue; }
            if (admin && cidr.prefix < (cidr.family === 4 ? 8 : 16)) { c.add(key, item, "too broad for admin ports", allowed); continue; }
            if (out.includes(item)) { c.add(key, item, "listed twice", "each CIDR block once"); continue; }
            out.push(item);
        }
        return out;
    };
    const ingressCidrs = cidrList("ingressCidrs", false);
    const adminCidrs = cidrList("adminCidrs", true);
    if (clusterKind === "ec2-k3s" && adminCidrs.length === 0 && c.problems.every(p => !p.key.endsWith(":adminCidrs"))) {
        c.add("adminCidrs", v.adminCidrs === undefined ? undefined : adminCidrs, "empty: the deploy's readiness gate and kubectl reach the k3s API (6443) only from these",
            "at least one CIDR block, e.g. your workstation's public address as x.x.x.x/32");
    }

    const domain = v.domain;
    if (domain !== undefined && !isDnsName(domain)) {
        c.add("domain", domain, "not a lower-case DNS name with at least two labels", "a domain such as obs.example.com");
    }

    // Retention.
    const retention = {} as Record<Signal, Retention>;
    for (const signal of SIGNALS) {
        const key = `retention${signal[0].toUpperCase()}${signal.slice(1)}` as ConfigKey;
        const text = v[key] ?? envDefaults.retention[signal];
        const { min, max } = RETENTION_BOUNDS[signal];
        const allowed = `a duration of whole days from ${min}d to ${max}d, written as Nd, Nw or a multiple of 24 as Nh`;
        const m = /^(\d+)(h|d|w)$/.exec(text);
        let days = Number.NaN;
        if (!m) c.add(key, text, "not a duration", allowed);
        else if (m[2] === "h" && Number(m[1]) % 24 !== 0) c.add(key, text, "not a whole number of days (Loki deletes per 24h index period)", allowed);
        else {
            days = m[2] === "h" ? Number(m[1]) / 24 : m[2] === "w" ? Number(m[1]) * 7 : Number(m[1]);
            if (days < min || days > max) c.add(key, text, "outside the sane bounds for " + signal, allowed);
        }
        retention[signal] = { text, days, hours: `${days * 24}h` };
    }

    // Buckets.
    const kmsArn = (key: "kmsKeyArn" | "replicationKmsKeyArn", expectRegion: string | undefined): string | undefined => {
        const value = v[key];
        if (value === undefined) return undefined;
        const m = KMS_KEY_RE.exec(value);
        const allowed = `a KMS key ARN (not an alias) in ${expectRegion ?? "the region it is used in"}, e.g. arn:aws:kms:${expectRegion ?? "eu-west-1"}:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
        if (!m) c.add(key, value, "not a KMS key ARN", allowed);
        else if (expectRegion !== undefined && m[1] !== expectRegion) c.add(key, value, `the key is in ${m[1]}, KMS keys are regional`, allowed);
        return value;
    };
    const kmsKeyArn = kmsArn("kmsKeyArn", region);
    const versioning = bool("bucketVersioning", DEFAULTS.bucketVersioning);
    const replicationRegion = v.replicationRegion;
    if (replicationRegion !== undefined) {
        if (!REGION_RE.test(replicationRegion)) c.add("replicationRegion", replicationRegion, "not an AWS region name", "an AWS region other than the stack's, e.g. eu-central-1");
        else if (replicationRegion === region) c.add("replicationRegion", replicationRegion, "same as aws:region, so it is not cross-region", "an AWS region other than " + region);
        if (!versioning) c.add("bucketVersioning", false, "S3 replication requires versioning on the source buckets", "true when replicationRegion is set");
    }
    const replicationKmsKeyArn = kmsArn("replicationKmsKeyArn", replicationRegion);
    if (replicationKmsKeyArn !== undefined && replicationRegion === undefined) {
        c.add("replicationKmsKeyArn", replicationKmsKeyArn, "set without replicationRegion", "only together with replicationRegion");
    }
    if (kmsKeyArn !== undefined && replicationRegion !== undefined && replicationKmsKeyArn === undefined) {
        c.add("replicationKmsKeyArn", undefined, "required: objects encrypted with kmsKeyArn replicate only to a KMS key in the replica region",
            `a KMS key ARN in ${replicationRegion}`);
    }
    const lifecycleMarginDays = integer("lifecycleMarginDays", DEFAULTS.lifecycleMarginDays, 1, 90, "days added to each signal's retention before S3 expires objects");
    const noncurrentVersionExpirationDays = integer("noncurrentVersionExpirationDays", DEFAULTS.noncurrentVersionExpirationDays, 1, 365, "days");
    const abortIncompleteUploadDays = integer("abortIncompleteUploadDays", DEFAULTS.abortIncompleteUploadDays, 1, 30, "days");
    const forceDestroy = bool("bucketForceDestroy", envDefaults.bucketForceDestroy);

    // Certificates.
    const caValidityHours = integer("caValidityHours", DEFAULTS.caValidityHours, 8760, 175200, "hours, 1 to 20 years");
    const validityHours = integer("certValidityHours", DEFAULTS.certValidityHours, 720, 9528, "hours, 30 to 397 days");
    const earlyRenewalHours = integer("certEarlyRenewalHours", DEFAULTS.certEarlyRenewalHours, 336, 4764, "hours; at least 14 days, the certificate-expiry alert threshold");
    if (validityHours > caValidityHours) {
        c.add("certValidityHours", validityHours, `longer than the CA's validity (${caValidityHours}h)`, `at most caValidityHours (${caValidityHours})`);
    }
    if (earlyRenewalHours * 2 > validityHours) {
        c.add("certEarlyRenewalHours", earlyRenewalHours, `more than half of certValidityHours (${validityHours}h): certificates would be re-issued on almost every pulumi up`,
            `at most ${Math.floor(validityHours / 2)}`);
    }

    // Tags.
    const tags: Record<string, string> = {};
    const rawTags = json("tags", "object");
    if (rawTags !== undefined) {
        const entries = Object.entries(rawTags as Record<string, unknown>);
        if (entries.length > 40) c.add("tags", `${entries.length} tags`, "too many: AWS allows 50 tags and the stack adds its own", "at most 40 tags");
        for (const [k, value] of entries) {
            if (k.length < 1 || k.length > 128 || /^aws:/i.test(k)) c.add(`tags.${k}`, k, "invalid tag key", "1 to 128 characters, not starting with aws:");
            else if (typeof value !== "string" || value.length > 256) c.add(`tags.${k}`, value, "invalid tag value", "a string of at most 256 characters");
            else tags[k] = value;
        }
    }

    // Existing cluster.
    const kubeconfig = raw.secrets.kubeconfig;
    if (clusterKind === "existing" && kubeconfig === undefined) {
        c.add("kubeconfig", undefined, "required for clusterKind existing", "the cluster's kubeconfig, set with: pulumi config set --secret kubeconfig < kubeconfig.yaml");
    }
    if (clusterKind === "ec2-k3s" && kubeconfig !== undefined) {
        c.add("kubeconfig", "[secret]", "only read for clusterKind existing (ec2-k3s builds its own)", "unset for clusterKind ec2-k3s");
    }

    // IRSA on an existing cluster.
    let oidcProvider: OidcProvider | undefined;
    const oidcArn = v.oidcProviderArn;
    const oidcAllowed = "the cluster's IAM OIDC provider ARN, e.g. arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";
    if (clusterKind === "existing" && oidcArn === undefined) {
        c.add("oidcProviderArn", undefined, "required for clusterKind existing: each backend reaches its buckets through its own IRSA role", oidcAllowed);
    } else if (clusterKind === "ec2-k3s" && oidcArn !== undefined) {
        c.add("oidcProviderArn", oidcArn, "only read for clusterKind existing (ec2-k3s pods use the instance role)", "unset for clusterKind ec2-k3s");
    } else if (oidcArn !== undefined) {
        const m = /^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/([a-z0-9.-]+(?:\/[A-Za-z0-9._-]+)*)$/.exec(oidcArn);
        if (!m) c.add("oidcProviderArn", oidcArn, "not an IAM OIDC provider ARN", oidcAllowed);
        else oidcProvider = { arn: oidcArn, issuerHostPath: m[1] };
    }

    // Alerting: every integration with a credential is on; prod must page someone.
    const alerting = parseAlerting(c, raw.secrets, environment, json);
    const content = parseContent(c, v, json);
    let grafanaUrl = domain ? `https://grafana.${domain}` : undefined;
    if (v.grafanaUrl !== undefined) {
        const url = parseUrl(v.grafanaUrl);
        if (!url || url.protocol !== "https:" || url.username || url.password || url.search || url.hash || url.pathname !== "/") {
            c.add("grafanaUrl", v.grafanaUrl, "not an https origin", "https://<host>[:port] without path or credentials, answered by the stack's Grafana ingress, e.g. https://grafana.example.com");
        } else grafanaUrl = url.origin;
    }
    const ingressController = oneOf("ingressController", INGRESS_CONTROLLERS, "traefik") ?? "traefik";
    if (clusterKind === "ec2-k3s" && ingressController !== "traefik") {
        c.add("ingressController", ingressController, "the k3s host's ingress controller is its bundled Traefik", "traefik (or unset) for clusterKind ec2-k3s");
    }
    if (grafanaUrl === undefined && clusterKind === "existing") {
        c.add("grafanaUrl", undefined, "required for clusterKind existing without a domain: the deploy delivers the dashboards through Grafana's API",
            "https://grafana.example.com (the host the stack's Grafana ingress answers to), or set domain");
    }

    // Collector tier.
    const collector = parseCollector(c, v, envDefaults, json, integer, bool);
    const kafka = parseKafka(c, v, raw.secrets, { environment, clusterKind }, json, integer, oneOf);

    // The single dev host must hold every release's requests with headroom.
    if (clusterKind === "ec2-k3s" && c.problems.length === 0) {
        const report = plannedCapacity({ environment, stack, namespace: NAMESPACE, region: regionOrDefault, domain, retention, alerting, collector, kafka: kafka?.settings, ingressController }, instanceType);
        if (report.allocatable === undefined) {
            c.add("instanceType", instanceType, "unknown size: the releases' requests cannot be checked against it", "a t/m/c/r/x family type of size large or bigger, e.g. t4g.xlarge");
        } else if (!report.fits) {
            c.add("instanceType", instanceType, `too small for the backends: ${formatCapacity(report)}`,
                `a type with at least ${Math.round(REQUIRED_HEADROOM * 100)}% of CPU and memory left after requests, e.g. t4g.2xlarge`);
        }
    }

    if (c.problems.length > 0) throw new ConfigError(stack, c.problems);
    return {
        project: PROJECT,
        stack,
        environment,
        clusterKind,
        region: regionOrDefault,
        host: {
            instanceType, architecture, rootVolumeSizeGiB, dataVolumeSizeGiB, k3sVersion, vpcCidr, availabilityZone, readinessTimeoutMinutes,
        },
        ingressCidrs,
        adminCidrs,
        domain,
        retention,
        buckets: {
            kmsKeyArn, versioning, replicationRegion, replicationKmsKeyArn, lifecycleMarginDays,
            noncurrentVersionExpirationDays, abortIncompleteUploadDays, forceDestroy,
        },
        certificates: { caValidityHours, validityHours, earlyRenewalHours },
        tags,
        kubeconfig,
        oidcProvider,
        alerting,
        grafanaUrl,
        ingressController,
        content,
        collector,
        kafka,
    };
}

type JsonReader = (key: ConfigKey, expect: "array" | "object") => unknown;

/** The secret key that turns each integration on. */
export const INTEGRATION_KEYS: Readonly<Record<Integration, ConfigKey>> = {
    pagerduty: "pagerdutyRoutingKey",
    opsgenie: "opsgenieApiKey",
    slack: "slackWebhookUrl",
    deadmansswitch: "deadMansSwitchUrl",
};

const WEEKDAY = "(sunday|monday|tuesday|wednesday|thursday|friday|saturday)";
const HHMM = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;

/** Alerting: integrations from their secrets, and the maintenance windows. */
function parseAlerting(c: Collector, secrets: RawConfig["secrets"], environment: Environment, json: JsonReader): AlertingConfig {
    const credentials: Partial<Record<Integration, pulumi.Output<string>>> = {};
    for (const [integration, key] of Object.entries(INTEGRATION_KEYS) as [Integration, ConfigKey][]) {
        const secret = secrets[key];
        if (secret !== undefined) credentials[integration] = secret;
    }
    if (environment === "prod" && !credentials.pagerduty && !credentials.opsgenie) {
        c.add("pagerdutyRoutingKey", undefined, "prod pages nobody: critical alerts would reach no one",
            "set with: pulumi config set --secret pagerdutyRoutingKey <Events v2 routing key> (or opsgenieApiKey)");
    }
    const maintenance: MaintenanceWindow[] = [];
    const raw = json("maintenanceWindows", "array");
    const allowed = "a list of { weekdays: [saturday | monday:friday ...], startTime: HH:MM, endTime: HH:MM, location?: IANA zone (default UTC) }";
    if (Array.isArray(raw)) {
        raw.forEach((w: unknown, i: number) => {
            const key = `maintenanceWindows[${i}]`;
            const o = (typeof w === "object" && w !== null ? w : {}) as Record<string, unknown>;
            const weekdays = Array.isArray(o.weekdays) ? o.weekdays : [];
            const dayRe = new RegExp(`^${WEEKDAY}(:${WEEKDAY})?$`);
            const known = ["weekdays", "startTime", "endTime", "location"];
            const unknown = Object.keys(o).filter(k => !known.includes(k));
            if (typeof w !== "object" || w === null || unknown.length > 0) { c.add(key, w, unknown.length > 0 ? `unknown field ${unknown[0]}` : "not a map", allowed); return; }
            if (weekdays.length === 0 || !weekdays.every(d => typeof d === "string" && dayRe.test(d))) { c.add(`${key}.weekdays`, o.weekdays, "not a list of weekdays", "lower-case weekday names or ranges, e.g. [saturday] or [monday:friday]"); return; }
            for (const f of ["startTime", "endTime"] as const) if (typeof o[f] !== "string" || !HHMM.test(o[f] as string)) { c.add(`${key}.${f}`, o[f], "not a time of day", "HH:MM on a 24-hour clock, e.g. 02:00"); return; }
            if ((o.startTime as string) >= (o.endTime as string)) { c.add(`${key}.endTime`, o.endTime, `not after startTime ${o.startTime}`, "a later time the same day (split windows that cross midnight)"); return; }
            const location = o.location ?? "UTC";
            if (typeof location !== "string" || !isTimeZone(location)) { c.add(`${key}.location`, location, "not an IANA time zone", "a zone such as UTC or Europe/Paris"); return; }
            maintenance.push({ weekdays: weekdays as string[], startTime: o.startTime as string, endTime: o.endTime as string, location });
        });
    }
    return { integrations: (Object.keys(credentials) as Integration[]), maintenance, credentials };
}

/** A URL, or undefined when the text is not one. */
function parseUrl(text: string): URL | undefined {
    try {
        return new URL(text);
    } catch {
        return undefined;
    }
}

/** A decimal number from config (a string on the CLI, a number inside a structured value). */
function decimal(value: unknown): number {
    if (typeof value === "number") return value;
    return typeof value === "string" && /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : Number.NaN;
}

/** The rule and dashboard content: runbook links, SLOs, RED thresholds and the gen_ai price table and budget. */
function parseContent(c: Collector, v: RawConfig["values"], json: JsonReader): ContentConfig {
    let runbookBaseUrl = DEFAULT_RUNBOOK_URL;
    if (v.runbookBaseUrl !== undefined) {
        const url = parseUrl(v.runbookBaseUrl);
        if (!url || url.protocol !== "https:" || url.hash || url.username) c.add("runbookBaseUrl", v.runbookBaseUrl, "not an https URL without a fragment", "the https URL of your copy of docs/runbooks.md; each alert links to #<alert name, lower-cased>");
        else runbookBaseUrl = v.runbookBaseUrl;
    }

    const slos: SloSpec[] = [];
    const sloAllowed = `objects like {"name": "checkout-availability", "service": "checkout", "sli": "availability", "objective": 0.999, "windowDays": 30} or {"name": "search-latency", "service": "search", "sli": "latency", "latencySeconds": 0.256, "objective": 0.99}`;
    for (const [i, item] of ((json("slos", "array") ?? []) as unknown[]).entries()) {
        const key = `slos[${i}]`;
        if (typeof item !== "object" || item === null || Array.isArray(item)) { c.add(key, item, "not an object", sloAllowed); continue; }
        const o = item as Record<string, unknown>;
        const unknown = Object.keys(o).filter(k => !["name", "service", "sli", "objective", "latencySeconds", "windowDays"].includes(k));
        if (unknown.length) { c.add(key, o, `unknown field ${unknown.join(", ")}`, sloAllowed); continue; }
        if (typeof o.name !== "string" || typeof o.service !== "string") { c.add(key, o, "needs a name and a service", sloAllowed); continue; }
        if (!(SLI_KINDS as readonly unknown[]).includes(o.sli)) { c.add(`${key}.sli`, o.sli, "not a supported SLI", SLI_KINDS.join(" | ")); continue; }
        const slo: SloSpec = {
            name: o.name, service: o.service, sli: o.sli as SloSpec["sli"], objective: decimal(o.objective),
            windowDays: o.windowDays === undefined ? 30 : decimal(o.windowDays),
            ...(o.latencySeconds !== undefined ? { latencySeconds: decimal(o.latencySeconds) } : {}),
        };
        const problems = validateSlo(slo);
        if (slos.some(x => x.name === slo.name)) problems.push(`slo ${slo.name}: declared twice`);
        if (problems.length > 0) { c.add(key, o, problems.join("; "), sloAllowed); continue; }
        slos.push(slo);
    }

    const number = (key: ConfigKey, fallback: number | undefined): number | undefined => (v[key] === undefined ? fallback : decimal(v[key]));
    const serviceLatencyP95Seconds: Record<string, number> = {};
    for (const [svc, t] of Object.entries((json("serviceLatencyP95Seconds", "object") ?? {}) as Record<string, unknown>)) serviceLatencyP95Seconds[svc] = decimal(t);
    const red: RedSettings = { errorRatio: number("highErrorRatio", 0.05)!, latencyP95Seconds: number("latencyP95Seconds", 1)!, serviceLatencyP95Seconds };
    const redKey = (problem: string): ConfigKey => (problem.startsWith("errorRatio") ? "highErrorRatio" : problem.startsWith("latencyP95Seconds") ? "latencyP95Seconds" : "serviceLatencyP95Seconds");
    for (const p of validateRed(red)) {
        const key = redKey(p);
        c.add(key, v[key], p.replace(/^errorRatio/, "highErrorRatio"), key === "highErrorRatio" ? "a ratio above 0 and below 1, e.g. 0.05" : "seconds above 0, at most 600; serviceLatencyP95Seconds maps service.name to seconds");
    }

    const prices: GenAiPrice[] = [];
    const priceAllowed = `objects like {"model": "gpt-4o", "inputUsdPerMillionTokens": 2.5, "outputUsdPerMillionTokens": 10}`;
    for (const [i, item] of ((json("genAiPrices", "array") ?? []) as unknown[]).entries()) {
        const key = `genAiPrices[${i}]`;
        const o = (typeof item === "object" && item !== null && !Array.isArray(item) ? item : undefined) as Record<string, unknown> | undefined;
        const unknown = o ? Object.keys(o).filter(k => !["model", "inputUsdPerMillionTokens", "outputUsdPerMillionTokens"].includes(k)) : [];
        if (!o || unknown.length || typeof o.model !== "string") { c.add(key, item, unknown.length ? `unknown field ${unknown.join(", ")}` : "not a priced model", priceAllowed); continue; }
        prices.push({ model: o.model, inputUsdPerMillionTokens: decimal(o.inputUsdPerMillionTokens), outputUsdPerMillionTokens: decimal(o.outputUsdPerMillionTokens) });
    }
    const genAi: GenAiSettings = {
        prices,
        latencyP95Seconds: number("genAiLatencyP95Seconds", 20)!,
        ...(v.genAiDailyBudgetUsd !== undefined ? { dailyBudgetUsd: number("genAiDailyBudgetUsd", undefined) } : {}),
    };
    for (const p of validateGenAi(genAi)) {
        const key: ConfigKey = p.startsWith("dailyBudgetUsd") ? "genAiDailyBudgetUsd" : p.startsWith("latencyP95Seconds") ? "genAiLatencyP95Seconds" : "genAiPrices";
        c.add(key, key === "genAiPrices" ? v.genAiPrices : v[key], p, key === "genAiPrices" ? `${priceAllowed}, each model once, prices from 0 to 10000 USD` : key === "genAiDailyBudgetUsd" ? "USD above 0, with genAiPrices set" : "seconds above 0, at most 600");
    }
    return { runbookBaseUrl, slos, red, genAi };
}

function isTimeZone(zone: string): boolean {
    try {
        new Intl.DateTimeFormat("en", { timeZone: zone });
        return true;
    } catch {
        return false;
    }
}
type IntegerReader = (key: ConfigKey, fallback: number, min: number, max: number, unit: string) => number;
type BoolReader = (key: ConfigKey, fallback: boolean) => boolean;

/** The collector keys: sizes, sampling, redaction, cardinality guard and remote-write targets. */
function parseCollector(
    c: Collector, v: RawConfig["values"], env: (typeof ENVIRONMENT_DEFAULTS)[Environment], json: JsonReader, integer: IntegerReader, bool: BoolReader,
): CollectorSettings {
    const percent = (key: string, value: unknown, fallback: number): number => {
        const allowed = "a percentage from 0 to 100 (decimals allowed, e.g. 0.5)";
        if (value === undefined) return fallback;
        const n = decimal(value);
        if (Number.isNaN(n) || n < 0 || n > 100) { c.add(key, value, "not a percentage", allowed); return fallback; }
        return n;
    };
    const agentMemoryLimitMiB = integer("agentMemoryLimitMiB", env.agentMemoryLimitMiB, 256, 16384, "MiB, the agent container's memory limit");
    const minReplicas = integer("gatewayMinReplicas", env.gatewayMinReplicas, 1, 50, "gateway pods");
    const maxReplicas = integer("gatewayMaxReplicas", env.gatewayMaxReplicas, 1, 100, "gateway pods");
    if (maxReplicas < minReplicas) c.add("gatewayMaxReplicas", maxReplicas, `below gatewayMinReplicas (${minReplicas})`, `an integer from ${minReplicas} to 100`);
    const memoryLimitMiB = integer("gatewayMemoryLimitMiB", env.gatewayMemoryLimitMiB, 512, 65536, "MiB, each gateway container's memory limit");
    const queueVolumeGiB = integer("gatewayQueueVolumeGiB", env.gatewayQueueVolumeGiB, 1, 1000, "GiB, each gateway pod's queue volume");

    const decisionWaitSeconds = integer("samplingDecisionWaitSeconds", DEFAULTS.samplingDecisionWaitSeconds, 1, 120, "seconds");
    const latencyThresholdMs = integer("samplingLatencyThresholdMs", DEFAULTS.samplingLatencyThresholdMs, 1, 600000, "milliseconds");
    const defaultPercent = percent(`samplingPercent`, v.samplingPercent, env.samplingPercent);
    const rules: SamplingRule[] = [];
    const rawRules = json("samplingRules", "array");
    const ruleAllowed = `objects like {"service": "checkout", "endpoint": "/api/pay", "percent": 50} (endpoint optional, matched against http.route)`;
    for (const [i, item] of ((rawRules ?? []) as unknown[]).entries()) {
        const key = `samplingRules[${i}]`;
        if (typeof item !== "object" || item === null || Array.isArray(item)) { c.add(key, item, "not an object", ruleAllowed); continue; }
        const r = item as Record<string, unknown>;
        const unknown = Object.keys(r).filter(k => !["service", "endpoint", "percent"].includes(k));
        if (unknown.length) c.add(key, r, `unknown field ${unknown.join(", ")}`, ruleAllowed);
        if (typeof r.service !== "string" || !/^[A-Za-z0-9._\-/]{1,100}$/.test(r.service)) { c.add(`${key}.service`, r.service, "not a service name", "a service.name value of letters, digits, . _ - /"); continue; }
        if (r.endpoint !== undefined && (typeof r.endpoint !== "string" || !r.endpoint.startsWith("/"))) { c.add(`${key}.endpoint`, r.endpoint, "not a route", "an http.route value starting with /"); continue; }
        if (r.percent === undefined) { c.add(`${key}.percent`, undefined, "required", "a percentage from 0 to 100"); continue; }
        const rule: SamplingRule = { service: r.service, endpoint: r.endpoint as string | undefined, percent: percent(`${key}.percent`, r.percent, 0) };
        if (rules.some(o => o.service === rule.service && o.endpoint === rule.endpoint)) { c.add(key, r, "duplicates an earlier rule", "one rule per service and endpoint"); continue; }
        rules.push(rule);
    }

    const dropGenAiContent = bool("dropGenAiContent", DEFAULTS.dropGenAiContent);
    const rawDropped = json("droppedMetricAttributes", "array");
    const droppedMetricAttributes: string[] = [];
    for (const item of (rawDropped ?? DEFAULTS.droppedMetricAttributes) as unknown[]) {
        if (typeof item !== "string" || !/^[A-Za-z0-9._\-]{1,255}$/.test(item)) c.add("droppedMetricAttributes", item, "not an attribute key", "attribute keys such as user.id");
        else if (!droppedMetricAttributes.includes(item)) droppedMetricAttributes.push(item);
    }

    const remoteWrite: RemoteWriteTarget[] = [];
    const rawTargets = json("remoteWriteTargets", "array");
    const targetAllowed = `objects like {"name": "victoria", "url": "https://vm.example.com/api/v1/write", "headers": {"X-Scope-OrgID": "team-a"}, "queueSize": 10000, "consumers": 5, "timeoutSeconds": 30}`;
    for (const [i, item] of ((rawTargets ?? []) as unknown[]).entries()) {
        const key = `remoteWriteTargets[${i}]`;
        if (typeof item !== "object" || item === null || Array.isArray(item)) { c.add(key, item, "not an object", targetAllowed); continue; }
        const t = item as Record<string, unknown>;
        const unknown = Object.keys(t).filter(k => !["name", "url", "headers", "queueSize", "consumers", "timeoutSeconds"].includes(k));
        if (unknown.length) c.add(key, t, `unknown field ${unknown.join(", ")}`, targetAllowed);
        let ok = true;
        if (typeof t.name !== "string" || !/^[a-z0-9][a-z0-9-]{0,30}$/.test(t.name)) { c.add(`${key}.name`, t.name, "not a short lower-case name", "1 to 31 of a-z, 0-9 and -"); ok = false; }
        else if (remoteWrite.some(o => o.name === t.name)) { c.add(`${key}.name`, t.name, "used twice", "a unique name per target"); ok = false; }
        const url = typeof t.url === "string" ? parseUrl(t.url) : undefined;
        if (!url || url.protocol !== "https:" || url.username || url.password) {
            c.add(`${key}.url`, t.url, "not an https URL without credentials", "https://host[:port]/path; plaintext remote write is refused"); ok = false;
        }
        const headers: Record<string, string> = {};
        if (t.headers !== undefined) {
            if (typeof t.headers !== "object" || t.headers === null || Array.isArray(t.headers)) { c.add(`${key}.headers`, t.headers, "not a map", "a map of header name to string value"); ok = false; }
            else for (const [h, value] of Object.entries(t.headers as Record<string, unknown>)) {
                if (!/^[A-Za-z0-9-]{1,100}$/.test(h) || typeof value !== "string") { c.add(`${key}.headers.${h}`, value, "not a header", "an HTTP header name with a string value"); ok = false; }
                else if (CREDENTIAL_HEADER_RE.test(h)) { c.add(`${key}.headers.${h}`, "[hidden]", "credentials never go in plain config (they would land in the render and the ConfigMap)", "non-secret headers such as X-Scope-OrgID"); ok = false; }
                else headers[h] = value;
            }
        }
        const num = (field: "queueSize" | "consumers" | "timeoutSeconds", fallback: number, min: number, max: number): number => {
            const value = t[field];
            if (value === undefined) return fallback;
            if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) { c.add(`${key}.${field}`, value, "out of range", `an integer from ${min} to ${max}`); ok = false; return fallback; }
            return value;
        };
        const d = DEFAULTS.remoteWrite;
        const target = {
            name: String(t.name), url: String(t.url), headers,
            queueSize: num("queueSize", d.queueSize, 100, 1000000), consumers: num("consumers", d.consumers, 1, 200), timeoutSeconds: num("timeoutSeconds", d.timeoutSeconds, 1, 300),
        };
        if (ok) remoteWrite.push(target);
    }

    return {
        agent: { memoryLimitMiB: agentMemoryLimitMiB },
        gateway: { minReplicas, maxReplicas, memoryLimitMiB, queueVolumeGiB },
        sampling: { decisionWaitSeconds, latencyThresholdMs, defaultPercent, rules },
        dropGenAiContent,
        droppedMetricAttributes,
        remoteWrite,
    };
}

type OneOfReader = <T extends string>(key: ConfigKey, allowed: readonly T[], fallback: T | undefined) => T | undefined;

/** A `host:port` with a DNS name or IPv4 address. */
const BROKER_RE = /^(?=.{1,253}:)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*:(\d{1,5})$/;

/** The Kafka keys: off, an MSK cluster this stack creates, or existing brokers; never plaintext. */
function parseKafka(
    c: Collector, v: RawConfig["values"], secrets: RawConfig["secrets"], ctx: { environment: Environment; clusterKind: ClusterKind },
    json: JsonReader, integer: IntegerReader, oneOf: OneOfReader,
): KafkaConfig | undefined {
    const mode = oneOf("kafka", KAFKA_MODES, "off") ?? "off";
    const mskKeys = ["kafkaSubnetIds", "kafkaClientSecurityGroupIds", "kafkaInstanceType", "kafkaVolumeGiB", "kafkaRetentionHours"] as const;
    const existingKeys = ["kafkaBrokers", "kafkaUsername"] as const;
    const onlyFor = (keys: readonly ConfigKey[], forMode: string) => {
        for (const key of keys) if (v[key] !== undefined) c.add(key, v[key], `only read with kafka ${forMode}`, `unset, or set kafka to ${forMode}`);
    };
    if (mode !== "msk") onlyFor(mskKeys, "msk");
    if (mode !== "existing") {
        onlyFor(existingKeys, "existing");
        if (secrets.kafkaPassword !== undefined) c.add("kafkaPassword", "[secret]", "only read with kafka existing (msk generates its own)", "unset, or set kafka to existing");
    }
    if (mode === "off") {
        if (v.kafkaPartitions !== undefined) c.add("kafkaPartitions", v.kafkaPartitions, "only read with kafka msk or existing", "unset while kafka is off");
        return undefined;
    }

    const ingesters = mimirIngesters(ctx.environment);
    const partitions = integer("kafkaPartitions", DEFAULTS.kafkaPartitions, ingesters, 1000,
        `partitions per topic; at least Mimir's ${ingesters} ingester${ingesters === 1 ? "" : "s"}, each of which consumes its own partition`);
    const list = (key: ConfigKey, item: RegExp, what: string, allowed: string, min: number, max: number): string[] => {
        const raw = json(key, "array") as unknown[] | undefined;
        if (raw === undefined) { c.add(key, undefined, `required for kafka ${mode}`, allowed); return []; }
        const out: string[] = [];
        let bad = false;
        for (const x of raw) {
            if (typeof x !== "string" || !item.test(x)) { c.add(key, x, `not ${what}`, allowed); bad = true; }
            else if (out.includes(x)) { c.add(key, x, "listed twice", "each entry once"); bad = true; }
            else out.push(x);
        }
        if (!bad && (out.length < min || out.length > max)) c.add(key, out, `${out.length} given`, `${min} to ${max} entries: ${allowed}`);
        return out;
    };

    if (mode === "existing") {
        const brokers = list("kafkaBrokers", BROKER_RE, "a host:port", 'the brokers\' TLS listeners, e.g. ["b-1.kafka.internal:9096", "b-2.kafka.internal:9096"]', 1, 50);
        for (const b of brokers) {
            const port = Number(b.split(":").pop());
            if (port < 1 || port > 65535) c.add("kafkaBrokers", b, "port out of range", "a port from 1 to 65535");
        }
        const username = v.kafkaUsername ?? KAFKA_DEFAULT_USERNAME;
        if (!/^[A-Za-z0-9._-]{1,64}$/.test(username)) c.add("kafkaUsername", username, "not a SCRAM user name", "1 to 64 of letters, digits, . _ -");
        const password = secrets.kafkaPassword;
        if (password === undefined) {
            c.add("kafkaPassword", undefined, "required for kafka existing (SASL/SCRAM-SHA-512 over TLS)", "the SCRAM user's password, set with: pulumi config set --secret kafkaPassword <password>");
        }
        return { settings: { mode, partitions, username }, brokers: brokers.sort(), password };
    }

    // mode === "msk"
    if (ctx.clusterKind !== "existing") {
        c.add("kafka", mode, "an MSK cluster joins the existing cluster's VPC; the k3s host's VPC is made by this stack and has one subnet",
            "msk with clusterKind existing; on ec2-k3s use off or existing brokers");
    }
    const subnetIds = list("kafkaSubnetIds", /^subnet-[0-9a-f]{8,17}$/, "a subnet ID", "2 or 3 private subnets of the cluster's VPC, each in its own availability zone, e.g. [\"subnet-0a1b2c3d\", \"subnet-4e5f6a7b\", \"subnet-8c9d0e1f\"]", 2, 3);
    const clientSecurityGroupIds = list("kafkaClientSecurityGroupIds", /^sg-[0-9a-f]{8,17}$/, "a security group ID",
        "the security groups of the cluster's nodes (the only sources allowed to reach the brokers), e.g. [\"sg-0a1b2c3d\"]", 1, 5);
    const instanceType = v.kafkaInstanceType ?? DEFAULTS.kafkaInstanceType;
    if (!/^kafka\.(t3\.small|[a-z][0-9][a-z]*\.(large|[0-9]*xlarge))$/.test(instanceType)) {
        c.add("kafkaInstanceType", instanceType, "not an MSK broker type", "an MSK broker type such as kafka.m7g.large or kafka.m5.xlarge");
    }
    const volumeGiB = integer("kafkaVolumeGiB", DEFAULTS.kafkaVolumeGiB, 10, 16384, "GiB of EBS storage per broker");
    const retentionHours = integer("kafkaRetentionHours", DEFAULTS.kafkaRetentionHours, 1, 168, "hours the brokers keep records: the buffer a backend outage can use");
    return {
        settings: { mode, partitions, username: KAFKA_DEFAULT_USERNAME },
        msk: { subnetIds, clientSecurityGroupIds, instanceType, volumeGiB, retentionHours, kafkaVersion: DEFAULTS.kafkaVersion },
    };
}

/** The plain, stack-wide input of the release renderers, from a validated config. */
export function backendBase(config: StackConfig): BackendBase {
    return {
        environment: config.environment,
        stack: config.stack,
        namespace: NAMESPACE,
        region: config.region,
        domain: config.domain,
        grafanaUrl: config.grafanaUrl,
        retention: config.retention,
        alerting: { integrations: config.alerting.integrations, maintenance: config.alerting.maintenance },
        collector: config.collector,
        kafka: config.kafka?.settings,
        ingressController: config.ingressController,
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
