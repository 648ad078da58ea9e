// Kafka buffering, shared by the collectors and Mimir: topics, consumer groups, one SCRAM user per client role with
// ACLs on exactly its topics and groups, how clients authenticate (TLS with SASL/SCRAM-SHA-512, never plaintext),
// and the broker settings of the MSK cluster the program creates. Each role's brokers and password reach its pods
// as environment variables from that role's own Secret, so the renderers stay pure (an MSK cluster's addresses are
// only known after it exists) and a namespace holds only the passwords of the clients that run in it.
import type { Values } from "./backends/common";

export const KAFKA_MODES = ["off", "msk", "existing"] as const;
export type KafkaMode = (typeof KAFKA_MODES)[number];

/** The plain Kafka settings the renderers need. */
export interface KafkaSettings {
    /** `msk`: a cluster this stack creates; `existing`: brokers from config. */
    readonly mode: Exclude<KafkaMode, "off">;
    /** Partitions of every topic (the program creates them): the gateway pods and Mimir ingesters that can consume in parallel. */
    readonly partitions: number;
}

/** The SASL/SCRAM-over-TLS listener of MSK brokers (the clients'). */
export const MSK_SCRAM_PORT = 9096;
/** The IAM-over-TLS listener of MSK brokers: only the program's Kafka admin (the deployer's IAM identity) uses it. */
export const MSK_IAM_PORT = 9098;
/** Kafka's plaintext listener, refused for existing brokers. */
export const KAFKA_PLAINTEXT_PORT = 9092;

/** A topic per signal for the collectors, and Mimir's ingest topic. */
export const KAFKA_TOPICS = { traces: "otlp_spans", metrics: "otlp_metrics", logs: "otlp_logs", mimir: "mimir-ingest" } as const;
/** The gateway pods share one consumer group: each partition (and so each trace, keyed by its ID) goes to one pod. */
export const KAFKA_CONSUMER_GROUP = "otel-gateway";
/**
 * Mimir's ingesters each commit their partition's offset in their own consumer group, named by Mimir's default
 * (`ingest_storage.kafka.consumer_group` empty): the ingester's instance ID, its pod name `mimir-ingester-<n>`
 * (`mimir-ingester-zone-<z>-<n>` with zones). Mimir's ACL is on this prefix, not on any group.
 */
export const MIMIR_CONSUMER_GROUP_PREFIX = "mimir-ingester-";
/** The only mechanism every client here and MSK share; it runs inside TLS. */
export const KAFKA_SASL_MECHANISM = "SCRAM-SHA-512";
/** Mimir writes records of up to ~15.2 MB; brokers (or its topic) must accept them (Mimir's Kafka backend docs). */
export const KAFKA_MAX_MESSAGE_BYTES = 16_000_000;
/** The collectors' producer limit, below the brokers' (an OTLP batch of 10000 spans stays well under it). */
export const COLLECTOR_MAX_MESSAGE_BYTES = 8_000_000;
/** Every topic: three replicas, two in sync for an acknowledged write (the clients write with acks=all). */
export const KAFKA_REPLICATION = { factor: 3, minInSync: 2 } as const;

/** The Kafka clients, each with its own SCRAM user, Secret and ACLs. */
export const KAFKA_ROLES = ["agent", "gateway", "mimir"] as const;
export type KafkaRole = (typeof KAFKA_ROLES)[number];
/** SCRAM user of each role. */
export const KAFKA_USERS: Readonly<Record<KafkaRole, string>> = { agent: "otel-agent", gateway: "otel-gateway", mimir: "mimir" };
/** Secret of each role (brokers and that role's password), created only in the namespace where the role runs. */
export const KAFKA_ROLE_SECRETS: Readonly<Record<KafkaRole, string>> = { agent: "kafka-otel-agent", gateway: "kafka-otel-gateway", mimir: "kafka-mimir" };
export const KAFKA_SECRET_KEYS = { brokers: "brokers", brokersList: "brokers-list", password: "password" } as const;
export const KAFKA_ENV = {
    /** Comma-separated `host:port` list (Mimir's `address`). */
    brokers: "KAFKA_BROKERS",
    /** The same list as a JSON array: the collector parses a whole-value `${env:…}` as YAML, so `brokers` gets a list. */
    brokersList: "KAFKA_BROKERS_LIST",
    username: "KAFKA_USERNAME",
    password: "KAFKA_PASSWORD",
} as const;

/** Container env entries of one role: its SCRAM user in plain, the brokers and its password from its own Secret. */
export function kafkaEnv(role: KafkaRole): Values[] {
    const fromSecret = (name: string, key: string) => ({ name, valueFrom: { secretKeyRef: { name: KAFKA_ROLE_SECRETS[role], key } } });
    return [
        fromSecret(KAFKA_ENV.brokers, KAFKA_SECRET_KEYS.brokers),
        fromSecret(KAFKA_ENV.brokersList, KAFKA_SECRET_KEYS.brokersList),
        { name: KAFKA_ENV.username, value: KAFKA_USERS[role] },
        fromSecret(KAFKA_ENV.password, KAFKA_SECRET_KEYS.password),
    ];
}

/** A role's Secret data from the broker list and its password. */
export function kafkaSecretData(brokers: readonly string[], password: string): Record<string, string> {
    return {
        [KAFKA_SECRET_KEYS.brokers]: brokers.join(","),
        [KAFKA_SECRET_KEYS.brokersList]: JSON.stringify(brokers),
        [KAFKA_SECRET_KEYS.password]: password,
    };
}

/** A `host:port` list as MSK returns it (`b-1.x:9096,b-2.x:9096`), sorted so a re-ordering is not a change. */
export function parseBrokerList(list: string): string[] {
    return list.split(",").map(s => s.trim()).filter(s => s.length > 0).sort();
}

/** One ACL binding, in the terms of the Kafka provider (`kafka.Acl`). Every binding here allows; none is on the cluster. */
export interface KafkaAclSpec {
    readonly role: KafkaRole;
    readonly principal: string;
    readonly resourceType: "Topic" | "Group";
    readonly resourceName: string;
    readonly patternType: "Literal" | "Prefixed";
    readonly operation: "Read" | "Write";
    readonly permission: "Allow";
    readonly host: "*";
}

/**
 * What each role may do, and nothing else (Kafka implies Describe from Read and Write; Kafka ≥ 2.8 lets a user with
 * Write on a topic produce idempotently without IdempotentWrite on the cluster, KIP-679):
 * - agents write the three OTLP topics;
 * - the gateway reads them and joins its consumer group;
 * - Mimir writes its topic (distributors), reads it (ingesters, and the offsets the read path waits for) and commits
 *   offsets in the ingesters' groups. No role may create topics, alter configs or touch ACLs.
 */
export function kafkaAcls(): KafkaAclSpec[] {
    const acl = (role: KafkaRole, resourceType: KafkaAclSpec["resourceType"], resourceName: string, operation: KafkaAclSpec["operation"], patternType: KafkaAclSpec["patternType"] = "Literal"): KafkaAclSpec =>
        ({ role, principal: `User:${KAFKA_USERS[role]}`, resourceType, resourceName, patternType, operation, permission: "Allow", host: "*" });
    const otlp = [KAFKA_TOPICS.traces, KAFKA_TOPICS.metrics, KAFKA_TOPICS.logs];
    return [
        ...otlp.map(t => acl("agent", "Topic", t, "Write")),
        ...otlp.map(t => acl("gateway", "Topic", t, "Read")),
        acl("gateway", "Group", KAFKA_CONSUMER_GROUP, "Read"),
        acl("mimir", "Topic", KAFKA_TOPICS.mimir, "Write"),
        acl("mimir", "Topic", KAFKA_TOPICS.mimir, "Read"),
        acl("mimir", "Group", MIMIR_CONSUMER_GROUP_PREFIX, "Read", "Prefixed"),
    ];
}

/** A topic the program creates (`kafka.Topic`). */
export interface KafkaTopicSpec {
    readonly name: string;
    readonly partitions: number;
    readonly replicationFactor: number;
    readonly config: Readonly<Record<string, string>>;
}

/**
 * The four topics, created by the program (no client and no broker creates a topic): the configured partitions,
 * three replicas with two in sync, records as large as each producer writes (set per topic, so existing brokers
 * need no broker-wide change), and on MSK the retention that bounds the buffer.
 */
export function kafkaTopics(partitions: number, retentionHours?: number): KafkaTopicSpec[] {
    return Object.values(KAFKA_TOPICS).map(name => ({
        name,
        partitions,
        replicationFactor: KAFKA_REPLICATION.factor,
        config: {
            "cleanup.policy": "delete",
            "min.insync.replicas": String(KAFKA_REPLICATION.minInSync),
            "max.message.bytes": String(name === KAFKA_TOPICS.mimir ? KAFKA_MAX_MESSAGE_BYTES : COLLECTOR_MAX_MESSAGE_BYTES),
            ...(retentionHours === undefined ? {} : { "retention.ms": String(retentionHours * 3_600_000) }),
        },
    }));
}

/** Brokers of the MSK cluster: a multiple of its subnets (zones), at least three for three replicas (4 over 2 zones). */
export function mskBrokerCount(subnets: number): number {
    return subnets === 2 ? 4 : 3;
}

/** Settings of the MSK cluster the program creates (mode `msk`). */
export interface MskSettings {
    readonly subnetIds: readonly string[];
    readonly clientSecurityGroupIds: readonly string[];
    /** Where `pulumi up` runs: the only sources of the brokers' IAM listener, which the program's Kafka admin uses. */
    readonly adminSecurityGroupIds: readonly string[];
    readonly instanceType: string;
    readonly volumeGiB: number;
    readonly retentionHours: number;
    readonly kafkaVersion: string;
}

/**
 * `server.properties` of the MSK cluster: a principal is allowed only what an ACL grants (MSK's default would allow
 * everyone on a resource without ACLs), no topic is created on first use, three replicas with two in sync, records
 * as large as Mimir writes, and a retention that bounds the buffer. There is no `super.users`: MSK does not accept
 * it; the program's admin is an IAM identity, which MSK authorizes by IAM policy, not by ACLs.
 */
export function mskServerProperties(retentionHours: number): string {
    return [
        "allow.everyone.if.no.acl.found=false",
        "auto.create.topics.enable=false",
        `default.replication.factor=${KAFKA_REPLICATION.factor}`,
        `min.insync.replicas=${KAFKA_REPLICATION.minInSync}`,
        `message.max.bytes=${KAFKA_MAX_MESSAGE_BYTES}`,
        `replica.fetch.max.bytes=${KAFKA_MAX_MESSAGE_BYTES}`,
        `log.retention.hours=${retentionHours}`,
        "unclean.leader.election.enable=false",
    ].join("\n") + "\n";
}
