// Kafka buffering as the real program renders it, with least privilege: prod (MSK) end to end through the offline
// render, the Kafka component for existing brokers under the project's mocks, the pure renderers. What would break a
// deploy or widen access: a plaintext or unauthenticated listener, a client without TLS, an env var a config reads but
// no pod gets, traces not keyed by trace ID, a shared login, an ACL beyond a role's topics and group, a topic created
// on first use, one role's password in another role's Secret or namespace.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { ConfigError, parseStackConfig } from "../components/config";
import type { KafkaConfig } from "../components/config/schema";
import { KafkaBuffer } from "../components/kafka";
import { backendBase } from "../components/plan";
import { placeholderInput, renderStoringBackend } from "../components/render/backends/index";
import { renderCollectors } from "../components/render/collector/index";
import type { OtelConfig } from "../components/render/collector/otel";
import { validateCollectors } from "../components/render/collector/validate";
import { KAFKA_CONSUMER_GROUP, KAFKA_MAX_MESSAGE_BYTES, KAFKA_ROLE_SECRETS, KAFKA_ROLES, KAFKA_TOPICS, KAFKA_USERS, KafkaRole } from "../components/render/kafka";
import { OfflineMocks, Registration } from "../offline/mocks";
import { renderedStack } from "./helpers/rendered";

type Res = { type: string; name: string; inputs: Record<string, any>; provider?: string };
type Values = Record<string, any>;
type Pair = { agent: OtelConfig; gateway: OtelConfig };
const clone = <T>(v: T): T => structuredClone(v);

/** Every `${env:NAME}` (collector) or `${NAME}` (Mimir's -config.expand-env) a config reads. */
function envRefs(config: unknown): string[] {
    return [...new Set([...JSON.stringify(config).matchAll(/\$\{(?:env:)?([A-Z_][A-Z0-9_]*)\}/g)].map(m => m[1]))].sort();
}
const envNames = (env: Values[]) => env.map(e => e.name as string);
/** The Secrets a workload's env entries read. */
const secretsRead = (env: Values[]) => [...new Set(env.map(e => e.valueFrom?.secretKeyRef?.name).filter(Boolean))].sort();

/** An ACL as `principal resourceType:name(pattern) operation permission host`. */
const aclLine = (a: Values) => `${a.aclPrincipal} ${a.aclResourceType}:${a.aclResourceName}(${a.resourcePatternTypeFilter}) ${a.aclOperation} ${a.aclPermissionType} ${a.aclHost}`;
/** Every ACL the program may create, written out: agents write the OTLP topics; the gateway reads them in its group; Mimir its topic and groups. */
const EXPECTED_ACLS = [
    "User:otel-agent Topic:otlp_spans(Literal) Write Allow *",
    "User:otel-agent Topic:otlp_metrics(Literal) Write Allow *",
    "User:otel-agent Topic:otlp_logs(Literal) Write Allow *",
    "User:otel-gateway Topic:otlp_spans(Literal) Read Allow *",
    "User:otel-gateway Topic:otlp_metrics(Literal) Read Allow *",
    "User:otel-gateway Topic:otlp_logs(Literal) Read Allow *",
    "User:otel-gateway Group:otel-gateway(Literal) Read Allow *",
    "User:mimir Topic:mimir-ingest(Literal) Write Allow *",
    "User:mimir Topic:mimir-ingest(Literal) Read Allow *",
    "User:mimir Group:mimir-ingester-(Prefixed) Read Allow *",
].sort();

/** What is wrong with a set of ACLs, by the least-privilege rules (beyond not being exactly the expected set). */
function aclProblems(acls: readonly Values[]): string[] {
    const problems: string[] = [];
    const roleUsers = Object.values(KAFKA_USERS).map(u => `User:${u}`);
    for (const a of acls) {
        const line = aclLine(a);
        if (!roleUsers.includes(a.aclPrincipal)) problems.push(`${line}: not a client role's user`);
        if (a.aclResourceName === "*" || !["Literal", "Prefixed"].includes(a.resourcePatternTypeFilter)) problems.push(`${line}: a wildcard resource`);
        if (!["Topic", "Group"].includes(a.aclResourceType)) problems.push(`${line}: beyond topics and groups`);
        if (!["Read", "Write"].includes(a.aclOperation)) problems.push(`${line}: more than read or write`);
        if (!EXPECTED_ACLS.includes(line)) problems.push(`${line}: not in the roles' grants`);
    }
    const lines = acls.map(aclLine);
    for (const e of EXPECTED_ACLS) if (!lines.includes(e)) problems.push(`${e}: missing`);
    return problems;
}

/** A value the offline mocks received, with any secret wrapper removed. */
function unwrap(v: unknown): any {
    const o = v as Record<string, unknown> | null;
    return o !== null && typeof o === "object" && "4dabf18193072939515e22adb298388d" in o ? o.value : v;
}
const resolve = <T>(o: pulumi.Output<T>) => new Promise<T>(res => o.apply(v => { res(v); return v; }));

/** The Kafka component under the project's mocks: its raw registrations (secrets readable) and each role's Secret data. */
async function kafkaComponent(kafka: KafkaConfig, stack: string): Promise<{ regs: Registration[]; data: Record<KafkaRole, Record<string, string>> }> {
    const mocks = new OfflineMocks("eu-west-1");
    await pulumi.runtime.setMocks(mocks, "observability-stack", stack, false);
    const buffer = new KafkaBuffer(`obs-${stack}-kafka`, { kafka, stack });
    const data = Object.fromEntries(await Promise.all(KAFKA_ROLES.map(async r => [r, await resolve(buffer.clientSecretData[r])] as const)));
    return { regs: mocks.registrations, data: data as Record<KafkaRole, Record<string, string>> };
}

/** Each role's Secret must carry that role's SCRAM password (as its user was created with) and no other's. */
function secretProblems(users: Record<string, string>, data: Record<KafkaRole, Record<string, string>>): string[] {
    const problems: string[] = [];
    for (const role of KAFKA_ROLES) {
        const pw = data[role].password;
        if (pw !== users[KAFKA_USERS[role]]) problems.push(`${KAFKA_ROLE_SECRETS[role]} does not hold ${KAFKA_USERS[role]}'s password`);
        for (const [user, other] of Object.entries(users)) if (user !== KAFKA_USERS[role] && other === pw) problems.push(`${KAFKA_ROLE_SECRETS[role]} holds ${user}'s password`);
    }
    if (new Set(Object.values(users)).size !== KAFKA_ROLES.length) problems.push("two roles share a password");
    return problems;
}

const EXISTING = {
    adminCidrs: JSON.stringify(["198.51.100.10/32"]),
    kafka: "existing",
    kafkaBrokers: JSON.stringify(["kafka-1.kafka.internal:9096", "kafka-0.kafka.internal:9096"]),
    kafkaUsername: "ops-admin",
    kafkaPartitions: "4",
};
/** The dev stack with existing brokers, through the same config parsing as `pulumi up`. */
const existingConfig = (values: Record<string, string> = EXISTING) =>
    parseStackConfig("dev", { values, secrets: { kafkaPassword: "not-in-any-file" }, awsRegion: "eu-west-1" });

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

    it("prod's MSK cluster takes clients only over TLS with SCRAM, its admin only over IAM, with its own key", () => {
        const [cluster] = of("aws:msk/cluster:Cluster");
        assert.ok(cluster, "an MSK cluster");
        assert.deepEqual(cluster.inputs.clientAuthentication, { sasl: { scram: true, iam: true }, unauthenticated: false });
        assert.deepEqual(cluster.inputs.encryptionInfo.encryptionInTransit, { clientBroker: "TLS", inCluster: true });
        const [key] = of("aws:kms/key:Key");
        assert.equal(key.inputs.enableKeyRotation, true);
        assert.match(cluster.inputs.encryptionInfo.encryptionAtRestKmsKeyArn, /^arn:aws:kms:/);
        assert.equal(cluster.inputs.brokerNodeGroupInfo.clientSubnets.length, 3);
        assert.equal(cluster.inputs.numberOfBrokerNodes, 3);
        // SCRAM (9096) from the nodes; IAM (9098, the deploy's admin) from the admin groups, by default the same nodes.
        const rules = of("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter(r => r.name.startsWith("obs-prod-kafka"));
        assert.deepEqual(rules.map(r => [r.inputs.fromPort, r.inputs.toPort, r.inputs.referencedSecurityGroupId, r.inputs.cidrIpv4]),
            [[9096, 9096, "sg-0a1b2c3d4e5f60001", undefined], [9098, 9098, "sg-0a1b2c3d4e5f60001", undefined]]);

        // Nobody is allowed what no ACL grants, nothing is created on first use, and no super user is configured.
        const props = (of("aws:msk/configuration:Configuration")[0].inputs.serverProperties as string).split("\n");
        for (const line of ["allow.everyone.if.no.acl.found=false", "auto.create.topics.enable=false", "default.replication.factor=3", "min.insync.replicas=2",
            "unclean.leader.election.enable=false", `message.max.bytes=${KAFKA_MAX_MESSAGE_BYTES}`]) assert.ok(props.includes(line), line);
        assert.equal(props.filter(l => /^(super\.users|allow\.everyone|auto\.create)/.test(l)).length, 2, "no super.users, each switch once");
    });

    it("one SCRAM user per role on MSK: an AmazonMSK_ secret each (the cluster's key), associated with the cluster", () => {
        const secrets = of("aws:secretsmanager/secret:Secret").filter(s => s.name.startsWith("obs-prod-kafka"));
        assert.deepEqual(secrets.map(s => s.inputs.name).sort(), ["otel-agent", "otel-gateway", "mimir"].map(u => `AmazonMSK_observability-prod_${u}`).sort());
        const keyArn = of("aws:msk/cluster:Cluster")[0].inputs.encryptionInfo.encryptionAtRestKmsKeyArn;
        for (const s of secrets) assert.equal(s.inputs.kmsKeyId, keyArn);
        for (const v of of("aws:secretsmanager/secretVersion:SecretVersion").filter(s => s.name.startsWith("obs-prod-kafka"))) assert.equal(v.inputs.secretString, "[secret]");
        const [association] = of("aws:msk/scramSecretAssociation:ScramSecretAssociation");
        assert.equal(association.inputs.secretArnLists.length, 3);
        assert.deepEqual(of("random:index/randomPassword:RandomPassword").filter(p => p.name.includes("-kafka-")).map(p => p.name).sort(),
            ["obs-prod-kafka-agent-scram", "obs-prod-kafka-gateway-scram", "obs-prod-kafka-mimir-scram"]);
    });

    it("the admin is the deploy's IAM identity on the brokers' IAM listener; topics and ACLs go through it", () => {
        const [admin] = of("pulumi:providers:kafka");
        assert.equal(admin.inputs.saslMechanism, "aws-iam");
        assert.equal(admin.inputs.saslAwsRegion, "eu-west-1");
        assert.equal(admin.inputs.saslPassword, undefined, "no admin password");
        assert.ok(JSON.parse(admin.inputs.bootstrapServers).every((b: string) => b.endsWith(":9098")));
        for (const r of [...of("kafka:index/topic:Topic"), ...of("kafka:index/acl:Acl")]) assert.equal(r.provider, admin.name, r.name);
    });

    it("each role's ACLs are exactly its topics and group: no wildcard, nothing on the cluster, read or write only", () => {
        const acls = of("kafka:index/acl:Acl").map(r => r.inputs);
        assert.deepEqual(acls.map(aclLine).sort(), EXPECTED_ACLS);
        assert.deepEqual(aclProblems(acls), []);
        const cases: Array<{ what: string; edit: (a: Values[]) => void; problem: RegExp }> = [
            { what: "a wildcard topic", edit: a => { a[0].aclResourceName = "*"; }, problem: /wildcard resource/ },
            { what: "a prefix that matches every topic", edit: a => { a[0].aclResourceName = "otlp"; a[0].resourcePatternTypeFilter = "Prefixed"; }, problem: /not in the roles' grants/ },
            { what: "ALL on the cluster", edit: a => { a.push({ ...a[0], aclResourceType: "Cluster", aclResourceName: "kafka-cluster", aclOperation: "All" }); }, problem: /beyond topics and groups.*|more than read or write/ },
            { what: "the agents reading the spans", edit: a => { a.push({ ...a[0], aclOperation: "Read" }); }, problem: /User:otel-agent Topic:otlp_spans\(Literal\) Read Allow \*: not in the roles' grants/ },
            { what: "the gateway writing", edit: a => { a.push({ ...a[3], aclOperation: "Write" }); }, problem: /User:otel-gateway .* Write .*not in the roles' grants/ },
            { what: "a shared login", edit: a => { a.push({ ...a[0], aclPrincipal: "User:observability" }); }, problem: /not a client role's user/ },
            { what: "the gateway's group lost", edit: a => { a.splice(a.findIndex(x => x.aclResourceType === "Group" && x.aclPrincipal === "User:otel-gateway"), 1); }, problem: /Group:otel-gateway\(Literal\) Read Allow \*: missing/ },
            { what: "topic creation", edit: a => { a.push({ ...a[7], aclOperation: "Create" }); }, problem: /more than read or write/ },
        ];
        for (const c of cases) {
            const broken = clone(acls);
            c.edit(broken);
            const problems = aclProblems(broken);
            assert.ok(problems.some(p => c.problem.test(p)), `${c.what}: ${JSON.stringify(problems)}`);
        }
    });

    it("the program creates the four topics (configured partitions, 3 replicas, 2 in sync); no client creates one", () => {
        const topics = of("kafka:index/topic:Topic").map(t => t.inputs);
        assert.deepEqual(topics.map(t => t.name).sort(), Object.values(KAFKA_TOPICS).sort());
        for (const t of topics) {
            assert.deepEqual([t.partitions, t.replicationFactor, t.config["min.insync.replicas"], t.config["retention.ms"]], [6, 3, "2", String(24 * 3_600_000)], t.name);
        }
        assert.equal(topics.find(t => t.name === KAFKA_TOPICS.mimir)!.config["max.message.bytes"], String(KAFKA_MAX_MESSAGE_BYTES));
        assert.equal((pair.agent.exporters.kafka.producer as Values).allow_auto_topic_creation, false);
        const kafka = helm.mimir.mimir.structuredConfig.ingest_storage.kafka;
        assert.equal(kafka.auto_create_topic_enabled, false);
        assert.equal(kafka.consumer_group, undefined, "Mimir's default groups (the ingesters' instance IDs), which its prefixed ACL covers");
    });

    it("each role's Secret is only in the namespace where that role runs, and each pod reads only its own", () => {
        const secrets = of("kubernetes:core/v1:Secret").filter(r => /^kafka/.test(r.inputs.metadata.name));
        assert.deepEqual(secrets.map(r => `${r.inputs.metadata.namespace}/${r.inputs.metadata.name}`).sort(),
            ["observability-agents/kafka-otel-agent", "observability/kafka-mimir", "observability/kafka-otel-gateway"]);
        for (const s of secrets) assert.equal(s.inputs.stringData, "[secret]");
        const env = { agent: helm.agent.extraEnvs as Values[], gateway: helm.gateway.extraEnvs as Values[], mimir: helm.mimir.global.extraEnv as Values[] };
        for (const role of KAFKA_ROLES) {
            assert.deepEqual(secretsRead(env[role]), [KAFKA_ROLE_SECRETS[role]], role);
            assert.equal(env[role].find(e => e.name === "KAFKA_USERNAME")!.value, KAFKA_USERS[role], role);
        }
    });

    it("each Secret holds its role's password, as its MSK user was created, and no other role's", async () => {
        const msk: KafkaConfig = {
            settings: { mode: "msk", partitions: 6 },
            msk: { subnetIds: ["subnet-0a1b2c3d", "subnet-4e5f6a7b", "subnet-8c9d0e1f"], clientSecurityGroupIds: ["sg-0a1b2c3d"], adminSecurityGroupIds: ["sg-4e5f6a7b"],
                instanceType: "kafka.m7g.large", volumeGiB: 100, retentionHours: 24, kafkaVersion: "3.9.x" },
        };
        const { regs, data } = await kafkaComponent(msk, "prod");
        const users = Object.fromEntries(regs.filter(r => r.type === "aws:secretsmanager/secretVersion:SecretVersion")
            .map(r => JSON.parse(unwrap(r.inputs.secretString))).map(u => [u.username, u.password]));
        assert.deepEqual(Object.keys(users).sort(), Object.values(KAFKA_USERS).sort());
        assert.deepEqual(secretProblems(users, data), []);
        assert.ok(data.agent.brokers.split(",").every(b => b.endsWith(":9096")), "clients on the SCRAM listener");
        // Mutation: the agents' Secret with the gateway's password.
        const broken = { ...data, agent: { ...data.agent, password: data.gateway.password } };
        assert.ok(secretProblems(users, broken).some(p => /kafka-otel-agent holds otel-gateway's password/.test(p)), JSON.stringify(secretProblems(users, broken)));
    });

    it("existing brokers: the configured admin creates each role's SCRAM user, the same topics and ACLs", async () => {
        const config = existingConfig();
        assert.equal(config.kafka!.adminUsername, "ops-admin");
        const { regs, data } = await kafkaComponent(config.kafka!, "dev");
        const of2 = (type: string) => regs.filter(r => r.type === type);
        assert.equal(of2("aws:msk/cluster:Cluster").length, 0);
        const [admin] = of2("pulumi:providers:kafka");
        assert.deepEqual([admin.inputs.saslMechanism, admin.inputs.saslUsername, unwrap(admin.inputs.saslPassword), String(admin.inputs.tlsEnabled)], ["scram-sha512", "ops-admin", "not-in-any-file", "true"]);
        const creds = of2("kafka:index/userScramCredential:UserScramCredential");
        assert.deepEqual(creds.map(c => [c.inputs.username, c.inputs.scramMechanism]).sort(), Object.values(KAFKA_USERS).map(u => [u, "SCRAM-SHA-512"]).sort());
        const users = Object.fromEntries(creds.map(c => [c.inputs.username, unwrap(c.inputs.password)]));
        assert.deepEqual(secretProblems(users, data), []);
        assert.deepEqual(aclProblems(of2("kafka:index/acl:Acl").map(r => r.inputs)), []);
        const topics = of2("kafka:index/topic:Topic").map(t => t.inputs as Values);
        assert.deepEqual(topics.map(t => [t.name, t.partitions, t.replicationFactor, t.config["retention.ms"]]).sort(),
            Object.values(KAFKA_TOPICS).map(n => [n, 4, 3, undefined]).sort());
        assert.deepEqual(data.mimir.brokers, "kafka-0.kafka.internal:9096,kafka-1.kafka.internal:9096");
        // The admin cannot be a role's user: the program sets those passwords.
        assert.throws(() => existingConfig({ ...EXISTING, kafkaUsername: "otel-gateway" }),
            (e: unknown) => e instanceof ConfigError && e.problems.some(p => p.key.endsWith("kafkaUsername") && /client role/.test(p.message)));
        assert.throws(() => existingConfig({ ...EXISTING, kafkaAdminSecurityGroupIds: JSON.stringify(["sg-0a1b2c3d"]) }),
            (e: unknown) => e instanceof ConfigError && e.problems.some(p => p.key.endsWith("kafkaAdminSecurityGroupIds") && /only read with kafka msk/.test(p.message)));
    });

    it("agents write a topic per signal, spans keyed by trace ID; the gateway pods consume them as one group", () => {
        assert.deepEqual(validateCollectors(pair), []);
        const exporter = pair.agent.exporters.kafka;
        assert.deepEqual(Object.values(pair.agent.service.pipelines).map(p => p.exporters), [["kafka"], ["kafka"], ["kafka"]]);
        assert.deepEqual([exporter.traces, exporter.metrics, exporter.logs].map(t => (t as Values).topic), [KAFKA_TOPICS.traces, KAFKA_TOPICS.metrics, KAFKA_TOPICS.logs]);
        assert.equal(exporter.partition_traces_by_id, true);
        assert.equal((exporter.producer as Values).required_acks, -1, "every in-sync replica acknowledges");
        assert.equal(pair.agent.exporters.load_balancing, undefined);
        const receiver = pair.gateway.receivers.kafka;
        assert.equal(receiver.group_id, KAFKA_CONSUMER_GROUP);
        assert.deepEqual((receiver.message_marking as Values).after, true, "a record is marked only once the pipeline took it");
        assert.deepEqual(pair.gateway.service.pipelines.traces.receivers, ["kafka"], "traces reach tail sampling only through the keyed topic");
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
        const mimirRefs = envRefs(helm.mimir.mimir.structuredConfig.ingest_storage);
        assert.deepEqual(mimirRefs, ["KAFKA_BROKERS", "KAFKA_PASSWORD", "KAFKA_USERNAME"]);
        for (const name of mimirRefs) assert.ok(envNames(helm.mimir.global.extraEnv).includes(name), name);
        const password = (helm.mimir.global.extraEnv as Values[]).find(e => e.name === "KAFKA_PASSWORD")!;
        assert.deepEqual(password.valueFrom, { secretKeyRef: { name: "kafka-mimir", key: "password" } });
    });

    it("Mimir runs ingest storage on the same brokers over TLS, on the topic the program created", () => {
        const cfg = helm.mimir.mimir.structuredConfig;
        const kafka = cfg.ingest_storage.kafka;
        assert.equal(cfg.ingest_storage.enabled, true);
        assert.equal(helm.mimir.kafka.enabled, false, "not the chart's demo Kafka");
        assert.deepEqual([kafka.topic, kafka.tls_enabled, kafka.sasl_mechanism, kafka.auto_create_topic_enabled], [KAFKA_TOPICS.mimir, true, "SCRAM-SHA-512", false]);
        assert.equal(cfg.distributor, undefined, "the chart's ingest-storage distributor defaults apply");
        assert.match(cfg.ruler.query_frontend.address, /^dns:\/\/\/mimir-query-frontend\.observability\.svc:9095$/);
        assert.equal(cfg.ruler.query_frontend.grpc_client_config.tls_enabled, true);
    });

    it("existing brokers: the same paths through the renderers, no password in any rendered value", () => {
        const base = backendBase(existingConfig());
        const { agent, gateway } = renderCollectors(base);
        assert.deepEqual(validateCollectors({ agent: agent.config, gateway: gateway.config }), []);
        assert.deepEqual(agent.config.service.pipelines.traces.exporters, ["kafka"]);
        assert.equal((agent.values.extraEnvs as Values[]).find(e => e.name === "KAFKA_USERNAME")!.value, "otel-agent");
        const mimir = renderStoringBackend("mimir", placeholderInput(base));
        assert.equal((mimir.values.mimir as Values).structuredConfig.ingest_storage.enabled, true);
        assert.doesNotMatch(JSON.stringify([agent.values, gateway.values, mimir.values]), /not-in-any-file|ops-admin/);
        const { agent: direct } = renderCollectors(backendBase(parseStackConfig("dev", { values: { adminCidrs: JSON.stringify(["198.51.100.10/32"]) }, secrets: {}, awsRegion: "eu-west-1" })));
        assert.deepEqual(direct.config.service.pipelines.traces.exporters, ["load_balancing"]);
    });

    it("the validator rejects each broken Kafka variant with the rule it breaks", () => {
        const cases: Array<{ what: string; edit: (p: Pair) => void; problem: RegExp }> = [
            { what: "exporter without TLS", edit: p => { delete p.agent.exporters.kafka.tls; }, problem: /agent: exporter kafka must reach the brokers over TLS/ },
            { what: "receiver without TLS", edit: p => { delete p.gateway.receivers.kafka.tls; }, problem: /gateway: receiver kafka must reach the brokers over TLS/ },
            { what: "TLS without verification", edit: p => { (p.gateway.receivers.kafka.tls as Values).insecure_skip_verify = true; }, problem: /receivers\.kafka\.tls\.insecure_skip_verify is true/ },
            { what: "no consumer group", edit: p => { delete p.gateway.receivers.kafka.group_id; }, problem: /receiver kafka needs a group_id/ },
            {
                what: "tail sampling on the Kafka-fed pipeline (records marked before their spans are on disk)",
                edit: p => { p.gateway.processors.tail_sampling = { decision_wait: "10s", policies: [] }; p.gateway.service.pipelines.traces.processors.push("tail_sampling"); },
                problem: /gateway: pipeline traces reads Kafka and runs tail_sampling, which holds data in memory/,
            },
            { what: "records marked before the pipeline accepted them", edit: p => { (p.gateway.receivers.kafka.message_marking as Values).after = false; }, problem: /receiver kafka must mark a record only after the pipeline accepted it/ },
            { what: "a full queue in front of Kafka drops", edit: p => { (p.agent.exporters.kafka.sending_queue as Values).block_on_overflow = false; }, problem: /exporter kafka must push back when its queue is full/ },
            { what: "in-memory queue in front of Kafka", edit: p => { delete (p.agent.exporters.kafka.sending_queue as Values).storage; }, problem: /exporter kafka needs a persistent queue/ },
            { what: "no retries to Kafka", edit: p => { delete p.agent.exporters.kafka.retry_on_failure; }, problem: /exporter kafka needs retry_on_failure/ },
            { what: "topics created on first use", edit: p => { (p.agent.exporters.kafka.producer as Values).allow_auto_topic_creation = true; }, problem: /exporter kafka must not create topics/ },
        ];
        for (const c of cases) {
            const broken = clone(pair);
            c.edit(broken);
            const problems = validateCollectors(broken);
            assert.ok(problems.some(p => c.problem.test(p)), `${c.what}: ${JSON.stringify(problems)}`);
        }
    });
});
