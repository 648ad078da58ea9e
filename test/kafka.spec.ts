// Kafka buffering as the real program renders it: prod (MSK) end to end through the offline render, existing
// brokers through the pure renderers. What would break a deploy: a plaintext or unauthenticated listener, a client
// without TLS, an env var a config reads but no pod gets, traces not keyed by trace ID, Mimir not on the brokers.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { parseStackConfig } from "../components/config";
import { backendBase } from "../components/plan";
import { placeholderInput, renderStoringBackend } from "../components/render/backends/index";
import { renderCollectors } from "../components/render/collector/index";
import type { OtelConfig } from "../components/render/collector/otel";
import { validateCollectors } from "../components/render/collector/validate";
import { KAFKA_CONSUMER_GROUP, KAFKA_MAX_MESSAGE_BYTES, KAFKA_SECRET, KAFKA_TOPICS } from "../components/render/kafka";
import { renderedStack } from "./helpers/rendered";

type Res = { type: string; name: string; inputs: Record<string, any> };
type Values = Record<string, any>;
type Pair = { agent: OtelConfig; gateway: OtelConfig };
const clone = <T>(v: T): T => structuredClone(v);

/** Every `${env:NAME}` (collector) or `${NAME}` (Mimir's -config.expand-env) a config reads. */
function envRefs(config: unknown): string[] {
    return [...new Set([...JSON.stringify(config).matchAll(/\$\{(?:env:)?([A-Z_][A-Z0-9_]*)\}/g)].map(m => m[1]))].sort();
}
const envNames = (env: Values[]) => env.map(e => e.name as string);

/** The dev stack with existing brokers, through the same config parsing as `pulumi up`. */
function existingBrokersBase() {
    return backendBase(parseStackConfig("dev", {
        values: {
            adminCidrs: JSON.stringify(["198.51.100.10/32"]),
            kafka: "existing",
            kafkaBrokers: JSON.stringify(["kafka-1.kafka.internal:9096", "kafka-0.kafka.internal:9096"]),
            kafkaUsername: "otel",
            kafkaPartitions: "4",
        },
        secrets: { kafkaPassword: "not-in-any-file" },
        awsRegion: "eu-west-1",
    }));
}

describe("Kafka buffering", () => {
    let resources: Res[];
    let pair: Pair;
    let helm: Record<string, Values>;
    before(async () => {
        const { outDir } = await renderedStack("prod");
        const read = (f: string) => YAML.parse(fs.readFileSync(path.join(outDir, f), "utf8"));
        resources = JSON.parse(fs.readFileSync(path.join(outDir, "resources.json"), "utf8"));
        pair = { agent: read("collector/agent.yaml"), gateway: read("collector/gateway.yaml") };
        helm = { agent: read("helm/otel-agent.values.yaml"), gateway: read("helm/otel-gateway.values.yaml"), mimir: read("helm/mimir.values.yaml") };
    });
    const of = (type: string) => resources.filter(r => r.type === type);

    it("prod's MSK cluster takes clients only over TLS with SASL/SCRAM, from the cluster nodes, with its own key", () => {
        const [cluster] = of("aws:msk/cluster:Cluster");
        assert.ok(cluster, "an MSK cluster");
        assert.deepEqual(cluster.inputs.clientAuthentication, { sasl: { scram: true, iam: false }, unauthenticated: false });
        assert.deepEqual(cluster.inputs.encryptionInfo.encryptionInTransit, { clientBroker: "TLS", inCluster: true });
        const [key] = of("aws:kms/key:Key");
        assert.equal(key.inputs.enableKeyRotation, true);
        assert.match(cluster.inputs.encryptionInfo.encryptionAtRestKmsKeyArn, /^arn:aws:kms:/);
        // Three subnets, three brokers: one replica of each partition per zone.
        assert.equal(cluster.inputs.brokerNodeGroupInfo.clientSubnets.length, 3);
        assert.equal(cluster.inputs.numberOfBrokerNodes, 3);

        // Reachable on the SCRAM/TLS port only, only from the configured security group.
        const rules = of("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter(r => r.name.startsWith("obs-prod-kafka"));
        assert.deepEqual(rules.map(r => [r.inputs.fromPort, r.inputs.toPort, r.inputs.referencedSecurityGroupId, r.inputs.cidrIpv4]),
            [[9096, 9096, "sg-0a1b2c3d4e5f60001", undefined]]);
        const [sg] = of("aws:ec2/securityGroup:SecurityGroup");
        assert.match(sg.inputs.vpcId, /^vpc-/, "the brokers' group is in the subnets' VPC");

        const props = of("aws:msk/configuration:Configuration")[0].inputs.serverProperties as string;
        for (const line of ["default.replication.factor=3", "min.insync.replicas=2", "unclean.leader.election.enable=false", `message.max.bytes=${KAFKA_MAX_MESSAGE_BYTES}`, "num.partitions=6"]) {
            assert.ok(props.split("\n").includes(line), line);
        }

        // The SCRAM user: a generated password in a KMS-encrypted AmazonMSK_ secret, associated with the cluster.
        const [secret] = of("aws:secretsmanager/secret:Secret");
        assert.match(secret.inputs.name, /^AmazonMSK_/);
        assert.equal(secret.inputs.kmsKeyId, cluster.inputs.encryptionInfo.encryptionAtRestKmsKeyArn);
        assert.equal(of("aws:secretsmanager/secretVersion:SecretVersion")[0].inputs.secretString, "[secret]");
        assert.equal(of("aws:msk/scramSecretAssociation:ScramSecretAssociation").length, 1);
        // Its clients get the brokers and password from a Secret in each namespace that has Kafka clients.
        const clientSecrets = of("kubernetes:core/v1:Secret").filter(r => r.inputs.metadata.name === KAFKA_SECRET);
        assert.deepEqual(clientSecrets.map(r => r.inputs.metadata.namespace).sort(), ["observability", "observability-agents"]);
        for (const s of clientSecrets) assert.equal(s.inputs.stringData, "[secret]");
    });

    it("agents write a topic per signal, spans keyed by trace ID; the gateway pods consume them as one group", () => {
        assert.deepEqual(validateCollectors(pair), []);
        const exporter = pair.agent.exporters.kafka;
        assert.deepEqual(Object.values(pair.agent.service.pipelines).map(p => p.exporters), [["kafka"], ["kafka"], ["kafka"]]);
        assert.deepEqual([exporter.traces, exporter.metrics, exporter.logs].map(t => (t as Values).topic), [KAFKA_TOPICS.traces, KAFKA_TOPICS.metrics, KAFKA_TOPICS.logs]);
        assert.equal(exporter.partition_traces_by_id, true);
        assert.equal((exporter.producer as Values).required_acks, -1, "every in-sync replica acknowledges");
        assert.equal(pair.agent.exporters.loadbalancing, undefined);

        const receiver = pair.gateway.receivers.kafka;
        assert.equal(receiver.group_id, KAFKA_CONSUMER_GROUP);
        assert.deepEqual((receiver.message_marking as Values).after, true, "a record is marked only once the pipeline took it");
        assert.deepEqual(pair.gateway.service.pipelines.traces.receivers, ["kafka"], "traces reach tail sampling only through the keyed topic");
        // Both sides: TLS and SCRAM, credentials only by reference.
        for (const client of [exporter, receiver]) {
            assert.deepEqual(client.tls, { insecure: false, insecure_skip_verify: false, min_version: "1.2" });
            assert.deepEqual((client.auth as Values).sasl, { mechanism: "SCRAM-SHA-512", username: "${env:KAFKA_USERNAME}", password: "${env:KAFKA_PASSWORD}" });
        }
    });

    it("every variable a Kafka client's config reads is set in its pods", () => {
        assert.deepEqual(envRefs(pair.agent).filter(n => n.startsWith("KAFKA_")), ["KAFKA_BROKERS_LIST", "KAFKA_PASSWORD", "KAFKA_USERNAME"]);
        for (const [config, env] of [[pair.agent, helm.agent.extraEnvs], [pair.gateway, helm.gateway.extraEnvs]] as const) {
            for (const name of envRefs(config).filter(n => n.startsWith("KAFKA_"))) assert.ok(envNames(env).includes(name), name);
        }
        const ingest = helm.mimir.mimir.structuredConfig.ingest_storage;
        const mimirRefs = envRefs(ingest);
        assert.deepEqual(mimirRefs, ["KAFKA_BROKERS", "KAFKA_PASSWORD", "KAFKA_USERNAME"]);
        for (const name of mimirRefs) assert.ok(envNames(helm.mimir.global.extraEnv).includes(name), name);
        // Secrets come from the Secret, the user name is plain.
        const password = (helm.mimir.global.extraEnv as Values[]).find(e => e.name === "KAFKA_PASSWORD")!;
        assert.deepEqual(password.valueFrom, { secretKeyRef: { name: KAFKA_SECRET, key: "password" } });
    });

    it("Mimir runs ingest storage on the same brokers over TLS, with enough partitions for its ingesters", () => {
        const cfg = helm.mimir.mimir.structuredConfig;
        const kafka = cfg.ingest_storage.kafka;
        assert.equal(cfg.ingest_storage.enabled, true);
        assert.equal(helm.mimir.kafka.enabled, false, "not the chart's demo Kafka");
        assert.equal(kafka.tls_enabled, true);
        assert.equal(kafka.sasl_mechanism, "SCRAM-SHA-512");
        assert.ok(kafka.auto_create_topic_default_partitions >= helm.mimir.ingester.replicas);
        assert.equal(cfg.distributor, undefined, "the chart's ingest-storage distributor defaults apply");
        assert.match(cfg.ruler.query_frontend.address, /^dns:\/\/\/mimir-query-frontend\.observability\.svc:9095$/);
        assert.equal(cfg.ruler.query_frontend.grpc_client_config.tls_enabled, true);
    });

    it("existing brokers: the same paths, the configured user, no password in any rendered value", () => {
        const base = existingBrokersBase();
        const { agent, gateway } = renderCollectors(base);
        assert.deepEqual(validateCollectors({ agent: agent.config, gateway: gateway.config }), []);
        assert.deepEqual(agent.config.service.pipelines.traces.exporters, ["kafka"]);
        assert.equal((agent.values.extraEnvs as Values[]).find(e => e.name === "KAFKA_USERNAME")!.value, "otel");
        const mimir = renderStoringBackend("mimir", placeholderInput(base));
        const ingest = (mimir.values.mimir as Values).structuredConfig.ingest_storage;
        assert.equal(ingest.enabled, true);
        assert.equal(ingest.kafka.auto_create_topic_default_partitions, 4);
        assert.doesNotMatch(JSON.stringify([agent.values, gateway.values, mimir.values]), /not-in-any-file/);
        // Without Kafka, dev keeps the classic path: trace-ID load balancing and Mimir's classic architecture.
        const { agent: direct } = renderCollectors(backendBase(parseStackConfig("dev", { values: { adminCidrs: JSON.stringify(["198.51.100.10/32"]) }, secrets: {}, awsRegion: "eu-west-1" })));
        assert.deepEqual(direct.config.service.pipelines.traces.exporters, ["loadbalancing"]);
    });

    it("the validator rejects each broken Kafka variant with the rule it breaks", () => {
        const cases: Array<{ what: string; edit: (p: Pair) => void; problem: RegExp }> = [
            { what: "exporter without TLS", edit: p => { delete p.agent.exporters.kafka.tls; }, problem: /agent: exporter kafka must reach the brokers over TLS/ },
            { what: "receiver without TLS", edit: p => { delete p.gateway.receivers.kafka.tls; }, problem: /gateway: receiver kafka must reach the brokers over TLS/ },
            { what: "TLS without verification", edit: p => { (p.gateway.receivers.kafka.tls as Values).insecure_skip_verify = true; }, problem: /receivers\.kafka\.tls\.insecure_skip_verify is true/ },
            { what: "no consumer group", edit: p => { delete p.gateway.receivers.kafka.group_id; }, problem: /receiver kafka needs a group_id/ },
            { what: "spans not keyed by trace ID", edit: p => { p.agent.exporters.kafka.partition_traces_by_id = false; }, problem: /must key spans by trace ID/ },
            { what: "in-memory queue in front of Kafka", edit: p => { delete (p.agent.exporters.kafka.sending_queue as Values).storage; }, problem: /exporter kafka needs a persistent queue/ },
            { what: "no retries to Kafka", edit: p => { delete p.agent.exporters.kafka.retry_on_failure; }, problem: /exporter kafka needs retry_on_failure/ },
        ];
        for (const c of cases) {
            const broken = clone(pair);
            c.edit(broken);
            const problems = validateCollectors(broken);
            assert.ok(problems.some(p => c.problem.test(p)), `${c.what}: ${JSON.stringify(problems)}`);
        }
    });
});
