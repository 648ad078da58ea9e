// The typed schema of a stack's configuration, in one place: every key with its kind, the defaults (per
// environment where they differ), and the validated `StackConfig` the components are built from.
import type * as pulumi from "@pulumi/pulumi";
import type { AlertingSettings, Integration } from "../render/backends/alertmanager";
import type { IngressController } from "../render/backends/grafana";
import type { CollectorSettings } from "../render/collector/otel";
import type { KafkaSettings, MskSettings } from "../render/kafka";
import type { GenAiSettings } from "../render/rules/catalogue/genai";
import type { RedSettings } from "../render/rules/catalogue/red";
import type { SloSpec } from "../render/rules/slo";
import type { Architecture, ClusterKind, Environment, Retention, Signal } from "./primitives";

export * from "./primitives";

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
    /** Who may reach the stack's pods beyond its own connections (its NetworkPolicies). */
    readonly networkAccess: NetworkAccessConfig;
    /** Applications that send OTLP to the agents, one client certificate each (components/config/clients.ts); none by default. */
    readonly otlpClients: readonly string[];
    /**
     * prod: the cluster's three availability zones (node label `topology.kubernetes.io/zone`), over which every
     * replicated workload spreads and the Mimir, Loki and Tempo ingesters and Mimir's store-gateways replicate.
     */
    readonly zones?: readonly string[];
    /** prod: Grafana's RDS PostgreSQL instance (components/config/grafana-database.ts); absent in dev (SQLite on its volume). */
    readonly grafanaDatabase?: {
        /** 2–6 private subnets of the cluster's VPC, in at least two availability zones (Multi-AZ). */
        readonly subnetIds: readonly string[];
        /** The security groups of the cluster's nodes: the only sources allowed to reach 5432. */
        readonly clientSecurityGroupIds: readonly string[];
        readonly instanceClass: string;
        /** GiB of gp3 storage. */
        readonly storageGiB: number;
        /** Days of automated backups (point-in-time recovery). */
        readonly backupDays: number;
        /** The region's RDS CA bundle (PEM certificates, public), which Grafana verifies the server against (`verify-full`). */
        readonly caBundlePem: string;
    };
}

/** The network access the stack's NetworkPolicies grant beyond its own connections (components/config/network-access.ts). */
export interface NetworkAccessConfig {
    /** Namespaces whose pods may send OTLP to the agents (`*`: every namespace); none by default. */
    readonly otlpClientNamespaces: readonly string[];
    /** Node and control-plane addresses: where the agents reach the kubelet and the API server. */
    readonly nodeCidrs: readonly string[];
    /** Where the ingress controller in front of Grafana runs. */
    readonly ingressControllerNamespace: string;
}

/** Kafka buffering: the plain settings the renderers read, and where the brokers and the password come from. */
export interface KafkaConfig {
    readonly settings: KafkaSettings;
    /** Hours the topics keep records (`msk`: always; `existing`: when kafkaRetentionHours is set). */
    readonly retentionHours?: number;
    /** `existing`: the brokers' `host:port` list. */
    readonly brokers?: readonly string[];
    /** `existing`: the admin SCRAM user, used only by the program's Kafka provider (topics, ACLs, the roles' users). */
    readonly adminUsername?: string;
    /** `existing`: the admin's SCRAM password (secret). `msk` has no admin password: its admin is the deployer's IAM identity. */
    readonly password?: pulumi.Output<string>;
    /** `msk`: the cluster to create. */
    readonly msk?: MskSettings;
    /**
     * The brokers' disks, for the broker-disk alert: how many brokers, each one's data volume, and how long the topics
     * keep records (`msk`: the cluster's; `existing`: from kafkaVolumeGiB and kafkaRetentionHours, which prod requires).
     */
    readonly disk?: KafkaDisk;
}

export interface KafkaDisk {
    readonly brokers: number;
    readonly volumeGiB: number;
    readonly retentionHours: number;
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
    ingressControllerNamespace: "string",
    otlpClientNamespaces: "array",
    otlpClients: "array",
    nodeCidrs: "array",
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
    agentQueueMiB: "integer",
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
    kafkaAdminSecurityGroupIds: "array",
    kafkaInstanceType: "string",
    kafkaVolumeGiB: "integer",
    kafkaRetentionHours: "integer",
    grafanaDatabaseSubnetIds: "array",
    grafanaDatabaseClientSecurityGroupIds: "array",
    grafanaDatabaseInstanceClass: "string",
    grafanaDatabaseStorageGiB: "integer",
    grafanaDatabaseBackupDays: "integer",
    grafanaDatabaseCaBundle: "string",
    availabilityZones: "array",
    acknowledgeRisks: "array",
} as const;
export type ConfigKey = keyof typeof CONFIG_KEYS;
/** What a key holds: the type Pulumi.yaml declares for it, or `secret` (read only as a secret Output). */
export type ConfigKind = (typeof CONFIG_KEYS)[ConfigKey];

/** Defaults that differ per environment; every other default is the same for both. */
export const ENVIRONMENT_DEFAULTS: Record<Environment, {
    clusterKind: ClusterKind;
    retention: Record<Signal, string>;
    bucketForceDestroy: boolean;
    agentMemoryLimitMiB: number;
    agentQueueMiB: number;
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
        agentQueueMiB: 1024,
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
        agentQueueMiB: 4096,
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
    dataVolumeSizeGiB: 150,
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

/** Bounds, in days, of each signal's retention. */
export const RETENTION_BOUNDS: Record<Signal, { min: number; max: number }> = {
    metrics: { min: 1, max: 1825 },
    logs: { min: 1, max: 730 },
    traces: { min: 1, max: 180 },
};

/** Key names that look like they hold a credential: every such key must be of kind `secret` (a test holds CONFIG_KEYS to it). */
export const SECRET_NAME_RE = /password|passwd|token|secret|credential|webhook|api[-_]?key|private[-_]?key|key$|kubeconfig/i;

/** Secret keys whose value is a URL: it must parse and be https (checked without ever showing the value). */
export const SECRET_URL_KEYS: readonly ConfigKey[] = ["slackWebhookUrl", "deadMansSwitchUrl"];

/** The secret key that turns each integration on. */
export const INTEGRATION_KEYS: Readonly<Record<Integration, ConfigKey>> = {
    pagerduty: "pagerdutyRoutingKey",
    opsgenie: "opsgenieApiKey",
    slack: "slackWebhookUrl",
    deadmansswitch: "deadMansSwitchUrl",
};
