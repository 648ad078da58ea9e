// A real Apache Kafka broker for end-to-end tests, on 127.0.0.1 only: one KRaft node (broker and controller), from the
// Maven Central jars that `npm run build:kafka` puts in .cache/kafka/lib (a missing folder fails with that hint; tests
// never skip). Clients reach it only through a SASL_SSL listener with SCRAM-SHA-512 and a throwaway CA; the broker's
// StandardAuthorizer denies whatever no ACL allows. The SCRAM users are written into the metadata when the storage is
// formatted; the topics and ACLs are then created by an admin user (a super user) through one long-lived admin JVM
// (a small Java program below, compiled once into .cache/kafka/admin-<hash>), which also answers the offset queries.
// The controller listener is TLS with client certificates (the broker's own), since SCRAM credentials live in the
// metadata the controller serves. Clients are Kafka's own console producer and consumer (runKafkaTool and the
// consoleProduce/consoleConsume wrappers), one JVM each, a few seconds apiece.
import { ChildProcess, spawn } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import * as readline from "readline";
import * as tls from "tls";
import { CA_USES } from "../../components/render/pki";
import { opensslPki } from "./pki";
import { freePort, poll, stop as stopProcess } from "./processes";
import { tempDir } from "./temp";
import { runTool, runToolAsync } from "./tools";

/** The broker's jars (<repo>/.cache/kafka/lib, or $KAFKA_LIB_DIR), from `npm run build:kafka`. */
export const KAFKA_LIB = process.env.KAFKA_LIB_DIR || path.resolve(__dirname, "..", "..", ".cache", "kafka", "lib");
/** The class path of every JVM here (java expands the wildcard itself). */
const CLASSPATH = path.join(KAFKA_LIB, "*");
/** The broker's super user for topics and ACLs (and inter-broker traffic); its password is random per broker. */
export const KAFKA_ADMIN_USER = "kafka-admin";

export interface KafkaTopic {
    name: string;
    partitions: number;
    replicationFactor: number;
    config: Readonly<Record<string, string>>;
}

export interface KafkaAcl {
    principal: string;
    resourceType: "Topic" | "Group";
    resourceName: string;
    patternType: "Literal" | "Prefixed";
    operation: "Read" | "Write";
    permission: "Allow";
    host: "*";
}

export interface KafkaBrokerOptions {
    /** SCRAM-SHA-512 user -> password, written at format time (no `,`, `"`, `=`, brackets or white space). */
    users: Readonly<Record<string, string>>;
    topics: readonly KafkaTopic[];
    acls: readonly KafkaAcl[];
    /** How long start and restart may take (default 90 s). */
    timeoutMs?: number;
}

/** A topic as the broker describes it: partitions, replicas of partition 0, and the configs set on the topic. */
export interface DescribedTopic {
    partitions: number;
    replicationFactor: number;
    config: Record<string, string>;
}

/** An ACL binding as the broker lists it (Kafka's upper-case enum names: TOPIC, LITERAL, READ, ALLOW). */
export interface DescribedAcl {
    principal: string;
    resourceType: string;
    resourceName: string;
    patternType: string;
    operation: string;
    permission: string;
    host: string;
}

export interface KafkaBroker {
    /** `127.0.0.1:<port>` of the SASL_SSL listener. */
    bootstrap: string;
    port: number;
    controllerPort: number;
    /** The CA (PEM) that signed the broker's certificate (SAN IP:127.0.0.1, DNS:localhost): the clients' truststore. */
    caFile: string;
    /** The broker's folder: server.properties, its data (data/), the client properties files. */
    dir: string;
    /** The broker's output (both runs after a restart), capped at the last few thousand chunks, then the admin JVM's. */
    log: string[];
    /** The admin user's client properties file (a super user). */
    adminProperties: string;
    /** Stops the broker (SIGTERM, SIGKILL after 10 s) and the admin JVM. */
    stop(): Promise<void>;
    /** SIGKILLs the broker (the admin JVM stays). */
    kill(): void;
    /** Starts the same broker again (same ports and data) after `kill()` or `stop()` (a running one is stopped first), and waits until it serves. */
    restart(): Promise<void>;
    /** Committed offsets of a consumer group, keyed `<topic>-<partition>` (Kafka's TopicPartition); {} when none. */
    groupOffsets(group: string): Promise<Record<string, number>>;
    /** Log-end offsets of every partition of a topic, keyed `<topic>-<partition>`. */
    endOffsets(topic: string): Promise<Record<string, number>>;
    /** Every topic (internal ones excluded), by name. */
    describeTopics(): Promise<Record<string, DescribedTopic>>;
    /** Every ACL binding. */
    describeAcls(): Promise<DescribedAcl[]>;
    /** Writes a client properties file (SASL_SSL, SCRAM-SHA-512, the CA as PEM truststore) for `user` and returns its path. */
    clientProperties(user: string, password: string): string;
}

let javaChecked = false;
/** The jars are there, or the error says how to get them; so is java. */
export function kafkaLib(): string {
    const jars = fs.existsSync(KAFKA_LIB) ? fs.readdirSync(KAFKA_LIB) : [];
    if (!jars.some(j => /^kafka_2\.13-[0-9.]+\.jar$/.test(j)) || !jars.some(j => /^kafka-tools-[0-9.]+\.jar$/.test(j))) {
        throw new Error(`the Kafka jars are missing (${KAFKA_LIB}): run \`npm run build:kafka\` from the repository root`);
    }
    if (!javaChecked && runTool("java", ["-version"], "openjdk-17-jre-headless").status !== 0) throw new Error("java -version failed");
    javaChecked = true;
    return KAFKA_LIB;
}

/** The last part of a log, for failure messages. */
export function kafkaTail(log: string[], chars = 6000): string {
    return log.join("").slice(-chars);
}

const LOG_CAP = 5000;
function keepOutput(p: ChildProcess, log: string[], onText?: (s: string) => void): void {
    const keep = (d: Buffer) => {
        const s = String(d);
        log.push(s);
        if (log.length > LOG_CAP) log.splice(0, log.length - LOG_CAP);
        onText?.(s);
    };
    p.stdout?.on("data", keep);
    p.stderr?.on("data", keep);
}

/** log4j2 for the broker: INFO, without the config dumps; the authorizer's denials stay (kafka.authorizer.logger). */
const BROKER_LOG4J = `status = warn
appender.out.type = Console
appender.out.name = STDOUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = STDOUT
logger.config.name = org.apache.kafka.common.config.AbstractConfig
logger.config.level = WARN
logger.authorizer.name = kafka.authorizer.logger
logger.authorizer.level = INFO
`;
/** log4j2 for the tools and clients: warnings and errors to stderr (not the retries while the broker is down), stdout left to the tool. */
const TOOLS_LOG4J = `status = warn
appender.err.type = Console
appender.err.name = STDERR
appender.err.target = SYSTEM_ERR
appender.err.layout.type = PatternLayout
appender.err.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.err.ref = STDERR
logger.network.name = org.apache.kafka.clients.NetworkClient
logger.network.level = ERROR
`;
/** JVM flags of the short-lived tools: small heap, quick start. */
const TOOL_JVM = ["-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"];

export interface KafkaToolResult { status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/**
 * Runs a Kafka class from the jars (`org.apache.kafka.tools.ConsoleProducer`, `…consumer.ConsoleConsumer`, …) with
 * `input` on stdin; killed after `timeoutMs`. Never rejects for a failing tool: the caller asserts on the result.
 */
export function runKafkaTool(broker: Pick<KafkaBroker, "dir">, mainClass: string, args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<KafkaToolResult> {
    kafkaLib();
    const log4j = path.join(broker.dir, "tools-log4j2.properties");
    return new Promise((resolve, reject) => {
        const p = spawn("java", [...TOOL_JVM, `-Dlog4j2.configurationFile=${log4j}`, "-cp", CLASSPATH, mainClass, ...args], { stdio: ["pipe", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        p.stdout.on("data", d => { stdout += d; });
        p.stderr.on("data", d => { stderr += d; });
        const timer = setTimeout(() => p.kill("SIGKILL"), opts.timeoutMs ?? 60000);
        p.on("error", e => { clearTimeout(timer); reject(e); });
        p.on("close", (status, signal) => { clearTimeout(timer); resolve({ status, signal, stdout, stderr }); });
        p.stdin.on("error", () => { /* the tool may exit before reading everything */ });
        p.stdin.end(opts.input ?? "");
    });
}

/**
 * `ConsoleProducer --sync`: one record per line of `lines`, as `user`, with producer `properties` on top of the
 * client properties (e.g. `enable.idempotence: "false"`).
 */
export function consoleProduce(broker: KafkaBroker, user: string, password: string, topic: string, lines: readonly string[],
    o: { properties?: Readonly<Record<string, string>>; timeoutMs?: number } = {}): Promise<KafkaToolResult> {
    return runKafkaTool(broker, "org.apache.kafka.tools.ConsoleProducer", [
        "--bootstrap-server", broker.bootstrap, "--topic", topic, "--command-config", broker.clientProperties(user, password),
        // --timeout is linger.ms (1 s by default): with --sync, every record would wait for it.
        "--sync", "--timeout", "0", "--max-block-ms", "20000", "--request-timeout-ms", "20000",
        ...Object.entries(o.properties ?? {}).flatMap(([k, v]) => ["--command-property", `${k}=${v}`]),
    ], { input: lines.map(l => `${l}\n`).join(""), timeoutMs: o.timeoutMs ?? 60000 });
}

/**
 * `ConsoleConsumer` as `user`: in consumer group `group` from the earliest offset (offsets committed when it closes),
 * or without a group from `partition`'s earliest offset; stops after `maxMessages` or `idleMs` without one. Note that
 * it exits 0 also when it was refused: the error is on stderr.
 */
export function consoleConsume(broker: KafkaBroker, user: string, password: string, topic: string,
    o: { group?: string; partition?: number; maxMessages: number; idleMs?: number; timeoutMs?: number }): Promise<KafkaToolResult> {
    const from = o.group !== undefined ? ["--group", o.group, "--from-beginning"] : ["--partition", String(o.partition ?? 0), "--offset", "earliest"];
    return runKafkaTool(broker, "org.apache.kafka.tools.consumer.ConsoleConsumer", [
        "--bootstrap-server", broker.bootstrap, "--topic", topic, "--command-config", broker.clientProperties(user, password),
        ...from, "--max-messages", String(o.maxMessages), "--timeout-ms", String(o.idleMs ?? 15000),
    ], { timeoutMs: o.timeoutMs ?? 60000 });
}

/** Values that StorageTool's `--add-scram 'SCRAM-SHA-512=[name=…,password=…]'` parses as they are. */
function scramSafe(what: string, v: string): string {
    if (!/^[^\s,"=[\]\\]+$/.test(v)) throw new Error(`${what} ${JSON.stringify(v)}: StorageTool --add-scram cannot take white space, \`,\`, \`"\`, \`=\`, brackets or \`\\\``);
    return v;
}

/** A Java properties value: backslashes doubled (the paths and JAAS lines here have no other special characters). */
const prop = (v: string) => v.replace(/\\/g, "\\\\");

function jaas(user: string, password: string): string {
    return `org.apache.kafka.common.security.scram.ScramLoginModule required username="${user}" password="${password}";`;
}

function clientProps(bootstrap: string, caFile: string, user: string, password: string): string {
    return [
        `bootstrap.servers=${bootstrap}`,
        "security.protocol=SASL_SSL",
        "sasl.mechanism=SCRAM-SHA-512",
        `sasl.jaas.config=${prop(jaas(user, password))}`,
        "ssl.truststore.type=PEM",
        `ssl.truststore.location=${prop(caFile)}`,
        "",
    ].join("\n");
}

/** A cluster ID as `kafka-storage random-uuid` makes them: 16 random bytes, base64url, not starting with `-`. */
function clusterId(): string {
    for (;;) {
        const id = crypto.randomBytes(16).toString("base64url");
        if (!id.startsWith("-")) return id;
    }
}

/** The admin JVM's program: one JSON request per stdin line, one `@@ ` + JSON answer per stdout line. */
const ADMIN_JAVA = String.raw`import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.*;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.*;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.*;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.resource.*;

public class KafkaAdmin {
    static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] args) throws Exception {
        Properties props = new Properties();
        try (FileInputStream in = new FileInputStream(args[0])) { props.load(in); }
        try (Admin admin = Admin.create(props)) {
            BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            System.out.println("@@ {\"ready\":true}");
            for (String line; (line = stdin.readLine()) != null; ) {
                JsonNode req = JSON.readTree(line);
                ObjectNode res = JSON.createObjectNode();
                res.set("id", req.get("id"));
                try {
                    res.set("result", JSON.valueToTree(handle(admin, req)));
                } catch (Exception e) {
                    Throwable c = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
                    res.put("error", c.getClass().getName() + ": " + c.getMessage());
                }
                System.out.println("@@ " + JSON.writeValueAsString(res));
            }
        }
    }

    static String upper(JsonNode n, String field) { return n.get(field).asText().toUpperCase(Locale.ROOT); }

    static Object handle(Admin admin, JsonNode req) throws Exception {
        long t = req.path("timeoutMs").asLong(30000);
        switch (req.get("op").asText()) {
            case "describeCluster": {
                List<Integer> ids = new ArrayList<>();
                for (var n : admin.describeCluster().nodes().get(t, TimeUnit.MILLISECONDS)) ids.add(n.id());
                return ids;
            }
            case "createTopics": {
                List<NewTopic> topics = new ArrayList<>();
                for (JsonNode n : req.get("topics")) {
                    Map<String, String> config = new HashMap<>();
                    for (var e : n.path("config").properties()) config.put(e.getKey(), e.getValue().asText());
                    topics.add(new NewTopic(n.get("name").asText(), n.get("partitions").asInt(), (short) n.get("replicationFactor").asInt()).configs(config));
                }
                admin.createTopics(topics).all().get(t, TimeUnit.MILLISECONDS);
                return true;
            }
            case "createAcls": {
                List<AclBinding> acls = new ArrayList<>();
                for (JsonNode n : req.get("acls")) {
                    ResourcePattern pattern = new ResourcePattern(ResourceType.fromString(upper(n, "resourceType")), n.get("resourceName").asText(), PatternType.fromString(upper(n, "patternType")));
                    AccessControlEntry entry = new AccessControlEntry(n.get("principal").asText(), n.get("host").asText(), AclOperation.fromString(upper(n, "operation")), AclPermissionType.fromString(upper(n, "permission")));
                    if (pattern.isUnknown() || entry.isUnknown()) throw new IllegalArgumentException("unknown ACL value in " + n);
                    acls.add(new AclBinding(pattern, entry));
                }
                admin.createAcls(acls).all().get(t, TimeUnit.MILLISECONDS);
                return true;
            }
            case "describeAcls": {
                List<Map<String, String>> out = new ArrayList<>();
                for (AclBinding b : admin.describeAcls(AclBindingFilter.ANY).values().get(t, TimeUnit.MILLISECONDS)) {
                    Map<String, String> m = new LinkedHashMap<>();
                    m.put("principal", b.entry().principal());
                    m.put("resourceType", b.pattern().resourceType().name());
                    m.put("resourceName", b.pattern().name());
                    m.put("patternType", b.pattern().patternType().name());
                    m.put("operation", b.entry().operation().name());
                    m.put("permission", b.entry().permissionType().name());
                    m.put("host", b.entry().host());
                    out.add(m);
                }
                return out;
            }
            case "describeTopics": {
                List<String> names = new ArrayList<>(admin.listTopics().names().get(t, TimeUnit.MILLISECONDS));
                Collections.sort(names);
                var descriptions = admin.describeTopics(names).allTopicNames().get(t, TimeUnit.MILLISECONDS);
                List<ConfigResource> resources = new ArrayList<>();
                for (String n : names) resources.add(new ConfigResource(ConfigResource.Type.TOPIC, n));
                var configs = admin.describeConfigs(resources).all().get(t, TimeUnit.MILLISECONDS);
                Map<String, Object> out = new LinkedHashMap<>();
                for (String n : names) {
                    var d = descriptions.get(n);
                    Map<String, String> config = new TreeMap<>();
                    for (ConfigEntry e : configs.get(new ConfigResource(ConfigResource.Type.TOPIC, n)).entries())
                        if (e.source() == ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG) config.put(e.name(), e.value());
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("partitions", d.partitions().size());
                    m.put("replicationFactor", d.partitions().get(0).replicas().size());
                    m.put("config", config);
                    out.put(n, m);
                }
                return out;
            }
            case "groupOffsets": {
                Map<String, Long> out = new TreeMap<>();
                var offsets = admin.listConsumerGroupOffsets(req.get("group").asText()).partitionsToOffsetAndMetadata().get(t, TimeUnit.MILLISECONDS);
                for (var e : offsets.entrySet()) if (e.getValue() != null) out.put(e.getKey().toString(), e.getValue().offset());
                return out;
            }
            case "endOffsets": {
                String topic = req.get("topic").asText();
                var d = admin.describeTopics(List.of(topic)).allTopicNames().get(t, TimeUnit.MILLISECONDS).get(topic);
                Map<TopicPartition, OffsetSpec> spec = new HashMap<>();
                for (var p : d.partitions()) spec.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest());
                Map<String, Long> out = new TreeMap<>();
                for (var e : admin.listOffsets(spec).all().get(t, TimeUnit.MILLISECONDS).entrySet()) out.put(e.getKey().toString(), e.getValue().offset());
                return out;
            }
            default:
                throw new IllegalArgumentException("unknown op " + req.get("op"));
        }
    }
}
`;

/**
 * The admin program's class folder: compiled (javac takes seconds on a busy machine) into
 * <KAFKA_LIB>/../admin-<hash of the source and the jars>, and reused while neither changes.
 */
let adminClasses: Promise<string> | undefined;
function compileAdmin(): Promise<string> {
    adminClasses ??= (async () => {
        const hash = crypto.createHash("sha256").update(ADMIN_JAVA).update(fs.readdirSync(KAFKA_LIB).sort().join("\n")).digest("hex").slice(0, 16);
        const dir = path.join(path.dirname(KAFKA_LIB), `admin-${hash}`);
        if (fs.existsSync(path.join(dir, "KafkaAdmin.class"))) return dir;
        const work = tempDir("kafka-admin");
        const src = path.join(work, "KafkaAdmin.java");
        fs.writeFileSync(src, ADMIN_JAVA);
        const r = await runToolAsync("javac", ["-nowarn", "-cp", CLASSPATH, "-d", work, src], "openjdk-17-jdk-headless");
        if (r.status !== 0) throw new Error(`javac KafkaAdmin.java failed:\n${r.stdout}${r.stderr}`);
        try {
            fs.renameSync(work, dir);
        } catch {
            if (!fs.existsSync(path.join(dir, "KafkaAdmin.class"))) return work; // read-only cache: use this run's copy
        }
        return dir;
    })();
    adminClasses.catch(() => { adminClasses = undefined; });
    return adminClasses;
}

/** The long-lived admin JVM: requests by id, answered in any order. */
class AdminJvm {
    private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
    private next = 1;
    private exited = false;
    readonly ready: Promise<void>;

    constructor(private readonly p: ChildProcess, log: string[]) {
        let markReady!: () => void;
        let failReady!: (e: Error) => void;
        this.ready = new Promise((resolve, reject) => { markReady = resolve; failReady = reject; });
        this.ready.catch(() => { /* awaited by start */ });
        readline.createInterface({ input: p.stdout! }).on("line", line => {
            if (!line.startsWith("@@ ")) { log.push(`[admin] ${line}\n`); return; }
            const msg = JSON.parse(line.slice(3)) as { ready?: boolean; id?: number; result?: unknown; error?: string };
            if (msg.ready) { markReady(); return; }
            const waiter = this.pending.get(msg.id!);
            this.pending.delete(msg.id!);
            if (msg.error !== undefined) waiter?.reject(new Error(msg.error));
            else waiter?.resolve(msg.result);
        });
        p.stderr!.on("data", d => { log.push(`[admin] ${d}`); if (log.length > LOG_CAP) log.splice(0, log.length - LOG_CAP); });
        const gone = (why: string) => {
            this.exited = true;
            const e = new Error(`the Kafka admin JVM ${why}`);
            failReady(e);
            for (const w of this.pending.values()) w.reject(e);
            this.pending.clear();
        };
        p.on("exit", (code, signal) => gone(`exited (${code ?? signal})`));
        p.on("error", e => gone(`failed: ${e.message}`));
    }

    request<T>(op: string, args: Record<string, unknown> = {}, timeoutMs = 30000): Promise<T> {
        if (this.exited) return Promise.reject(new Error("the Kafka admin JVM is not running"));
        const id = this.next++;
        return new Promise<T>((resolve, reject) => {
            this.pending.set(id, { resolve: v => resolve(v as T), reject });
            this.p.stdin!.write(`${JSON.stringify({ id, op, timeoutMs, ...args })}\n`);
        });
    }

    get running(): boolean { return !this.exited; }

    async stop(): Promise<void> {
        this.p.stdin!.end();
        await stopProcess(this.p);
    }
}

/**
 * Starts a single-node KRaft broker with a SASL_SSL (SCRAM-SHA-512) listener and ACLs enforced, with `users`
 * formatted in and `topics` and `acls` created, all on 127.0.0.1. The caller stops it (`after(() => broker.stop())`).
 */
export async function startKafkaBroker(o: KafkaBrokerOptions): Promise<KafkaBroker> {
    kafkaLib();
    const timeoutMs = o.timeoutMs ?? 90000;
    if (Object.keys(o.users).includes(KAFKA_ADMIN_USER)) throw new Error(`${KAFKA_ADMIN_USER} is the broker's own admin user`);
    for (const [user, password] of Object.entries(o.users)) { scramSafe("user", user); scramSafe(`password of ${user}`, password); }
    const adminPassword = crypto.randomBytes(18).toString("hex");

    const dir = tempDir("kafka");
    const pki = opensslPki("kafka-pki");
    const ca = pki.make("ca", "/CN=obs-e2e-kafka-ca", CA_USES);
    // The broker's certificate serves the SASL_SSL listener and, as client and server, the controller listener.
    const server = pki.make("broker", "/CN=kafka-broker", ["digital_signature", "server_auth", "client_auth"], "ca", ["127.0.0.1", "localhost"]);
    // Kafka's PEM keystore takes only a PKCS#8 key ("BEGIN PRIVATE KEY"); openssl 3 writes one, older ones "BEGIN EC PRIVATE KEY".
    let key = server.key;
    if (!key.includes("-----BEGIN PRIVATE KEY-----")) {
        const r = runTool("openssl", ["pkcs8", "-topk8", "-nocrypt", "-in", server.keyFile], "openssl");
        if (r.status !== 0) throw new Error(`openssl pkcs8: ${r.stderr}`);
        key = r.stdout;
    }
    const keystore = path.join(dir, "broker-keystore.pem");
    fs.writeFileSync(keystore, `${key.trim()}\n${server.cert.trim()}\n${ca.cert.trim()}\n`, { mode: 0o600 });
    const caFile = path.join(dir, "ca.crt");
    fs.copyFileSync(ca.certFile, caFile);

    const port = await freePort();
    const controllerPort = await freePort();
    const bootstrap = `127.0.0.1:${port}`;
    const dataDir = path.join(dir, "data");
    const serverProperties = path.join(dir, "server.properties");
    fs.writeFileSync(serverProperties, [
        "process.roles=broker,controller",
        "node.id=1",
        `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
        `listeners=SASL_SSL://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
        `advertised.listeners=SASL_SSL://127.0.0.1:${port}`,
        "controller.listener.names=CONTROLLER",
        "listener.security.protocol.map=SASL_SSL:SASL_SSL,CONTROLLER:SSL",
        "inter.broker.listener.name=SASL_SSL",
        "sasl.enabled.mechanisms=SCRAM-SHA-512",
        "sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512",
        `listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=${prop(jaas(KAFKA_ADMIN_USER, adminPassword))}`,
        "listener.name.controller.ssl.client.auth=required",
        "ssl.keystore.type=PEM",
        `ssl.keystore.location=${prop(keystore)}`,
        "ssl.truststore.type=PEM",
        `ssl.truststore.location=${prop(caFile)}`,
        "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
        // The admin (SCRAM) and the broker itself on the controller listener (its certificate's subject).
        `super.users=User:${KAFKA_ADMIN_USER};User:CN=kafka-broker`,
        "allow.everyone.if.no.acl.found=false",
        "auto.create.topics.enable=false",
        "offsets.topic.replication.factor=1",
        "offsets.topic.num.partitions=1",
        "transaction.state.log.replication.factor=1",
        "transaction.state.log.min.isr=1",
        "share.coordinator.state.topic.replication.factor=1",
        "share.coordinator.state.topic.min.isr=1",
        "group.initial.rebalance.delay.ms=0",
        // A broker restarted after a SIGKILL may register once its old session expired (9 s by default).
        "broker.session.timeout.ms=5000",
        "broker.heartbeat.interval.ms=1000",
        `log.dirs=${prop(dataDir)}`,
        "",
    ].join("\n"));
    const brokerLog4j = path.join(dir, "log4j2.properties");
    fs.writeFileSync(brokerLog4j, BROKER_LOG4J);
    const toolsLog4j = path.join(dir, "tools-log4j2.properties");
    fs.writeFileSync(toolsLog4j, TOOLS_LOG4J);
    const adminProperties = path.join(dir, "admin.properties");
    fs.writeFileSync(adminProperties, clientProps(bootstrap, caFile, KAFKA_ADMIN_USER, adminPassword), { mode: 0o600 });

    const log: string[] = [];
    const compiling = compileAdmin();
    const scram = [[KAFKA_ADMIN_USER, adminPassword], ...Object.entries(o.users)]
        .flatMap(([name, password]) => ["--add-scram", `SCRAM-SHA-512=[name=${name},password=${password}]`]);
    const format = await runToolAsync("java", [...TOOL_JVM, `-Dlog4j2.configurationFile=${toolsLog4j}`, "-cp", CLASSPATH,
        "kafka.tools.StorageTool", "format", "--cluster-id", clusterId(), "--config", serverProperties, ...scram], "openjdk-17-jre-headless");
    if (format.status !== 0) throw new Error(`kafka-storage format failed (${format.status}):\n${format.stdout}${format.stderr}`);

    let broker: ChildProcess | undefined;
    let admin: AdminJvm | undefined;
    const launchBroker = async (): Promise<void> => {
        let started = false;
        let recent = "";
        // Serial GC and C1 only: on two busy cores the broker is up in about half the time it takes with G1 and C2.
        const p = spawn("java", ["-Xmx384m", "-Xms128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", `-Dlog4j2.configurationFile=${brokerLog4j}`, "-cp", CLASSPATH, "kafka.Kafka", serverProperties],
            { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
        p.on("error", e => log.push(`spawn java: ${e}\n`));
        keepOutput(p, log, s => {
            recent = (recent + s).slice(-4000);
            if (recent.includes("Kafka Server started")) started = true;
        });
        broker = p;
        admin = admin?.running ? admin : await startAdmin();
        const a = admin;
        await poll("the Kafka broker", timeoutMs, async () => {
            if (p.exitCode !== null || p.signalCode !== null || !a.running) return true;
            if (!started) return undefined;
            await a.ready;
            const nodes = await a.request<number[]>("describeCluster", {}, 5000);
            return nodes.includes(1) ? true : undefined;
        }).catch(async e => {
            await stopProcess(p);
            throw new Error(`${e.message}\n--- broker output ---\n${kafkaTail(log)}`);
        });
        if (p.exitCode !== null || p.signalCode !== null) throw new Error(`the Kafka broker exited (${p.exitCode ?? p.signalCode})\n--- output ---\n${kafkaTail(log)}`);
        if (!a.running) {
            await stopProcess(p);
            throw new Error(`the Kafka admin JVM exited\n--- output ---\n${kafkaTail(log)}`);
        }
    };
    const startAdmin = async (): Promise<AdminJvm> => {
        const classes = await compiling;
        const p = spawn("java", [...TOOL_JVM, `-Dlog4j2.configurationFile=${toolsLog4j}`, "-cp", `${classes}${path.delimiter}${CLASSPATH}`, "KafkaAdmin", adminProperties],
            { cwd: dir, stdio: ["pipe", "pipe", "pipe"] });
        return new AdminJvm(p, log);
    };
    const adminRequest = <T>(op: string, args: Record<string, unknown> = {}): Promise<T> => {
        if (!admin) return Promise.reject(new Error("the Kafka broker is stopped"));
        return admin.request<T>(op, args);
    };

    const result: KafkaBroker = {
        bootstrap, port, controllerPort, caFile, dir, log, adminProperties,
        async stop() {
            await stopProcess(broker);
            await admin?.stop();
            admin = undefined;
        },
        kill() {
            broker?.kill("SIGKILL");
        },
        async restart() {
            await stopProcess(broker); // waits for the exit of a killed one, stops a running one
            log.push("\n--- restart ---\n");
            await launchBroker();
        },
        groupOffsets: group => adminRequest("groupOffsets", { group }),
        endOffsets: topic => adminRequest("endOffsets", { topic }),
        describeTopics: () => adminRequest("describeTopics"),
        describeAcls: () => adminRequest("describeAcls"),
        clientProperties(user, password) {
            const file = path.join(dir, `client-${crypto.createHash("sha256").update(`${user}\n${password}`).digest("hex").slice(0, 12)}.properties`);
            fs.writeFileSync(file, clientProps(bootstrap, caFile, user, password), { mode: 0o600 });
            return file;
        },
    };
    try {
        await launchBroker();
        if (o.topics.length > 0) await adminRequest("createTopics", { topics: o.topics });
        if (o.acls.length > 0) await adminRequest("createAcls", { acls: o.acls });
        // Created means committed by the controller; the broker serves (and authorizes by) them once its metadata has
        // caught up, a moment later.
        const names = o.topics.map(t => t.name);
        await poll("the topics and ACLs on the broker", timeoutMs, async () => {
            const [topics, acls] = await Promise.all([result.describeTopics(), result.describeAcls()]);
            return names.every(n => n in topics) && acls.length >= o.acls.length ? true : undefined;
        });
    } catch (e) {
        await result.stop();
        throw e;
    }
    return result;
}

/**
 * Sends a Kafka ApiVersions request (v0), over TLS when `ca` is given, else as plain TCP: whether the connection (and
 * handshake) was made, and the response's error code, or undefined when the connection ended (or 10 s passed) without
 * a Kafka response. The SASL listener answers ApiVersions before authentication, so this tells whether the listener
 * speaks Kafka over that transport.
 */
export function kafkaApiVersions(port: number, ca?: string): Promise<{ connected: boolean; errorCode: number | undefined }> {
    const correlationId = 0x4b41464b;
    const clientId = Buffer.from("obs-e2e");
    const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length);
    body.writeInt16BE(18, 0); // ApiVersions
    body.writeInt16BE(0, 2);
    body.writeInt32BE(correlationId, 4);
    body.writeInt16BE(clientId.length, 8);
    clientId.copy(body, 10);
    const size = Buffer.alloc(4);
    size.writeInt32BE(body.length, 0);
    const request = Buffer.concat([size, body]);
    return new Promise(resolve => {
        let got = Buffer.alloc(0);
        let done = false;
        let connected = false;
        const finish = (errorCode: number | undefined) => { if (!done) { done = true; socket.destroy(); resolve({ connected, errorCode }); } };
        const send = () => { connected = true; socket.write(request); };
        const socket: net.Socket = ca
            ? tls.connect({ host: "127.0.0.1", port, ca: fs.readFileSync(ca), servername: "localhost" }, send)
            : net.connect({ host: "127.0.0.1", port }, send);
        socket.on("data", d => {
            got = Buffer.concat([got, d]);
            if (got.length >= 10) {
                const ok = got.readInt32BE(0) > 0 && got.readInt32BE(4) === correlationId;
                finish(ok ? got.readInt16BE(8) : undefined);
            }
        });
        socket.on("error", () => finish(undefined));
        socket.on("close", () => finish(undefined));
        socket.setTimeout(10000, () => finish(undefined));
    });
}
