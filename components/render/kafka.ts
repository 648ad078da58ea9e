// Kafka buffering, shared by the collectors and Mimir: topics, the consumer group, how clients authenticate
// (TLS with SASL/SCRAM-SHA-512, never plaintext), and the broker settings of the MSK cluster the program creates.
// Broker addresses and the password reach pods as environment variables from the `kafka-client` Secret, so the
// renderers stay pure: an MSK cluster's addresses are only known after it exists.
import type { Values } from "./backends/common";

export const KAFKA_MODES = ["off", "msk", "existing"] as const;
export type KafkaMode = (typeof KAFKA_MODES)[number];

/** The plain Kafka settings the renderers need. */
export interface KafkaSettings {
    /** `msk`: a cluster this stack creates; `existing`: brokers from config. */
    readonly mode: Exclude<KafkaMode, "off">;
    /** Partitions of every topic (created on first use): the gateway pods and Mimir ingesters that can consume in parallel. */
    readonly partitions: number;
    /** SASL/SCRAM user. */
    readonly username: string;
}

/** A topic per signal for the collectors, and Mimir's ingest topic. */
export const KAFKA_TOPICS = { traces: "otlp_spans", metrics: "otlp_metrics", logs: "otlp_logs", mimir: "mimir-ingest" } as const;
/** The gateway pods share one consumer group: each partition (and so each trace, keyed by its ID) goes to one pod. */
export const KAFKA_CONSUMER_GROUP = "otel-gateway";
/** The only mechanism every client here and MSK share; it runs inside TLS. */
export const KAFKA_SASL_MECHANISM = "SCRAM-SHA-512";
/** The SCRAM user the program creates on MSK (existing brokers: `kafkaUsername`). */
export const KAFKA_DEFAULT_USERNAME = "observability";
/** Mimir writes records of up to ~15.2 MB; brokers must accept them (Mimir's Kafka backend docs). */
export const KAFKA_MAX_MESSAGE_BYTES = 16_000_000;
/** The collectors' producer limit, below the brokers' (an OTLP batch of 10000 spans stays well under it). */
export const COLLECTOR_MAX_MESSAGE_BYTES = 8_000_000;

/** Secret (in each namespace with Kafka clients) holding what the clients read as environment variables. */
export const KAFKA_SECRET = "kafka-client";
export const KAFKA_SECRET_KEYS = { brokers: "brokers", brokersList: "brokers-list", password: "password" } as const;
export const KAFKA_ENV = {
    /** Comma-separated `host:port` list (Mimir's `address`). */
    brokers: "KAFKA_BROKERS",
    /** The same list as a JSON array: the collector parses a whole-value `${env:…}` as YAML, so `brokers` gets a list. */
    brokersList: "KAFKA_BROKERS_LIST",
    username: "KAFKA_USERNAME",
    password: "KAFKA_PASSWORD",
} as const;

/** Container env entries: the SCRAM user in plain, the brokers and the password from the Kafka client Secret. */
export function kafkaEnv(kafka: KafkaSettings): Values[] {
    const fromSecret = (name: string, key: string) => ({ name, valueFrom: { secretKeyRef: { name: KAFKA_SECRET, key } } });
    return [
        fromSecret(KAFKA_ENV.brokers, KAFKA_SECRET_KEYS.brokers),
        fromSecret(KAFKA_ENV.brokersList, KAFKA_SECRET_KEYS.brokersList),
        { name: KAFKA_ENV.username, value: kafka.username },
        fromSecret(KAFKA_ENV.password, KAFKA_SECRET_KEYS.password),
    ];
}

/** The Secret's data from the broker list and the password. */
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

/** Settings of the MSK cluster the program creates (mode `msk`). */
export interface MskSettings {
    readonly subnetIds: readonly string[];
    readonly clientSecurityGroupIds: readonly string[];
    readonly instanceType: string;
    readonly volumeGiB: number;
    readonly retentionHours: number;
    readonly kafkaVersion: string;
}

/**
 * `server.properties` of the MSK cluster: three replicas with two in sync, topics created on first use with the
 * configured partitions, records as large as Mimir writes, and a retention that bounds the buffer.
 */
export function mskServerProperties(partitions: number, retentionHours: number): string {
    return [
        "auto.create.topics.enable=true",
        `num.partitions=${partitions}`,
        "default.replication.factor=3",
        "min.insync.replicas=2",
        `message.max.bytes=${KAFKA_MAX_MESSAGE_BYTES}`,
        `replica.fetch.max.bytes=${KAFKA_MAX_MESSAGE_BYTES}`,
        `log.retention.hours=${retentionHours}`,
        "unclean.leader.election.enable=false",
        // No ACLs: every SCRAM-authenticated client may use every topic (there is no unauthenticated listener).
        "allow.everyone.if.no.acl.found=true",
    ].join("\n") + "\n";
}
