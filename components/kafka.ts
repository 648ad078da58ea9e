import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as kafka from "@pulumi/kafka";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { KafkaConfig } from "./config/schema";
import { KAFKA_ROLE_SECRETS, KAFKA_ROLES, KAFKA_SASL_MECHANISM, KAFKA_USERS, kafkaAcls, KafkaRole, kafkaSecretData, kafkaTopics, MSK_IAM_PORT, MSK_SCRAM_PORT, mskBrokerCount, mskServerProperties, parseBrokerList } from "./render/kafka";

export interface KafkaBufferArgs {
    kafka: KafkaConfig;
    stack: string;
}

/**
 * Where the collectors and Mimir find Kafka, with least privilege: one SCRAM user per client role (agents, gateway,
 * Mimir) with a generated password, ACLs on exactly that role's topics and groups, and the four topics created here
 * (no client and no broker creates one). The program's Kafka provider is the only admin: on MSK the deployer's IAM
 * identity over the brokers' IAM listener (MSK takes SCRAM users only from `AmazonMSK_*` secrets and has no
 * `super.users`; IAM identities are authorized by IAM policy, not ACLs), on existing brokers `kafkaUsername`.
 * Either way the provider must reach the brokers from where `pulumi up` runs (docs/kafka.md).
 *
 * The MSK cluster takes clients only over TLS with SASL/SCRAM-SHA-512 (no plaintext or unauthenticated listener),
 * encrypts at rest with its own KMS key (which also protects the SCRAM secrets, as MSK requires), and accepts
 * connections only from the cluster nodes' security groups (SCRAM) and the deployer's (IAM).
 */
export class KafkaBuffer extends pulumi.ComponentResource {
    /** Bootstrap `host:port` list of the clients' listener; resolves once the users, topics and ACLs exist. */
    public readonly brokers: pulumi.Output<string[]>;
    /** `data` of each role's Secret: the brokers and that role's password (secret). */
    public readonly clientSecretData: Readonly<Record<KafkaRole, pulumi.Output<Record<string, string>>>>;
    public readonly cluster?: aws.msk.Cluster;
    /** The Kafka admin the topics, users and ACLs are managed through. */
    public readonly admin: kafka.Provider;

    constructor(name: string, args: KafkaBufferArgs, opts?: pulumi.ComponentResourceOptions) {
        super("observability:kafka:KafkaBuffer", name, {}, opts);
        const { settings, msk } = args.kafka;
        const passwords = Object.fromEntries(KAFKA_ROLES.map(role => [role, new random.RandomPassword(`${name}-${role}-scram`,
            { length: 32, special: false }, { parent: this }).result])) as Record<KafkaRole, pulumi.Output<string>>;
        // What must exist before a client connects: its user (MSK: the secret association), topics and ACLs.
        const ready: pulumi.Input<string>[] = [];
        let clientBrokers: pulumi.Output<string[]>;
        if (msk === undefined) {
            const { brokers, adminUsername, password } = args.kafka;
            if (brokers === undefined || adminUsername === undefined || password === undefined) throw new Error("kafka existing needs kafkaBrokers and kafkaPassword (checked at config load)");
            clientBrokers = pulumi.output([...brokers]);
            this.admin = new kafka.Provider(`${name}-admin`, {
                bootstrapServers: [...brokers], tlsEnabled: true, skipTlsVerify: false,
                saslMechanism: "scram-sha512", saslUsername: adminUsername, saslPassword: password,
            }, { parent: this });
            // Existing brokers keep their users in Kafka: the admin creates each role's (KIP-554, Kafka ≥ 2.7).
            for (const role of KAFKA_ROLES) {
                ready.push(new kafka.UserScramCredential(`${name}-${role}-user`, {
                    username: KAFKA_USERS[role], scramMechanism: KAFKA_SASL_MECHANISM, scramIterations: 8192, password: passwords[role],
                }, { parent: this, provider: this.admin }).id);
            }
        } else {
            const clusterName = `observability-${args.stack}`;
            const key = new aws.kms.Key(`${name}-key`, {
                description: `MSK ${clusterName}: data at rest and the SCRAM credentials`,
                enableKeyRotation: true,
                deletionWindowInDays: 7,
            }, { parent: this });

            const subnet = aws.ec2.getSubnetOutput({ id: msk.subnetIds[0] }, { parent: this });
            const sg = new aws.ec2.SecurityGroup(`${name}-brokers`, {
                vpcId: subnet.vpcId,
                description: `MSK ${clusterName}: SASL/SCRAM over TLS from the cluster's nodes, IAM over TLS from the deployer`,
            }, { parent: this });
            const ingress = (kind: string, port: number, sources: readonly string[], what: string) => sources.forEach((source, i) =>
                new aws.vpc.SecurityGroupIngressRule(`${name}-${kind}-${i}`, {
                    securityGroupId: sg.id, referencedSecurityGroupId: source, ipProtocol: "tcp", fromPort: port, toPort: port,
                    description: `${what} from ${source}`,
                }, { parent: this }));
            ingress("scram", MSK_SCRAM_PORT, msk.clientSecurityGroupIds, "Kafka clients (SASL/SCRAM over TLS)");
            ingress("iam", MSK_IAM_PORT, msk.adminSecurityGroupIds, "The deploy's Kafka admin (IAM over TLS)");

            const configuration = new aws.msk.Configuration(`${name}-config`, {
                name: clusterName,
                kafkaVersions: [msk.kafkaVersion],
                serverProperties: mskServerProperties(msk.retentionHours),
            }, { parent: this });

            this.cluster = new aws.msk.Cluster(`${name}-cluster`, {
                clusterName,
                kafkaVersion: msk.kafkaVersion,
                // Three replicas of every partition: one broker per zone over three subnets, two per zone over two.
                numberOfBrokerNodes: mskBrokerCount(msk.subnetIds.length),
                brokerNodeGroupInfo: {
                    instanceType: msk.instanceType,
                    clientSubnets: [...msk.subnetIds],
                    securityGroups: [sg.id],
                    storageInfo: { ebsStorageInfo: { volumeSize: msk.volumeGiB } },
                },
                // SCRAM for the clients; IAM for the admin only (its listener is open only to the deployer's groups).
                clientAuthentication: { sasl: { scram: true, iam: true }, unauthenticated: false },
                encryptionInfo: { encryptionAtRestKmsKeyArn: key.arn, encryptionInTransit: { clientBroker: "TLS", inCluster: true } },
                configurationInfo: { arn: configuration.arn, revision: configuration.latestRevision },
                enhancedMonitoring: "PER_TOPIC_PER_BROKER",
            }, { parent: this });

            // MSK reads SCRAM users only from Secrets Manager secrets named AmazonMSK_*, encrypted with a customer key:
            // one per role, all associated with the cluster.
            const secrets = KAFKA_ROLES.map(role => {
                const secret = new aws.secretsmanager.Secret(`${name}-${role}-scram`, {
                    name: `AmazonMSK_${clusterName}_${KAFKA_USERS[role]}`,
                    description: `SASL/SCRAM (${KAFKA_SASL_MECHANISM}) user ${KAFKA_USERS[role]} of MSK ${clusterName}`,
                    kmsKeyId: key.arn,
                    recoveryWindowInDays: 7,
                }, { parent: this });
                const version = new aws.secretsmanager.SecretVersion(`${name}-${role}-scram`, {
                    secretId: secret.id,
                    secretString: pulumi.secret(pulumi.jsonStringify({ username: KAFKA_USERS[role], password: passwords[role] })),
                }, { parent: this });
                return { secret, version };
            });
            const association = new aws.msk.ScramSecretAssociation(`${name}-scram`, {
                clusterArn: this.cluster.arn,
                secretArnLists: secrets.map(s => s.secret.arn),
            }, { parent: this, dependsOn: secrets.map(s => s.version) });
            ready.push(association.id);
            clientBrokers = this.cluster.bootstrapBrokersSaslScram.apply(parseBrokerList);
            this.admin = new kafka.Provider(`${name}-admin`, {
                bootstrapServers: this.cluster.bootstrapBrokersSaslIam.apply(parseBrokerList),
                tlsEnabled: true, skipTlsVerify: false,
                saslMechanism: "aws-iam",
                // The cluster's region, from its ARN (arn:aws:kafka:<region>:…); credentials: the deploy's own.
                saslAwsRegion: this.cluster.arn.apply(arn => arn.split(":")[3]),
            }, { parent: this });
        }

        const topics = kafkaTopics(settings.partitions, args.kafka.retentionHours).map(t => new kafka.Topic(`${name}-topic-${t.name}`, {
            name: t.name, partitions: t.partitions, replicationFactor: t.replicationFactor, config: { ...t.config },
        }, { parent: this, provider: this.admin }));
        const acls = kafkaAcls().map(a => new kafka.Acl(`${name}-acl-${KAFKA_USERS[a.role]}-${a.resourceType}-${a.resourceName}-${a.operation}`.toLowerCase(), {
            aclPrincipal: a.principal, aclHost: a.host, aclOperation: a.operation, aclPermissionType: a.permission,
            aclResourceType: a.resourceType, aclResourceName: a.resourceName, resourcePatternTypeFilter: a.patternType,
        }, { parent: this, provider: this.admin }));
        ready.push(...topics.map(t => t.id), ...acls.map(a => a.id));
        // Clients connect only once their user, topics and ACLs exist.
        this.brokers = pulumi.all([clientBrokers, ...ready]).apply(([list]) => list as string[]);
        this.clientSecretData = Object.fromEntries(KAFKA_ROLES.map(role => [role,
            pulumi.secret(pulumi.all([this.brokers, passwords[role]]).apply(([brokers, pw]) => kafkaSecretData(brokers, pw)))])) as Record<KafkaRole, pulumi.Output<Record<string, string>>>;
        this.registerOutputs({ brokers: this.brokers });
    }
}

/** One role's Secret (brokers, that role's password), in the namespace where that role runs. */
export function kafkaClientSecret(
    name: string, role: KafkaRole, namespace: string, data: pulumi.Output<Record<string, string>>, opts: pulumi.CustomResourceOptions,
): k8s.core.v1.Secret {
    return new k8s.core.v1.Secret(name, { metadata: { name: KAFKA_ROLE_SECRETS[role], namespace }, stringData: data }, opts);
}
