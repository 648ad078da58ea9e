import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { GrafanaDatabaseConfig, RDS_CA } from "./config/grafana-database";
import { GRAFANA_DATABASE } from "./render/backends/grafana";

/** The engine: PostgreSQL 17 (minor versions applied by RDS in the maintenance window), and its parameter family. */
export const GRAFANA_POSTGRES = { engineVersion: "17", family: "postgres17" } as const;
/** When RDS backs up (daily) and may patch (weekly), in UTC; the two must not overlap. */
export const GRAFANA_DATABASE_WINDOWS = { backup: "02:00-03:00", maintenance: "sun:03:30-sun:04:30" } as const;

export interface GrafanaDatabaseArgs {
    /** Subnets, client security groups, size, backups and the CA bundle (components/config/grafana-database.ts). */
    database: GrafanaDatabaseConfig;
    /** Customer-managed KMS key for the storage, its backups and snapshots; RDS's AWS-managed key when absent. */
    kmsKeyArn?: string;
}

/** What Grafana needs to reach the database: where, its login, and the CA to verify it against. */
export interface GrafanaDatabaseConnection {
    /** `<address>:<port>` of the instance (its DNS name: what `verify-full` checks the certificate against). */
    readonly endpoint: pulumi.Output<string>;
    /** The master user's password (secret). */
    readonly password: pulumi.Output<string>;
    /** The region's RDS CA bundle (public certificates). */
    readonly caBundlePem: string;
}

/**
 * Grafana's shared database in prod: an RDS for PostgreSQL instance in the existing cluster's VPC. Encrypted at rest,
 * TLS required by its parameter group (`rds.force_ssl`, TLS 1.2 or newer) with a server certificate from
 * `rds-ca-rsa2048-g1`, Multi-AZ, daily automated backups kept `backupDays`, a final snapshot and deletion protection,
 * not publicly accessible, and reachable on 5432 only from the cluster nodes' security groups (no egress: it dials
 * nothing). Grafana logs in as the master user, whose password is a generated `RandomPassword` that stays secret.
 */
export class GrafanaDatabase extends pulumi.ComponentResource {
    public readonly instance: aws.rds.Instance;
    public readonly securityGroup: aws.ec2.SecurityGroup;
    public readonly connection: GrafanaDatabaseConnection;

    constructor(name: string, args: GrafanaDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("observability:backends:GrafanaDatabase", name, {}, opts);
        const db = args.database;
        const password = pulumi.secret(new random.RandomPassword(`${name}-password`, { length: 32, special: false }, { parent: this }).result);

        const subnet = aws.ec2.getSubnetOutput({ id: db.subnetIds[0] }, { parent: this });
        this.securityGroup = new aws.ec2.SecurityGroup(`${name}-sg`, {
            vpcId: subnet.vpcId,
            description: `Grafana's PostgreSQL: ${GRAFANA_DATABASE.port} from the cluster's nodes only`,
        }, { parent: this });
        db.clientSecurityGroupIds.forEach((source, i) => new aws.vpc.SecurityGroupIngressRule(`${name}-ingress-${i}`, {
            securityGroupId: this.securityGroup.id, referencedSecurityGroupId: source,
            ipProtocol: "tcp", fromPort: GRAFANA_DATABASE.port, toPort: GRAFANA_DATABASE.port,
            description: `PostgreSQL (TLS) from ${source}`,
        }, { parent: this }));
        const subnets = new aws.rds.SubnetGroup(`${name}-subnets`, {
            subnetIds: [...db.subnetIds],
            description: "Grafana's PostgreSQL: private subnets of the cluster's VPC",
        }, { parent: this });
        const parameters = new aws.rds.ParameterGroup(`${name}-params`, {
            family: GRAFANA_POSTGRES.family,
            description: "Grafana's PostgreSQL: TLS only, 1.2 or newer",
            parameters: [
                { name: "rds.force_ssl", value: "1" },
                { name: "ssl_min_protocol_version", value: "TLSv1.2" },
            ],
        }, { parent: this });

        this.instance = new aws.rds.Instance(`${name}-instance`, {
            engine: "postgres",
            engineVersion: GRAFANA_POSTGRES.engineVersion,
            autoMinorVersionUpgrade: true,
            instanceClass: db.instanceClass,
            allocatedStorage: db.storageGiB,
            storageType: "gp3",
            storageEncrypted: true,
            ...(args.kmsKeyArn ? { kmsKeyId: args.kmsKeyArn } : {}),
            dbName: GRAFANA_DATABASE.name,
            username: GRAFANA_DATABASE.user,
            password,
            port: GRAFANA_DATABASE.port,
            dbSubnetGroupName: subnets.name,
            vpcSecurityGroupIds: [this.securityGroup.id],
            publiclyAccessible: false,
            parameterGroupName: parameters.name,
            caCertIdentifier: RDS_CA.identifier,
            multiAz: true,
            backupRetentionPeriod: db.backupDays,
            backupWindow: GRAFANA_DATABASE_WINDOWS.backup,
            maintenanceWindow: GRAFANA_DATABASE_WINDOWS.maintenance,
            copyTagsToSnapshot: true,
            deletionProtection: true,
            skipFinalSnapshot: false,
            finalSnapshotIdentifier: `${name}-final`,
        }, { parent: this });

        this.connection = {
            endpoint: pulumi.interpolate`${this.instance.address}:${this.instance.port}`,
            password,
            caBundlePem: db.caBundlePem,
        };
        this.registerOutputs({ endpoint: this.connection.endpoint, securityGroupId: this.securityGroup.id });
    }
}
