// Kafka buffering between the agents and the gateway (and Mimir's ingest storage): off, an MSK cluster this stack
// creates, or existing brokers; never plaintext.
import { KAFKA_MODES, KAFKA_PLAINTEXT_PORT, KAFKA_USERS, MSK_IAM_PORT, MSK_SCRAM_PORT, mskBrokerCount } from "../render/kafka";
import { mimirIngesters } from "../render/backends/mimir";
import { ConfigReader } from "./reader";
import { ClusterKind, ConfigKey, DEFAULTS, Environment, KafkaConfig } from "./schema";

/** The admin SCRAM user of existing brokers when `kafkaUsername` is unset (the name the single shared login had). */
export const KAFKA_DEFAULT_ADMIN_USERNAME = "observability";

/** A `host:port` with a DNS name or IPv4 address. */
const BROKER_RE = /^(?=.{1,253}:)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*:(\d{1,5})$/;

export function parseKafka(r: ConfigReader, ctx: { environment: Environment; clusterKind: ClusterKind }): KafkaConfig | undefined {
    const mode = r.oneOf("kafka", KAFKA_MODES, "off") ?? "off";
    const mskKeys = ["kafkaSubnetIds", "kafkaClientSecurityGroupIds", "kafkaAdminSecurityGroupIds", "kafkaInstanceType"] as const;
    const existingKeys = ["kafkaBrokers", "kafkaUsername"] as const;
    const onlyFor = (keys: readonly ConfigKey[], forMode: string) => {
        for (const key of keys) if (r.text(key) !== undefined) r.add(key, r.text(key), `only read with kafka ${forMode}`, `unset, or set kafka to ${forMode}`);
    };
    if (mode !== "msk") onlyFor(mskKeys, "msk");
    if (mode !== "existing") {
        onlyFor(existingKeys, "existing");
        if (r.secret("kafkaPassword") !== undefined) r.add("kafkaPassword", "[secret]", "only read with kafka existing (msk generates the roles' passwords; its admin is the deployer's IAM identity)", "unset, or set kafka to existing");
    }
    if (mode === "off") {
        for (const key of ["kafkaPartitions", "kafkaVolumeGiB", "kafkaRetentionHours"] as const) {
            if (r.text(key) !== undefined) r.add(key, r.text(key), "only read with kafka msk or existing", "unset while kafka is off");
        }
        return undefined;
    }

    const ingesters = mimirIngesters(ctx.environment);
    const partitions = r.integer("kafkaPartitions", DEFAULTS.kafkaPartitions, ingesters, 1000,
        `partitions per topic; at least Mimir's ${ingesters} ingester${ingesters === 1 ? "" : "s"}, each of which consumes its own partition`);
    const list = (key: ConfigKey, item: RegExp, what: string, allowed: string, min: number, max: number, optional = false): string[] | undefined => {
        const out = r.stringList(key, item, what, allowed, min, max);
        if (out === undefined && !optional && r.text(key) === undefined) r.add(key, undefined, `required for kafka ${mode}`, allowed);
        return out ?? (optional ? undefined : []);
    };

    if (mode === "existing") {
        const brokers = list("kafkaBrokers", BROKER_RE, "a host:port", 'the brokers\' TLS listeners, e.g. ["b-1.kafka.internal:9096", "b-2.kafka.internal:9096"]', 1, 50) ?? [];
        for (const b of brokers) {
            const port = Number(b.split(":").pop());
            if (port < 1 || port > 65535) r.add("kafkaBrokers", b, "port out of range", "a port from 1 to 65535");
            else if (port === KAFKA_PLAINTEXT_PORT) r.add("kafkaBrokers", b, `the plaintext listener; MSK's SASL/SCRAM TLS listener is ${MSK_SCRAM_PORT}`, `the brokers' SASL/SCRAM TLS listener, e.g. b-1.kafka.internal:${MSK_SCRAM_PORT}`);
        }
        // The admin: the program's Kafka provider logs in as it to create the topics, the roles' SCRAM users and their ACLs.
        const adminUsername = r.text("kafkaUsername") ?? KAFKA_DEFAULT_ADMIN_USERNAME;
        const roleUsers = Object.values(KAFKA_USERS);
        if (!/^[A-Za-z0-9._-]{1,64}$/.test(adminUsername)) r.add("kafkaUsername", adminUsername, "not a SCRAM user name", "1 to 64 of letters, digits, . _ -");
        else if (roleUsers.includes(adminUsername)) {
            r.add("kafkaUsername", adminUsername, "the SCRAM user of a client role, whose password the program sets", `an admin user other than ${roleUsers.join(", ")}`);
        }
        const password = r.secret("kafkaPassword");
        if (password === undefined) {
            r.add("kafkaPassword", undefined, "required for kafka existing (the admin's login, SASL/SCRAM-SHA-512 over TLS, used only by pulumi up)", "the admin's password, set with: pulumi config set --secret kafkaPassword <password>");
        }
        // The brokers' disks and the topics' retention (set on the topics the program creates): the broker-disk alert
        // needs both, so prod requires them; kafkaBrokers must then list every broker.
        const optional = (key: "kafkaVolumeGiB" | "kafkaRetentionHours", min: number, max: number, unit: string) => (r.text(key) === undefined ? undefined : r.integer(key, 0, min, max, unit));
        const volumeGiB = optional("kafkaVolumeGiB", 10, 16384, "GiB of each broker's data volume (kafkaBrokers lists every broker)");
        const retentionHours = optional("kafkaRetentionHours", 1, 168, "hours the topics keep records: the buffer a backend outage can use");
        if (ctx.environment === "prod") {
            if (volumeGiB === undefined) r.add("kafkaVolumeGiB", undefined, "required for kafka existing in prod: the broker-disk alert compares the topics' write rate with the brokers' disks", "each broker's data volume in GiB, with every broker listed in kafkaBrokers");
            if (retentionHours === undefined) r.add("kafkaRetentionHours", undefined, "required for kafka existing in prod: the topics' retention bounds the buffer and the broker-disk alert", "hours, 24 or more");
        }
        const disk = volumeGiB !== undefined && retentionHours !== undefined ? { brokers: brokers.length, volumeGiB, retentionHours } : undefined;
        return { settings: { mode, partitions }, brokers: brokers.sort(), adminUsername, password, retentionHours, ...(disk ? { disk } : {}) };
    }

    // mode === "msk"
    if (ctx.clusterKind !== "existing") {
        r.add("kafka", mode, "an MSK cluster joins the existing cluster's VPC; the k3s host's VPC is made by this stack and has one subnet",
            "msk with clusterKind existing; on ec2-k3s use off or existing brokers");
    }
    const subnetIds = list("kafkaSubnetIds", /^subnet-[0-9a-f]{8,17}$/, "a subnet ID", "2 or 3 private subnets of the cluster's VPC, each in its own availability zone, e.g. [\"subnet-0a1b2c3d\", \"subnet-4e5f6a7b\", \"subnet-8c9d0e1f\"]", 2, 3);
    const clientSecurityGroupIds = list("kafkaClientSecurityGroupIds", /^sg-[0-9a-f]{8,17}$/, "a security group ID",
        "the security groups of the cluster's nodes (the only sources allowed to reach the brokers), e.g. [\"sg-0a1b2c3d\"]", 1, 5) ?? [];
    // The admin listener (IAM, 9098) is open only to where `pulumi up` runs; unset: the nodes (a runner on the cluster).
    const adminSecurityGroupIds = list("kafkaAdminSecurityGroupIds", /^sg-[0-9a-f]{8,17}$/, "a security group ID",
        `the security groups of the host or runner that runs pulumi up inside the VPC (the only sources of the brokers' IAM listener, ${MSK_IAM_PORT}), e.g. ["sg-0a1b2c3d"]`, 1, 5, true)
        ?? clientSecurityGroupIds;
    const instanceType = r.text("kafkaInstanceType") ?? DEFAULTS.kafkaInstanceType;
    if (!/^kafka\.(t3\.small|[a-z][0-9][a-z]*\.(large|[0-9]*xlarge))$/.test(instanceType)) {
        r.add("kafkaInstanceType", instanceType, "not an MSK broker type", "an MSK broker type such as kafka.m7g.large or kafka.m5.xlarge");
    }
    const volumeGiB = r.integer("kafkaVolumeGiB", DEFAULTS.kafkaVolumeGiB, 10, 16384, "GiB of EBS storage per broker");
    const retentionHours = r.integer("kafkaRetentionHours", DEFAULTS.kafkaRetentionHours, 1, 168, "hours the brokers keep records: the buffer a backend outage can use");
    return {
        settings: { mode, partitions },
        msk: { subnetIds: subnetIds ?? [], clientSecurityGroupIds, adminSecurityGroupIds, instanceType, volumeGiB, retentionHours, kafkaVersion: DEFAULTS.kafkaVersion },
        retentionHours,
        disk: { brokers: mskBrokerCount((subnetIds ?? []).length), volumeGiB, retentionHours },
    };
}
