import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Alertmanager } from "./alertmanager";
import type { BackendRelease } from "./backend-release";
import { TelemetryBuckets } from "./buckets";
import { backendBase, StackConfig } from "./config";
import * as net from "net";
import { GrafanaDashboards } from "./dashboards";
import { Grafana } from "./grafana";
import { GrafanaEndpoint } from "./grafana-endpoint";
import { renderDashboards } from "./render/dashboards/index";
import { KafkaBuffer, kafkaClientSecret } from "./kafka";
import { ObservabilityHost } from "./host";
import { Loki } from "./loki";
import { Mimir } from "./mimir";
import { MimirRules } from "./mimir-rules";
import { ruleFiles } from "./render/rules/index";
import { MutualTls } from "./mtls";
import { MetricsEndpoint, serviceHost } from "./render/backends/common";
import { checkedCollectors } from "./render/collector/index";
import { AGENT_NAMESPACE, AGENT_RELEASE, OTLP_GRPC_PORT } from "./render/collector/otel";
import { plannedCapacity } from "./render/plan";
import type { CapacityReport } from "./render/capacity";
import { NAMESPACE } from "./render/pki";
import { OtelAgent } from "./otel-agent";
import { OtelGateway } from "./otel-gateway";
import { Tempo } from "./tempo";

export interface ObservabilityStackArgs {
    /** The validated stack configuration (`loadConfig()`). */
    config: StackConfig;
}

/** Tags every AWS resource of the stack carries (through the provider's default tags). */
export function stackTags(config: StackConfig): Record<string, string> {
    return {
        ...config.tags,
        "observability-stack:stack": config.stack,
        "observability-stack:environment": config.environment,
        "managed-by": "pulumi",
    };
}

/**
 * The whole platform of one stack: the AWS provider with the stack's region and tags, the telemetry buckets,
 * the PKI and the Kubernetes cluster (a k3s host, or an existing cluster from its kubeconfig).
 */
export class ObservabilityStack extends pulumi.ComponentResource {
    public readonly buckets: TelemetryBuckets;
    public readonly pki: MutualTls;
    public readonly host?: ObservabilityHost;
    /** Kubeconfig of the cluster the backends run on (secret). */
    public readonly kubeconfig: pulumi.Output<string>;
    /** Provider for every Kubernetes resource that follows. */
    public readonly k8sProvider: k8s.Provider;
    public readonly alertmanager: Alertmanager;
    public readonly mimir: Mimir;
    /** The alerting and recording rules Mimir's ruler evaluates. */
    public readonly rules: MimirRules;
    public readonly loki: Loki;
    public readonly tempo: Tempo;
    public readonly grafana: Grafana;
    /** Grafana's HTTPS endpoint (an ingress with a certificate from the stack's CA) and its URL. */
    public readonly grafanaEndpoint: GrafanaEndpoint;
    public readonly grafanaUrl: pulumi.Output<string>;
    /** The dashboards, delivered through Grafana's API. */
    public readonly dashboards: GrafanaDashboards;
    public readonly gateway: OtelGateway;
    public readonly agent: OtelAgent;
    /** Kafka between the agents and the gateway, and Mimir's ingest storage (when `kafka` is not off). */
    public readonly kafka?: KafkaBuffer;
    /** Where applications send OTLP (gRPC 4317, HTTP 4318), with the `app` client certificate. */
    public readonly otlpEndpoint: { inCluster: string; public?: string };
    /** Every metrics endpoint of the backends, for the collector tier to scrape. */
    public readonly metricsEndpoints: readonly MetricsEndpoint[];
    /** Summed requests of the releases and, on the k3s host, its allocatable and headroom. */
    public readonly capacity: CapacityReport;

    constructor(name: string, args: ObservabilityStackArgs, opts?: pulumi.ComponentResourceOptions) {
        super("observability:index:ObservabilityStack", name, {}, opts);
        const config = args.config;

        const awsProvider = new aws.Provider(`${name}-aws`, {
            region: config.region,
            defaultTags: { tags: stackTags(config) },
        }, { parent: this });
        const withAws = { parent: this, providers: { aws: awsProvider } };

        this.buckets = new TelemetryBuckets(`${name}-s3`, {
            retentionDays: { metrics: config.retention.metrics.days, logs: config.retention.logs.days, traces: config.retention.traces.days },
            buckets: config.buckets,
        }, withAws);

        this.pki = new MutualTls(`${name}-pki`, {
            certificates: config.certificates,
            domain: config.domain,
            k3s: config.clusterKind === "ec2-k3s",
        }, { parent: this });

        switch (config.clusterKind) {
            case "ec2-k3s": {
                this.host = new ObservabilityHost(`${name}-host`, {
                    host: config.host,
                    region: config.region,
                    stack: config.stack,
                    ingressCidrs: config.ingressCidrs,
                    adminCidrs: config.adminCidrs,
                    domain: config.domain,
                    kmsKeyArn: config.buckets.kmsKeyArn,
                    bucketAccessPolicyJson: this.buckets.accessPolicyJson,
                    pki: this.pki.k3s!,
                }, withAws);
                this.kubeconfig = this.host.kubeconfig;
                this.k8sProvider = this.host.provider;
                break;
            }
            case "existing": {
                this.kubeconfig = pulumi.secret(config.kubeconfig!);
                this.k8sProvider = new k8s.Provider(`${name}-k8s`, { kubeconfig: this.kubeconfig, enableServerSideApply: true }, { parent: this });
                break;
            }
            default: {
                const exhaustive: never = config.clusterKind;
                throw new Error(`unknown cluster kind ${exhaustive}`);
            }
        }

        // The backends, in their own namespace, on the cluster's provider (and the stack's AWS provider for IRSA).
        const namespace = new k8s.core.v1.Namespace(`${name}-namespace`, {
            metadata: { name: NAMESPACE, labels: { "pod-security.kubernetes.io/enforce": "baseline", "pod-security.kubernetes.io/warn": "restricted" } },
        }, { parent: this, provider: this.k8sProvider });
        const base = backendBase(config);
        const withCluster = { parent: this, providers: { aws: awsProvider, kubernetes: this.k8sProvider }, dependsOn: [namespace] };
        // Kafka: the brokers and the SCRAM credentials its clients (Mimir, the gateway) read from the kafka-client Secret.
        let kafkaSecret: k8s.core.v1.Secret | undefined;
        if (config.kafka) {
            this.kafka = new KafkaBuffer(`${name}-kafka`, { kafka: config.kafka, stack: config.stack }, withAws);
            kafkaSecret = kafkaClientSecret(`${name}-kafka-client`, NAMESPACE, this.kafka.clientSecretData,
                { parent: this, provider: this.k8sProvider, dependsOn: [namespace] });
        }
        const kafkaDeps = kafkaSecret ? [kafkaSecret] : [];
        const servers = this.pki.servers;
        const ca = this.pki.caCertPem;
        const storing = (backend: "loki" | "tempo" | "mimir") => ({
            base,
            serverTls: servers[backend],
            caCertPem: ca,
            buckets: this.buckets.bucketNames,
            bucketPolicyJson: this.buckets.policyJsonFor([backend]),
            oidcProvider: config.oidcProvider,
        });
        this.alertmanager = new Alertmanager(`${name}-alertmanager`, {
            base, serverTls: servers.alertmanager, caCertPem: ca, credentials: config.alerting.credentials,
        }, withCluster);
        // Grafana's endpoint: its name (grafanaUrl, or grafana.<domain>), or on a k3s host without one the host's
        // public IP; the certificate is issued here, once that address exists, so the expiry rules below include it.
        const grafanaHost = config.grafanaUrl ? new URL(config.grafanaUrl).hostname : undefined;
        if (grafanaHost === undefined && !this.host) throw new Error("ObservabilityStack: no Grafana URL for an existing cluster (config requires grafanaUrl or domain)");
        const byIp = grafanaHost !== undefined && net.isIP(grafanaHost) !== 0;
        const endpointTls = this.pki.issueServer(`${name}-pki-grafana-endpoint`, {
            certificate: "grafana-endpoint",
            commonName: grafanaHost ?? "grafana",
            dnsNames: grafanaHost && !byIp ? [grafanaHost] : undefined,
            ipAddresses: grafanaHost ? (byIp ? [grafanaHost] : undefined) : [this.host!.publicIp],
        });
        this.grafanaUrl = config.grafanaUrl ? pulumi.output(config.grafanaUrl) : pulumi.interpolate`https://${this.host!.publicIp}`;

        // The rule catalogue, the SLOs from config and the expiry of every certificate the PKI issued.
        const content = config.content;
        this.rules = new MimirRules(`${name}-rules`, {
            namespace: NAMESPACE,
            files: this.pki.validity.apply(certificates => ruleFiles({ ...content, certificates })),
        }, withCluster);
        this.mimir = new Mimir(`${name}-mimir`, storing("mimir"), { ...withCluster, dependsOn: [namespace, this.rules, ...kafkaDeps] });
        this.loki = new Loki(`${name}-loki`, storing("loki"), withCluster);
        this.tempo = new Tempo(`${name}-tempo`, storing("tempo"), withCluster);
        this.grafana = new Grafana(`${name}-grafana`, {
            base, serverTls: servers.grafana, caCertPem: ca, clientTls: this.pki.clients.grafana,
        }, withCluster);
        this.grafanaEndpoint = new GrafanaEndpoint(`${name}-grafana-endpoint`, {
            namespace: NAMESPACE,
            tls: endpointTls,
            host: grafanaHost && !byIp ? grafanaHost : undefined,
            k3sTraefik: config.clusterKind === "ec2-k3s",
            controller: config.ingressController,
            caCertPem: ca,
        }, withCluster);
        this.dashboards = new GrafanaDashboards(`${name}-dashboards`, {
            url: this.grafanaUrl,
            adminPassword: this.grafana.adminPassword,
            caCertPem: ca,
            dashboards: renderDashboards(content),
        }, { parent: this, dependsOn: [this.grafana, this.grafanaEndpoint] });
        // The collectors, rendered and validated once: the gateway after the backends it exports to, the agents after it.
        const collectors = checkedCollectors(base);
        this.gateway = new OtelGateway(`${name}-otel-gateway`, {
            base, plan: collectors.gateway, serverTls: servers["otel-gateway"], caCertPem: ca, clientTls: this.pki.clients["otel-gateway"],
        }, { ...withCluster, dependsOn: [namespace, ...kafkaDeps, this.mimir, this.loki, this.tempo] });
        this.agent = new OtelAgent(`${name}-otel-agent`, {
            base, plan: collectors.agent, serverTls: servers["otel-agent"], caCertPem: ca, clientTls: this.pki.clients["otel-agent"], ingressCidrs: config.ingressCidrs,
            kafkaClientSecretData: this.kafka?.clientSecretData,
        }, { ...withCluster, dependsOn: [this.gateway] });
        this.otlpEndpoint = {
            inCluster: `${serviceHost(AGENT_RELEASE, AGENT_NAMESPACE)}:${OTLP_GRPC_PORT}`,
            ...(config.domain && config.ingressCidrs.length > 0 ? { public: `otlp.${config.domain}:${OTLP_GRPC_PORT}` } : {}),
        };
        const releases: BackendRelease[] = [this.alertmanager, this.mimir, this.loki, this.tempo, this.grafana];
        this.metricsEndpoints = releases.flatMap(r => r.metrics);

        this.capacity = plannedCapacity(base, config.clusterKind === "ec2-k3s" ? config.host.instanceType : undefined);

        this.registerOutputs({ kubeconfig: this.kubeconfig, bucketNames: this.buckets.bucketNames });
    }
}
