import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { BucketConfig, Signal } from "./config/schema";
import {
    Backend, bucketAccessPolicy, expirationDays, lifecycleRules, replicationPolicy, serviceTrustPolicy, STORES, StoreSpec, tlsOnlyBucketPolicy,
} from "./render/storage";

export interface TelemetryBucketsArgs {
    /** Retention per signal in days; each data bucket expires objects after retention + `lifecycleMarginDays`. */
    retentionDays: Record<Signal, number>;
    /** Encryption, versioning, lifecycle and replication options. */
    buckets: BucketConfig;
}

export interface StoreBucket {
    readonly name: pulumi.Output<string>;
    readonly arn: pulumi.Output<string>;
    /** Lifecycle expiry in days; undefined for state buckets, which never expire current objects. */
    readonly expirationDays?: number;
}

interface HardenSettings {
    kmsKeyArn?: string;
    versioning: boolean;
    expirationDays?: number;
    buckets: BucketConfig;
}

/**
 * One S3 bucket per store (Loki chunks and ruler, Tempo traces, Mimir blocks, ruler and alertmanager), each
 * encrypted, versioned, private, TLS-only and with lifecycle rules derived from its signal's retention;
 * optionally replicated to a second region with its own IAM role.
 */
export class TelemetryBuckets extends pulumi.ComponentResource {
    public readonly stores: Readonly<Record<string, StoreBucket>>;
    public readonly bucketNames: pulumi.Output<Record<string, string>>;
    public readonly bucketArns: pulumi.Output<string[]>;
    /** IAM policy (JSON) granting least privilege on exactly these buckets (and the KMS key, if any). */
    public readonly accessPolicyJson: pulumi.Output<string>;
    /** Replica bucket per store when `replicationRegion` is set. */
    public readonly replicas?: Readonly<Record<string, StoreBucket>>;
    public readonly replicationRoleArn?: pulumi.Output<string>;

    private readonly kmsKeyArn?: string;

    constructor(name: string, args: TelemetryBucketsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("observability:aws:TelemetryBuckets", name, {}, opts);
        const cfg = args.buckets;
        this.kmsKeyArn = cfg.kmsKeyArn;

        const stores: Record<string, StoreBucket> = {};
        const versionings: Record<string, pulumi.Resource[]> = {};
        for (const spec of STORES) {
            const days = expirationDays(spec, args.retentionDays, cfg.lifecycleMarginDays);
            const { bucket, deps } = this.hardenedBucket(`${name}-${spec.store}`, spec, {
                kmsKeyArn: cfg.kmsKeyArn, versioning: cfg.versioning, expirationDays: days, buckets: cfg,
            });
            stores[spec.store] = { name: bucket.bucket, arn: bucket.arn, expirationDays: days };
            versionings[spec.store] = deps;
        }
        this.stores = stores;

        if (cfg.replicationRegion !== undefined) {
            const region = cfg.replicationRegion;
            const replicas: Record<string, StoreBucket> = {};
            for (const spec of STORES) {
                const { bucket, deps } = this.hardenedBucket(`${name}-${spec.store}-replica`, spec, {
                    kmsKeyArn: cfg.replicationKmsKeyArn, versioning: true, expirationDays: stores[spec.store].expirationDays, buckets: cfg,
                }, region);
                replicas[spec.store] = { name: bucket.bucket, arn: bucket.arn, expirationDays: stores[spec.store].expirationDays };
                versionings[spec.store].push(...deps);
            }
            const role = new aws.iam.Role(`${name}-replication`, {
                description: "S3 cross-region replication of the observability buckets",
                assumeRolePolicy: JSON.stringify(serviceTrustPolicy("s3.amazonaws.com")),
            }, { parent: this });
            const pairs = pulumi.all(STORES.map(s => pulumi.all([stores[s.store].arn, replicas[s.store].arn])));
            const policy = new aws.iam.RolePolicy(`${name}-replication`, {
                role: role.id,
                policy: pairs.apply(ps => JSON.stringify(replicationPolicy(
                    ps.map(([source, replica]) => ({ source, replica })), cfg.kmsKeyArn, cfg.replicationKmsKeyArn))),
            }, { parent: this });
            for (const spec of STORES) {
                new aws.s3.BucketReplicationConfig(`${name}-${spec.store}`, {
                    bucket: stores[spec.store].name,
                    role: role.arn,
                    rules: [{
                        id: "replicate-everything",
                        status: "Enabled",
                        filter: {},
                        deleteMarkerReplication: { status: "Enabled" },
                        sourceSelectionCriteria: cfg.kmsKeyArn ? { sseKmsEncryptedObjects: { status: "Enabled" } } : undefined,
                        destination: {
                            bucket: replicas[spec.store].arn,
                            encryptionConfiguration: cfg.replicationKmsKeyArn ? { replicaKmsKeyId: cfg.replicationKmsKeyArn } : undefined,
                        },
                    }],
                }, { parent: this, dependsOn: [...versionings[spec.store], policy] });
            }
            this.replicas = replicas;
            this.replicationRoleArn = role.arn;
        }

        this.bucketNames = pulumi.output(Object.fromEntries(Object.entries(stores).map(([k, s]) => [k, s.name])));
        this.bucketArns = pulumi.all(Object.values(stores).map(s => s.arn));
        this.accessPolicyJson = this.policyJsonFor(STORES.map(s => s.backend));

        this.registerOutputs({
            bucketNames: this.bucketNames,
            bucketArns: this.bucketArns,
            accessPolicyJson: this.accessPolicyJson,
            replicationRoleArn: this.replicationRoleArn,
        });
    }

    /** Least-privilege IAM policy JSON on the buckets of the given backends (for per-backend roles). */
    public policyJsonFor(backends: readonly Backend[]): pulumi.Output<string> {
        const arns = STORES.filter(s => backends.includes(s.backend)).map(s => this.stores[s.store].arn);
        return pulumi.all(arns).apply(a => JSON.stringify(bucketAccessPolicy(a, this.kmsKeyArn)));
    }

    private hardenedBucket(name: string, spec: StoreSpec, s: HardenSettings, region?: string): { bucket: aws.s3.Bucket; deps: pulumi.Resource[] } {
        const opts = { parent: this };
        const bucket = new aws.s3.Bucket(name, {
            region,
            forceDestroy: s.buckets.forceDestroy,
            tags: { "observability-stack:store": spec.store, "observability-stack:backend": spec.backend },
        }, opts);
        const deps: pulumi.Resource[] = [];
        const sse = new aws.s3.BucketServerSideEncryptionConfiguration(name, {
            region,
            bucket: bucket.id,
            rules: [{
                applyServerSideEncryptionByDefault: s.kmsKeyArn
                    ? { sseAlgorithm: "aws:kms", kmsMasterKeyId: s.kmsKeyArn }
                    : { sseAlgorithm: "AES256" },
                bucketKeyEnabled: s.kmsKeyArn ? true : undefined,
            }],
        }, opts);
        const pab = new aws.s3.BucketPublicAccessBlock(name, {
            region,
            bucket: bucket.id,
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
        }, opts);
        new aws.s3.BucketPolicy(name, {
            region,
            bucket: bucket.id,
            policy: bucket.arn.apply(arn => JSON.stringify(tlsOnlyBucketPolicy(arn))),
        }, { ...opts, dependsOn: [pab] });
        if (s.versioning) {
            deps.push(new aws.s3.BucketVersioning(name, {
                region,
                bucket: bucket.id,
                versioningConfiguration: { status: "Enabled" },
            }, opts));
        }
        new aws.s3.BucketLifecycleConfiguration(name, {
            region,
            bucket: bucket.id,
            rules: lifecycleRules({
                expirationDays: s.expirationDays,
                noncurrentVersionExpirationDays: s.buckets.noncurrentVersionExpirationDays,
                abortIncompleteUploadDays: s.buckets.abortIncompleteUploadDays,
                versioning: s.versioning,
            }),
        }, { ...opts, dependsOn: [...deps, sse] });
        return { bucket, deps };
    }
}
