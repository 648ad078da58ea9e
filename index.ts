// The Pulumi program, wired top to bottom like the architecture: config → plan → AWS (buckets, PKI) → cluster (a k3s
// host or an existing cluster) → Kafka → backends (Alertmanager, Mimir with its rules, Loki, Tempo, Grafana and its
// endpoint, dashboards) → collectors (gateway, then agents). Exported as a function so that the Pulumi CLI, the
// offline render (scripts/render.ts) and the Automation API (automation/) all run this same code.
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import { Alertmanager } from "./components/alertmanager";
import { TelemetryBuckets } from "./components/buckets";
import { ExistingCluster, StackCluster, stackTags } from "./components/cluster";
import { loadConfig } from "./components/config";
import { GrafanaDashboards } from "./components/dashboards";
import { Grafana } from "./components/grafana";
import { GrafanaDatabase } from "./components/grafana-database";
import { GrafanaEndpoint } from "./components/grafana-endpoint";
import { ObservabilityHost } from "./components/host";
import { KafkaBuffer, kafkaClientSecret } from "./components/kafka";
import { Loki } from "./components/loki";
import { Mimir } from "./components/mimir";
import { MimirRules } from "./components/mimir-rules";
import { MutualTls } from "./components/mtls";
import { NetworkPolicies } from "./components/network-policies";
import { OtelAgent } from "./components/otel-agent";
import { OtelGateway } from "./components/otel-gateway";
import { planStack } from "./components/plan";
import { Tempo } from "./components/tempo";
import { DATA_PATH_PRIORITY, DATA_PATH_PRIORITY_CLASS, serviceHost } from "./components/render/backends/common";
import { AGENT_NAMESPACE, AGENT_RELEASE, OTLP_GRPC_PORT } from "./components/render/collector/otel";
import { renderDashboards } from "./components/render/dashboards/index";
import { RESTRICTED_NAMESPACE_LABELS } from "./components/render/backends/common";
import { NAMESPACE } from "./components/render/pki";
import { ruleFiles } from "./components/render/rules/index";

async function program() {
    // What to deploy: the validated config (one report of every problem), rendered once into the plan.
    const config = loadConfig();
    const plan = planStack(config);
    const name = `obs-${config.stack}`;

    // AWS: a provider with the stack's region and tags, the telemetry buckets and the stack's PKI (mTLS everywhere).
    const awsProvider = new aws.Provider(`${name}-aws`, { region: config.region, defaultTags: { tags: stackTags(config) } });
    const withAws = { providers: { aws: awsProvider } };
    const buckets = new TelemetryBuckets(`${name}-s3`, {
        retentionDays: { metrics: config.retention.metrics.days, logs: config.retention.logs.days, traces: config.retention.traces.days },
        buckets: config.buckets,
    }, withAws);
    const pki = new MutualTls(`${name}-pki`, {
        certificates: config.certificates, domain: config.domain, k3s: config.clusterKind === "ec2-k3s", otlpClients: config.otlpClients,
    });

    // The cluster: a single EC2 host running k3s (dev), or an existing cluster from its kubeconfig (prod).
    const host = config.clusterKind === "ec2-k3s"
        ? new ObservabilityHost(`${name}-host`, {
            host: config.host, region: config.region, stack: config.stack, ingressCidrs: config.ingressCidrs, adminCidrs: config.adminCidrs,
            domain: config.domain, kmsKeyArn: config.buckets.kmsKeyArn, pki: pki.k3s!,
        }, withAws)
        : undefined;
    const cluster: StackCluster = host ?? new ExistingCluster(`${name}-cluster`, { kubeconfig: config.kubeconfig! });
    const namespace = new k8s.core.v1.Namespace(`${name}-namespace`, {
        metadata: { name: NAMESPACE, labels: RESTRICTED_NAMESPACE_LABELS },
    }, { provider: cluster.provider });
    // prod shares its cluster: the data path (collectors, distributors, ingesters, Alertmanager) is scheduled, and
    // kept, before lower-priority pods when the cluster runs short.
    const priority = config.environment === "prod"
        ? [new k8s.scheduling.v1.PriorityClass(`${name}-data-path`, {
            metadata: { name: DATA_PATH_PRIORITY_CLASS },
            value: DATA_PATH_PRIORITY, globalDefault: false, preemptionPolicy: "PreemptLowerPriority",
            description: "observability-stack's data path: the collectors, distributors, ingesters and Alertmanager",
        }, { provider: cluster.provider })]
        : [];
    const withCluster = { providers: { aws: awsProvider, kubernetes: cluster.provider }, dependsOn: [namespace, ...priority] };

    // Kafka (optional): the brokers, topics, and a SCRAM user per client role with its ACLs; each role reads its own
    // credentials from its own Secret (Mimir's and the gateway's here, the agents' in their namespace).
    const kafka = config.kafka && new KafkaBuffer(`${name}-kafka`, { kafka: config.kafka, stack: config.stack }, withAws);
    const kafkaSecret = (role: "gateway" | "mimir") => kafka
        ? [kafkaClientSecret(`${name}-kafka-${role}`, role, NAMESPACE, kafka.clientSecretData[role], { provider: cluster.provider, dependsOn: [namespace] })]
        : [];
    const [kafkaMimir, kafkaGateway] = [kafkaSecret("mimir"), kafkaSecret("gateway")];

    // The backends, each with its server certificate; Loki, Tempo and Mimir store in their buckets.
    const { base, backends } = plan;
    const ca = pki.caCertPem;
    const storing = (backend: "loki" | "tempo" | "mimir") => ({
        base, plan: backends[backend], serverTls: pki.servers[backend], clientTls: pki.clients[backend], caCertPem: ca,
        buckets: buckets.bucketNames, bucketPolicyJson: buckets.policyJsonFor([backend]),
        // Each backend's own role trusts the cluster's OIDC provider: the k3s host's published issuer, or the existing cluster's.
        oidcProvider: host?.oidcProvider ?? config.oidcProvider!,
    });
    const alertmanager = new Alertmanager(`${name}-alertmanager`, {
        base, plan: backends.alertmanager, serverTls: pki.servers.alertmanager, clientTls: pki.clients.alertmanager, caCertPem: ca,
        credentials: config.alerting.credentials,
    }, withCluster);
    // Grafana's endpoint issues its certificate first, so that the certificate-expiry rules below include it.
    const grafanaEndpoint = new GrafanaEndpoint(`${name}-grafana-endpoint`, {
        namespace: NAMESPACE, pki, grafanaUrl: config.grafanaUrl, k3sHostIp: host?.publicIp, controller: config.ingressController, caCertPem: ca,
    }, withCluster);
    const rules = new MimirRules(`${name}-rules`, {
        namespace: NAMESPACE,
        files: pki.validity.apply(certificates => ruleFiles({ ...config.content, certificates, kafkaDisk: config.kafka?.disk })),
    }, withCluster);
    const mimir = new Mimir(`${name}-mimir`, storing("mimir"), { ...withCluster, dependsOn: [namespace, ...priority, rules, ...kafkaMimir] });
    const loki = new Loki(`${name}-loki`, storing("loki"), withCluster);
    const tempo = new Tempo(`${name}-tempo`, storing("tempo"), withCluster);
    // prod: Grafana's replicas share an RDS PostgreSQL in the cluster's VPC (TLS verified, Multi-AZ); dev keeps SQLite.
    const grafanaDatabase = config.grafanaDatabase
        && new GrafanaDatabase(`${name}-grafana-db`, { database: config.grafanaDatabase, kmsKeyArn: config.buckets.kmsKeyArn }, withAws);
    const grafana = new Grafana(`${name}-grafana`, {
        base, plan: backends.grafana, serverTls: pki.servers.grafana, caCertPem: ca, clientTls: pki.clients.grafana,
        database: grafanaDatabase?.connection,
    }, withCluster);
    new GrafanaDashboards(`${name}-dashboards`, {
        url: grafanaEndpoint.url, adminPassword: grafana.adminPassword, caCertPem: ca, dashboards: renderDashboards(config.content),
    }, { dependsOn: [grafana, grafanaEndpoint] });

    // The collectors: the gateway after the backends it exports to, the agents after the gateway.
    const gateway = new OtelGateway(`${name}-otel-gateway`, {
        base, plan: plan.collectors.gateway, serverTls: pki.servers["otel-gateway"], caCertPem: ca, clientTls: pki.clients["otel-gateway"],
    }, { ...withCluster, dependsOn: [namespace, ...priority, ...kafkaGateway, mimir, loki, tempo] });
    const agent = new OtelAgent(`${name}-otel-agent`, {
        base, plan: plan.collectors.agent, serverTls: pki.servers["otel-agent"], caCertPem: ca, clientTls: pki.clients["otel-agent"], otlpClientCaPem: pki.otlpClientCaPem,
        ingressCidrs: config.ingressCidrs, kafkaClientSecretData: kafka?.clientSecretData.agent,
    }, { ...withCluster, dependsOn: [gateway] });
    // Least privilege on the network, once both namespaces exist: default-deny, then only the stack's own connections.
    new NetworkPolicies(`${name}-network`, { plan, config }, { ...withCluster, dependsOn: [namespace, agent] });

    return {
        environment: config.environment,
        clusterKind: config.clusterKind,
        region: config.region,
        bucketNames: buckets.bucketNames,
        bucketAccessPolicy: buckets.accessPolicyJson,
        caCertPem: pki.caCertPem,
        kubeconfig: cluster.kubeconfig,
        grafanaAdminPassword: grafana.adminPassword,
        grafanaUrl: grafanaEndpoint.url,
        releases: [alertmanager, mimir, loki, tempo, grafana, gateway, agent].map(b => b.release.name),
        otlpEndpoint: {
            inCluster: `${serviceHost(AGENT_RELEASE, AGENT_NAMESPACE)}:${OTLP_GRPC_PORT}`,
            ...(config.domain && config.ingressCidrs.length > 0 ? { public: `otlp.${config.domain}:${OTLP_GRPC_PORT}` } : {}),
        },
        // One client certificate per application (`otlpClients`), name → { certPem, keyPem (secret) }.
        otlpClients: pki.otlpClients,
        metricsEndpoints: [alertmanager, mimir, loki, tempo, grafana].flatMap(r => r.metrics),
        backendRequests: plan.capacity,
        ...(plan.disk ? { dataVolume: plan.disk } : {}),
        ...(host ? { hostPublicIp: host.publicIp, hostInstanceId: host.instanceId } : {}),
    };
}

export = program;
