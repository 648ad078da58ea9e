// Pure description of the object stores: which buckets exist, how long objects live, and the IAM and
// bucket policy documents. No provider SDK here; the TelemetryBuckets component turns this into resources.
import type { Signal } from "../config/primitives";

/** The backends that store data in S3. */
export type Backend = "loki" | "tempo" | "mimir";

export interface StoreSpec {
    /** Logical store name, also the child resource suffix. */
    readonly store: string;
    readonly backend: Backend;
    /** The signal whose retention drives expiry; undefined for state that must never expire (rules, alertmanager state). */
    readonly signal?: Signal;
    readonly description: string;
}

/**
 * One bucket per store. Separate buckets (rather than one bucket with prefixes) because lifecycle expiry
 * differs per signal and S3 lifecycle filters cannot match the per-tenant prefixes the backends write, and
 * because in prod each backend gets its own IRSA role scoped to its own buckets.
 */
export const STORES: readonly StoreSpec[] = [
    { store: "loki-chunks", backend: "loki", signal: "logs", description: "Loki chunks and TSDB index" },
    { store: "loki-ruler", backend: "loki", description: "Loki ruler rule files" },
    { store: "tempo-traces", backend: "tempo", signal: "traces", description: "Tempo trace blocks" },
    { store: "mimir-blocks", backend: "mimir", signal: "metrics", description: "Mimir TSDB blocks" },
    { store: "mimir-alertmanager", backend: "mimir", description: "Mimir Alertmanager state and configuration" },
];

export interface LifecycleSettings {
    /** Expiry in days for data stores (retention + margin); undefined for state stores. */
    readonly expirationDays?: number;
    readonly noncurrentVersionExpirationDays: number;
    readonly abortIncompleteUploadDays: number;
    readonly versioning: boolean;
}

/** A lifecycle rule in the shape of `aws.s3.BucketLifecycleConfiguration` `rules` items. */
export interface LifecycleRule {
    id: string;
    status: "Enabled";
    filter: Record<string, never>;
    expiration?: { days?: number; expiredObjectDeleteMarker?: boolean };
    noncurrentVersionExpiration?: { noncurrentDays: number };
    abortIncompleteMultipartUpload?: { daysAfterInitiation: number };
}

/** The lifecycle rules of one bucket. */
export function lifecycleRules(s: LifecycleSettings): LifecycleRule[] {
    const rules: LifecycleRule[] = [];
    if (s.expirationDays !== undefined) {
        rules.push({
            id: "expire-after-retention",
            status: "Enabled",
            filter: {},
            expiration: { days: s.expirationDays },
        });
    }
    rules.push({
        id: "abort-incomplete-uploads",
        status: "Enabled",
        filter: {},
        abortIncompleteMultipartUpload: { daysAfterInitiation: s.abortIncompleteUploadDays },
    });
    if (s.versioning) {
        rules.push({
            id: "expire-noncurrent-versions",
            status: "Enabled",
            filter: {},
            noncurrentVersionExpiration: { noncurrentDays: s.noncurrentVersionExpirationDays },
        });
        rules.push({
            id: "remove-expired-delete-markers",
            status: "Enabled",
            filter: {},
            expiration: { expiredObjectDeleteMarker: true },
        });
    }
    return rules;
}

/** Expiry in days for a store: its signal's retention plus the safety margin, or none for state. */
export function expirationDays(spec: StoreSpec, retentionDays: Record<Signal, number>, marginDays: number): number | undefined {
    return spec.signal === undefined ? undefined : retentionDays[spec.signal] + marginDays;
}

export interface PolicyDocument {
    Version: "2012-10-17";
    Statement: Record<string, unknown>[];
}

/** A bucket policy that denies any request not made over TLS 1.2 or newer. */
export function tlsOnlyBucketPolicy(bucketArn: string): PolicyDocument {
    const resources = [bucketArn, `${bucketArn}/*`];
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "DenyInsecureTransport",
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: resources,
                Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
            {
                Sid: "DenyOutdatedTls",
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: resources,
                Condition: { NumericLessThan: { "s3:TlsVersion": "1.2" } },
            },
        ],
    };
}

/** Least privilege for a backend on exactly the given buckets (object read/write/delete and listing). */
export function bucketAccessPolicy(bucketArns: readonly string[], kmsKeyArn?: string): PolicyDocument {
    const statements: Record<string, unknown>[] = [
        {
            Sid: "ListTelemetryBuckets",
            Effect: "Allow",
            Action: ["s3:ListBucket", "s3:GetBucketLocation"],
            Resource: [...bucketArns],
        },
        {
            Sid: "ReadWriteTelemetryObjects",
            Effect: "Allow",
            // Tagging: Tempo's S3 backend reads and writes object tags.
            Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:GetObjectTagging", "s3:PutObjectTagging"],
            Resource: bucketArns.map(a => `${a}/*`),
        },
    ];
    if (kmsKeyArn !== undefined) {
        statements.push({
            Sid: "UseTelemetryKey",
            Effect: "Allow",
            Action: ["kms:Decrypt", "kms:GenerateDataKey"],
            Resource: [kmsKeyArn],
        });
    }
    return { Version: "2012-10-17", Statement: statements };
}

/** Trust policy for a role assumed by an AWS service (`ec2.amazonaws.com`, `s3.amazonaws.com`). */
export function serviceTrustPolicy(service: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }],
    };
}

/** Trust policy of an IRSA role: only the given ServiceAccount of the cluster's OIDC provider may assume it. */
export function irsaTrustPolicy(oidcProviderArn: string, issuerHostPath: string, namespace: string, serviceAccount: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [{
            Effect: "Allow",
            Principal: { Federated: oidcProviderArn },
            Action: "sts:AssumeRoleWithWebIdentity",
            Condition: {
                StringEquals: {
                    [`${issuerHostPath}:sub`]: `system:serviceaccount:${namespace}:${serviceAccount}`,
                    [`${issuerHostPath}:aud`]: "sts.amazonaws.com",
                },
            },
        }],
    };
}

/** What S3 replication needs: read versions from the sources, replicate into the replicas. */
export function replicationPolicy(
    pairs: readonly { source: string; replica: string }[],
    sourceKmsKeyArn?: string,
    replicaKmsKeyArn?: string,
): PolicyDocument {
    const statements: Record<string, unknown>[] = [
        {
            Sid: "ReadReplicationConfiguration",
            Effect: "Allow",
            Action: ["s3:GetReplicationConfiguration", "s3:ListBucket"],
            Resource: pairs.map(p => p.source),
        },
        {
            Sid: "ReadSourceVersions",
            Effect: "Allow",
            Action: ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"],
            Resource: pairs.map(p => `${p.source}/*`),
        },
        {
            Sid: "WriteReplicas",
            Effect: "Allow",
            Action: ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"],
            Resource: pairs.map(p => `${p.replica}/*`),
        },
    ];
    if (sourceKmsKeyArn !== undefined) {
        statements.push({ Sid: "DecryptSource", Effect: "Allow", Action: ["kms:Decrypt"], Resource: [sourceKmsKeyArn] });
    }
    if (replicaKmsKeyArn !== undefined) {
        statements.push({ Sid: "EncryptReplica", Effect: "Allow", Action: ["kms:Encrypt", "kms:GenerateDataKey"], Resource: [replicaKmsKeyArn] });
    }
    return { Version: "2012-10-17", Statement: statements };
}
