// Delivery guarantees on real processes (`npm run e2e:delivery`): the rendered dev configs of both paths run side by
// side on 127.0.0.1 against one Jaeger (behind a proxy that can take it away):
//   Kafka path: application → agent → Kafka (a real broker: KRaft, SASL_SSL, SCRAM-SHA-512, the program's topics,
//               users and ACLs) → gateway (one consumer group) → Jaeger
//   OTLP path:  application → agent → load_balancing → gateway (tail sampling) → Jaeger
// Three faults hit both paths at once: the backend gone for 60 s, the gateways killed (SIGKILL) mid-stream, the
// agents killed mid-stream; each is restarted on its ports and queue directories. The applications retry what an
// agent refused, as SDKs do, so a span is lost only when an agent acknowledged it and Jaeger never got it. The
// gateways' queues are shrunk to 256 KiB so the outage fills them: a full queue must push back, not drop.
import { strict as assert } from "assert";
import { parseStackConfig, type RawConfig } from "../components/config";
import { backendBase } from "../components/plan";
import { renderCollectors } from "../components/render/collector/index";
import { KAFKA_CONSUMER_GROUP, KAFKA_ENV, KAFKA_TOPICS, KAFKA_USERS, kafkaAcls, kafkaTopics } from "../components/render/kafka";
import { agentForHost, collectorMetric, collectorPorts, gatewayForHost } from "./helpers/collector-e2e";
import { backendTlsOf, collectorPki, collectorTlsMount, podEnvOf, shopTls } from "./helpers/collector-harness";
import { missing, restartable, type Restartable, sleep, SpanStream, tcpProxy, type TcpProxy } from "./helpers/delivery";
import { type KafkaBroker, startKafkaBroker } from "./helpers/kafka-broker";
import { type JaegerBackend, startJaeger } from "./helpers/otel-backends";
import { otelcolBinary } from "./helpers/otelcol";
import { tempDir } from "./helpers/temp";

type Values = Record<string, any>;
type PathName = "kafka" | "otlp";

const OUTAGE_SECONDS = 60;
/** The gateways' queues in the test: small enough that the outage fills them. */
const TINY_QUEUE_BYTES = 256 * 1024;
/** The rendered default: how long the OTLP path's gateway holds a trace before deciding. */
const DECISION_WAIT_SECONDS = 10;

interface DeliveryPath {
    readonly name: PathName;
    readonly agent: Restartable;
    readonly gateway: Restartable;
}

describe("delivery: at least once under faults, on the Kafka and the OTLP path", function () {
    this.timeout(1_800_000);
    const stops: Array<() => Promise<void>> = [];
    const paths = {} as Record<PathName, DeliveryPath>;
    const lost: Record<PathName, number> = { kafka: 0, otlp: 0 };
    let faults = 0;
    let jaeger: JaegerBackend;
    let proxy: TcpProxy;
    let broker: KafkaBroker;
    let pki: ReturnType<typeof collectorPki>;

    before(async () => {
        pki = collectorPki();
        jaeger = await startJaeger({ tls: { ...backendTlsOf(pki, "tempo"), clientCa: pki.root.certFile } });
        stops.push(jaeger.stop);
        proxy = await tcpProxy(jaeger.otlpGrpcPort);
        stops.push(proxy.close);

        // The broker with the program's topics (one replica: one broker), SCRAM users and ACLs.
        const passwords = Object.fromEntries(Object.values(KAFKA_USERS).map(u => [u, `pw-${u}-${Math.random().toString(36).slice(2)}`]));
        broker = await startKafkaBroker({
            users: passwords,
            topics: kafkaTopics(3).map(t => ({ ...t, replicationFactor: 1, config: { ...t.config, "min.insync.replicas": "1" } })),
            acls: kafkaAcls(),
        });
        stops.push(broker.stop);

        const dir = tempDir("delivery");
        const render = (values: Record<string, string>, secrets: Record<string, string> = {}) => {
            const raw: RawConfig = { values: { adminCidrs: JSON.stringify(["198.51.100.10/32"]), otlpClients: JSON.stringify(["shop"]), ...values }, secrets, awsRegion: "eu-west-1" };
            return renderCollectors(backendBase(parseStackConfig("dev", raw)));
        };
        const rendered: Record<PathName, ReturnType<typeof render>> = {
            otlp: render({}),
            kafka: render({ kafka: "existing", kafkaBrokers: JSON.stringify(["kafka-0.kafka.internal:9096"]) }, { kafkaPassword: "admin" }),
        };
        // Each role's Kafka Secret, as the pods read it; the brokers' CA as the system roots the rendered config trusts.
        const kafkaEnv = (role: "agent" | "gateway") => ({
            [KAFKA_ENV.brokersList]: JSON.stringify([broker.bootstrap]), [KAFKA_ENV.brokers]: broker.bootstrap,
            [KAFKA_ENV.username]: KAFKA_USERS[role], [KAFKA_ENV.password]: passwords[KAFKA_USERS[role]], SSL_CERT_FILE: broker.caFile,
        });
        for (const name of ["kafka", "otlp"] as const) {
            const r = rendered[name];
            const gatewayPorts = await collectorPorts();
            const gatewayConfig = gatewayForHost(r.gateway.config, {
                ports: gatewayPorts, tlsDir: collectorTlsMount(pki, "otel-gateway"), stateDir: tempDir(`gateway-${name}`),
                targets: { tracesGrpcPort: proxy.port, logsBaseUrl: "https://127.0.0.1:9/unused", metricsBaseUrl: "https://127.0.0.1:9/unused" },
            });
            for (const e of Object.values<Values>(gatewayConfig.exporters)) if (e.sending_queue) e.sending_queue.queue_size = TINY_QUEUE_BYTES;
            const gateway = await restartable(`gateway-${name}`, gatewayConfig, gatewayPorts, dir,
                { ...podEnvOf(r.gateway.values), ...(name === "kafka" ? kafkaEnv("gateway") : {}) }, otelcolBinary("gateway"));
            stops.push(gateway.stop);
            const agentPorts = await collectorPorts();
            const agentConfig = agentForHost(r.agent.config, {
                ports: agentPorts, tlsDir: collectorTlsMount(pki, "otel-agent"), stateDir: tempDir(`agent-${name}`), gateways: [gatewayPorts.otlpGrpc], podLogDir: tempDir("pod-logs"),
            });
            const agent = await restartable(`agent-${name}`, agentConfig, agentPorts, dir, { ...podEnvOf(r.agent.values), ...(name === "kafka" ? kafkaEnv("agent") : {}) });
            stops.push(agent.stop);
            paths[name] = { name, agent, gateway };
        }
    });

    after(async () => {
        for (const s of stops.reverse()) await s().catch(() => undefined);
        if (faults > 0) console.log(`      delivery e2e: ${faults} faults, ${lost.kafka} spans lost on the Kafka path, ${lost.otlp} on the OTLP path`);
    });

    /** Streams on both paths for `seconds`, calling `inject` `atSecond` in; returns what each path lost. */
    const run = async (fault: string, seconds: number, atSecond: number, inject: () => Promise<number | void>) => {
        const streams = Object.fromEntries((["kafka", "otlp"] as const).map(name => [name, new SpanStream({
            agentPort: () => paths[name].agent.ports.otlpHttp, tls: shopTls(pki), service: `delivery-${name}-${fault}`, batch: 10, intervalMs: 200,
        })])) as Record<PathName, SpanStream>;
        const started = Date.now();
        for (const s of Object.values(streams)) s.start();
        await sleep(atSecond * 1000);
        const at = Date.now();
        await inject();
        await sleep(Math.max(1000, started + seconds * 1000 - Date.now()));
        for (const s of Object.values(streams)) await s.stop();
        faults++;
        const result = {} as Record<PathName, { acknowledged: number; lost: number; retries: number; window: number }>;
        for (const name of ["kafka", "otlp"] as const) {
            const s = streams[name];
            const n = await missing(jaeger, `delivery-${name}-${fault}`, s.acknowledged, 45000);
            lost[name] += n;
            // Spans an agent acknowledged in the decision window before the fault.
            const window = [...s.acknowledged.values()].filter(t => t > at - (DECISION_WAIT_SECONDS + 2) * 1000 && t <= at).length;
            result[name] = { acknowledged: s.acknowledged.size, lost: n, retries: s.retries, window };
            console.log(`      ${fault}, ${name} path: ${s.acknowledged.size} spans acknowledged, ${n} lost (${window} acknowledged in the ${DECISION_WAIT_SECONDS + 2} s before the fault), ${s.retries} requests refused and retried`);
        }
        return result;
    };

    it(`the backend gone for ${OUTAGE_SECONDS} s: both paths push back and deliver every span`, async () => {
        const before = { otlp: await collectorMetric(paths.otlp.gateway.current, "otelcol_exporter_enqueue_failed_spans"), kafka: await collectorMetric(paths.kafka.gateway.current, "otelcol_exporter_enqueue_failed_spans") };
        let lagDuringOutage = 0;
        const r = await run("outage", OUTAGE_SECONDS + 20, 10, async () => {
            proxy.down();
            await sleep((OUTAGE_SECONDS - 5) * 1000);
            // The Kafka gateway stopped marking: its queue is full, so the group's committed offsets fall behind.
            const [committed, end] = [await broker.groupOffsets(KAFKA_CONSUMER_GROUP), await broker.endOffsets(KAFKA_TOPICS.traces)];
            lagDuringOutage = Object.entries(end).reduce((sum, [tp, off]) => sum + off - (committed[tp] ?? 0), 0);
            await sleep(5000);
            await proxy.up();
        });
        assert.equal(r.kafka.lost, 0, "Kafka path");
        assert.equal(r.otlp.lost, 0, "OTLP path");
        assert.ok(lagDuringOutage > 0, "the consumer group kept committing while nothing could be exported");
        for (const name of ["otlp", "kafka"] as const) {
            assert.equal(await collectorMetric(paths[name].gateway.current, "otelcol_exporter_enqueue_failed_spans"), before[name], `${name}: the full queue dropped spans`);
        }
    });

    it("the gateways killed (SIGKILL) mid-stream: the Kafka path replays its uncommitted records; the OTLP path loses at most the undecided traces", async () => {
        const r = await run("gateway-kill", 25, 8, async () => {
            for (const p of Object.values(paths)) p.gateway.kill();
            await sleep(2000);
            for (const p of Object.values(paths)) await p.gateway.restart();
        });
        assert.equal(r.kafka.lost, 0, "Kafka path");
        // Tail sampling held what arrived in its decision window; what the agent had not yet been answered for, it sent again.
        assert.ok(r.otlp.lost <= r.otlp.window, `OTLP path: ${r.otlp.lost} lost, more than the ${r.otlp.window} acknowledged in the decision window`);
    });

    it("the agents killed (SIGKILL) mid-stream: what an agent acknowledged was on its disk, so both paths deliver every span", async () => {
        const r = await run("agent-kill", 25, 8, async () => {
            for (const p of Object.values(paths)) p.agent.kill();
            await sleep(2000);
            for (const p of Object.values(paths)) await p.agent.restart();
        });
        assert.equal(r.kafka.lost, 0, "Kafka path");
        assert.equal(r.otlp.lost, 0, "OTLP path");
        assert.ok(r.kafka.retries + r.otlp.retries > 0, "the applications saw the agents go away");
    });
});
