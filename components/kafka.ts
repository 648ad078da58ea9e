import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { KafkaConfig } from "./config/schema";
import { KAFKA_SASL_MECHANISM, KAFKA_SECRET, kafkaSecretData, mskServerProperties, parseBrokerList } from "./render/kafka";

export interface KafkaBufferArgs {
    kafka: KafkaConfig;
    stack: string;
}

/** The SASL/SCRAM-over-TLS listener of MSK brokers. */
export const MSK_SCRAM_PORT = 9096;

/**
 * Where the collectors and Mimir find Kafka, and the credentials they use: existing brokers from config, or an MSK
 * cluster created here. The cluster takes clients only over TLS with SASL/SCRAM-SHA-512 (no plaintext or
 * unauthenticated listener), encrypts at rest with its own KMS key (which also protects the SCRAM secret, as MSK
 * requires), and accepts connections only from the cluster nodes' security groups.
 */
export class KafkaBuffer extends pulumi.ComponentResource {
    /** Bootstrap `host:port` list. */
    public readonly brokers: pulumi.Output<string[]>;
    /** `data` of the kafka-client Secret: the brokers and the password (secret). */
    public readonly clientSecretData: pulumi.Output<Record<string, string>>;
    public readonly cluster?: aws.msk.Cluster;

    constructor(name: string, args: KafkaBufferArgs, opts?: pulumi.ComponentResourceOptions) {
        super("observability:kafka:KafkaBuffer", name, {}, opts);
        const { settings, msk } = args.kafka;
        let password: pulumi.Output<string>;
        if (msk === undefined) {
            if (args.kafka.brokers === undefined || args.kafka.password === undefined) throw new Error("kafka existing needs kafkaBrokers and kafkaPassword (checked at config load)");
            this.brokers = pulumi.output([...args.kafka.brokers]);
            password = args.kafka.password;
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
                description: `MSK ${clusterName}: SASL/SCRAM over TLS from the cluster's nodes only`,
            }, { parent: this });
            msk.clientSecurityGroupIds.forEach((source, i) => new aws.vpc.SecurityGroupIngressRule(`${name}-scram-${i}`, {
                securityGroupId: sg.id,
                referencedSecurityGroupId: source,
                ipProtocol: "tcp",
                fromPort: MSK_SCRAM_PORT,
                toPort: MSK_SCRAM_PORT,
                description: `Kafka clients (SASL/SCRAM over TLS) from ${source}`,
            }, { parent: this }));

            const configuration = new aws.msk.Configuration(`${name}-config`, {
                name: clusterName,
                kafkaVersions: [msk.kafkaVersion],
                serverProperties: mskServerProperties(settings.partitions, msk.retentionHours),
            }, { parent: this });

            this.cluster = new aws.msk.Cluster(`${name}-cluster`, {
                clusterName,
                kafkaVersion: msk.kafkaVersion,
                // Three replicas of every partition: one broker per zone over three subnets, two per zone over two.
                numberOfBrokerNodes: msk.subnetIds.length === 2 ? 4 : 3,
                brokerNodeGroupInfo: {
                    instanceType: msk.instanceType,
                    clientSubnets: [...msk.subnetIds],
                    securityGroups: [sg.id],
                    storageInfo: { ebsStorageInfo: { volumeSize: msk.volumeGiB } },
                },
                clientAuthentication: { sasl: { scram: true, iam: false }, unauthenticated: false },
                encryptionInfo: { encryptionAtRestKmsKeyArn: key.arn, encryptionInTransit: { clientBroker: "TLS", inCluster: true } },
                configurationInfo: { arn: configuration.arn, revision: configuration.latestRevision },
                enhancedMonitoring: "PER_TOPIC_PER_BROKER",
            }, { parent: this });

            const generated = new random.RandomPassword(`${name}-scram`, { length: 32, special: false }, { parent: this });
            password = generated.result;
            // MSK reads SCRAM users from Secrets Manager secrets named AmazonMSK_*, encrypted with a customer key.
            const secret = new aws.secretsmanager.Secret(`${name}-scram`, {
                name: `AmazonMSK_${clusterName}`,
                description: `SASL/SCRAM (${KAFKA_SASL_MECHANISM}) user of MSK ${clusterName}`,
                kmsKeyId: key.arn,
                recoveryWindowInDays: 7,
            }, { parent: this });
            const version = new aws.secretsmanager.SecretVersion(`${name}-scram`, {
                secretId: secret.id,
                secretString: pulumi.secret(pulumi.jsonStringify({ username: settings.username, password })),
            }, { parent: this });
            const association = new aws.msk.ScramSecretAssociation(`${name}-scram`, {
                clusterArn: this.cluster.arn,
                secretArnLists: [secret.arn],
            }, { parent: this, dependsOn: [version] });
            // Clients connect only once their user exists.
            this.brokers = pulumi.all([this.cluster.bootstrapBrokersSaslScram, association.id]).apply(([list]) => parseBrokerList(list));
        }
        this.clientSecretData = pulumi.secret(pulumi.all([this.brokers, password]).apply(([brokers, pw]) => kafkaSecretData(brokers, pw)));
        this.registerOutputs({ brokers: this.brokers });
    }
}

/** The kafka-client Secret (brokers, password) in one namespace with Kafka clients. */
export function kafkaClientSecret(
    name: string, namespace: string, data: pulumi.Output<Record<string, string>>, opts: pulumi.CustomResourceOptions,
): k8s.core.v1.Secret {
    return new k8s.core.v1.Secret(name, { metadata: { name: KAFKA_SECRET, namespace }, stringData: data }, opts);
}
