// The real Kafka broker of the end-to-end tests (test/helpers/kafka-broker.ts), set up with the program's own topics,
// SCRAM users and ACLs (components/render/kafka.ts), and probed with Kafka's console producer and consumer: only
// SASL_SSL with the right SCRAM-SHA-512 password gets in, and each role may do exactly what its ACLs allow. The jars
// come from `npm run build:kafka`; without them these tests fail with that hint.
import { strict as assert } from "assert";
import * as crypto from "crypto";
import { KAFKA_CONSUMER_GROUP, KAFKA_TOPICS, KAFKA_USERS, kafkaAcls, kafkaTopics } from "../components/render/kafka";
import { consoleConsume, consoleProduce, KafkaBroker, kafkaApiVersions, KafkaToolResult, kafkaTail, startKafkaBroker } from "./helpers/kafka-broker";

const PARTITIONS = 3;
const total = (offsets: Record<string, number>) => Object.values(offsets).reduce((a, b) => a + b, 0);
const output = (r: KafkaToolResult) => `exit ${r.status ?? r.signal}\n--- stdout ---\n${r.stdout.slice(-3000)}\n--- stderr ---\n${r.stderr.slice(-3000)}`;

describe("Kafka broker for end-to-end tests (KRaft, SASL_SSL with SCRAM-SHA-512, ACLs enforced)", function () {
    this.timeout(120000);
    let broker: KafkaBroker;
    const run = Date.now().toString(36);
    const passwords = Object.fromEntries(Object.values(KAFKA_USERS).map(u => [u, crypto.randomBytes(12).toString("hex")]));
    const agent = KAFKA_USERS.agent;
    const gateway = KAFKA_USERS.gateway;
    const spans = KAFKA_TOPICS.traces;
    // One broker: every topic with one replica, and so one in-sync replica for a write (the program asks for 3 and 2).
    const topics = kafkaTopics(PARTITIONS).map(t => ({ ...t, replicationFactor: 1, config: { ...t.config, "min.insync.replicas": "1" } }));
    const acls = kafkaAcls();
    const records = Array.from({ length: 12 }, (_, i) => `span-batch-${run}-${i}`);

    before(async () => {
        const started = Date.now();
        broker = await startKafkaBroker({ users: passwords, topics, acls });
        console.log(`      (broker up with topics and ACLs in ${((Date.now() - started) / 1000).toFixed(1)} s)`);
    });
    after(async () => { await broker?.stop(); });

    it("has the program's topics (one replica) and exactly the program's ACLs", async () => {
        const described = await broker.describeTopics();
        assert.deepEqual(Object.keys(described).sort(), Object.values(KAFKA_TOPICS).sort(), "the four topics, and no other (no auto-creation)");
        for (const t of topics) {
            assert.deepEqual(described[t.name], { partitions: PARTITIONS, replicationFactor: 1, config: t.config }, t.name);
        }
        // The broker names the enums in upper case (TOPIC, LITERAL, READ, ALLOW); principals and names compare as they are.
        const key = (a: { principal: string; resourceType: string; resourceName: string; patternType: string; operation: string; permission: string; host: string }) =>
            [a.principal, a.resourceType.toUpperCase(), a.resourceName, a.patternType.toUpperCase(), a.operation.toUpperCase(), a.permission.toUpperCase(), a.host].join(" ");
        assert.deepEqual((await broker.describeAcls()).map(key).sort(), acls.map(key).sort());
        assert.deepEqual(await broker.endOffsets(spans), { [`${spans}-0`]: 0, [`${spans}-1`]: 0, [`${spans}-2`]: 0 });
    });

    it("refuses a user with a wrong password (SASL authentication failed) and writes nothing", async () => {
        const before = await broker.endOffsets(spans);
        const r = await consoleProduce(broker, agent, `${passwords[agent]}x`, spans, ["must-not-arrive"]);
        assert.notEqual(r.status, 0, output(r));
        assert.match(r.stderr, /SaslAuthenticationException: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512/, output(r));
        assert.deepEqual(await broker.endOffsets(spans), before);
    });

    it(`lets the agent (${agent}) produce to ${spans} but not consume it`, async () => {
        const before = await broker.endOffsets(spans);
        const produced = await consoleProduce(broker, agent, passwords[agent], spans, records);
        assert.equal(produced.status, 0, output(produced));
        const after = await broker.endOffsets(spans);
        assert.equal(total(after) - total(before), records.length, `exactly the ${records.length} records: ${JSON.stringify(after)}`);

        // Without a group (so no group ACL is involved): the Fetch itself is refused.
        const consumed = await consoleConsume(broker, agent, passwords[agent], spans, { partition: 0, maxMessages: records.length, idleMs: 8000 });
        assert.match(consumed.stderr, /TopicAuthorizationException: Not authorized to access topics: \[otlp_spans\]/, output(consumed));
        assert.equal(consumed.stdout.trim(), "", output(consumed));
        assert.match(kafkaTail(broker.log, 200000), /Principal = User:otel-agent is Denied operation = READ from host = 127\.0\.0\.1 on resource = Topic:LITERAL:otlp_spans/);
    });

    it(`lets the gateway (${gateway}) consume ${spans} in group ${KAFKA_CONSUMER_GROUP} and commit, but not produce or use another group`, async () => {
        const end = await broker.endOffsets(spans);
        assert.equal(total(end), records.length, "the agent's records are there");
        assert.deepEqual(await broker.groupOffsets(KAFKA_CONSUMER_GROUP), {}, "nothing committed yet");

        const consumed = await consoleConsume(broker, gateway, passwords[gateway], spans, { group: KAFKA_CONSUMER_GROUP, maxMessages: records.length });
        assert.deepEqual(consumed.stdout.trim().split("\n").sort(), [...records].sort(), output(consumed));
        assert.match(consumed.stderr, new RegExp(`Processed a total of ${records.length} messages`), output(consumed));
        // Committed on close: the group's offsets are the end offsets of every partition (no lag).
        const committed = await broker.groupOffsets(KAFKA_CONSUMER_GROUP);
        assert.ok(Object.keys(committed).length > 0 && Object.keys(committed).every(tp => tp in end), `committed ${JSON.stringify(committed)}`);
        assert.deepEqual(Object.keys(end).map(tp => committed[tp] ?? 0), Object.values(end), `committed ${JSON.stringify(committed)} vs end ${JSON.stringify(end)}`);

        const otherGroup = `not-${KAFKA_CONSUMER_GROUP}`;
        const [idempotent, produced, elsewhere] = await Promise.all([
            consoleProduce(broker, gateway, passwords[gateway], spans, ["must-not-arrive"]),
            consoleProduce(broker, gateway, passwords[gateway], spans, ["must-not-arrive"], { properties: { "enable.idempotence": "false" } }),
            consoleConsume(broker, gateway, passwords[gateway], spans, { group: otherGroup, maxMessages: 1, idleMs: 8000 }),
        ]);
        // An idempotent producer (the default) is stopped before its first record: InitProducerId needs Write on some
        // topic or IdempotentWrite on the cluster (KIP-679), and the gateway has neither. Without idempotence, the
        // Produce request itself is refused on the topic.
        assert.notEqual(idempotent.status, 0, output(idempotent));
        assert.match(idempotent.stderr, /ClusterAuthorizationException: Cluster authorization failed/, output(idempotent));
        assert.notEqual(produced.status, 0, output(produced));
        assert.match(produced.stderr, /TopicAuthorizationException: Not authorized to access topics: \[otlp_spans\]/, output(produced));
        assert.match(kafkaTail(broker.log, 200000), /Principal = User:otel-gateway is Denied operation = WRITE from host = 127\.0\.0\.1 on resource = Topic:LITERAL:otlp_spans/);
        assert.deepEqual(await broker.endOffsets(spans), end, "nothing written");
        assert.match(elsewhere.stderr, new RegExp(`GroupAuthorizationException: Not authorized to access group: ${otherGroup}`), output(elsewhere));
        assert.equal(elsewhere.stdout.trim(), "", output(elsewhere));
        assert.deepEqual(await broker.groupOffsets(otherGroup), {});
    });

    it("speaks Kafka on the listener only inside TLS: plaintext gets no answer", async () => {
        assert.deepEqual(await kafkaApiVersions(broker.port, broker.caFile), { connected: true, errorCode: 0 }, "over TLS, ApiVersions (allowed before SASL) is answered");
        assert.deepEqual(await kafkaApiVersions(broker.port), { connected: true, errorCode: undefined }, "the same request in plaintext is accepted as a connection, and never answered");
    });

    it("keeps topics, records, users, ACLs and committed offsets across a SIGKILL and restart", async () => {
        const end = await broker.endOffsets(spans);
        const committed = await broker.groupOffsets(KAFKA_CONSUMER_GROUP);
        broker.kill();
        const started = Date.now();
        await broker.restart();
        console.log(`      (restarted in ${((Date.now() - started) / 1000).toFixed(1)} s)`);
        assert.deepEqual(await broker.endOffsets(spans), end);
        assert.deepEqual(await broker.groupOffsets(KAFKA_CONSUMER_GROUP), committed);
        assert.equal((await broker.describeAcls()).length, acls.length);
        // The agent's password still works and its ACL still applies: one more record, now lag 1 for the gateway.
        const produced = await consoleProduce(broker, agent, passwords[agent], spans, [`after-restart-${run}`]);
        assert.equal(produced.status, 0, output(produced));
        assert.equal(total(await broker.endOffsets(spans)) - total(committed), 1);
    });
});
