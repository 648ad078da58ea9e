// Storage and retention: how long each signal is kept, and the buckets that hold them (encryption, versioning,
// cross-region replication, lifecycle).
import { REGION_RE } from "./cluster";
import { ConfigReader } from "./reader";
import { BucketConfig, ConfigKey, DEFAULTS, Environment, ENVIRONMENT_DEFAULTS, Retention, RETENTION_BOUNDS, Signal, SIGNALS } from "./schema";

const KMS_KEY_RE = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):\d{12}:key\/(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

export function parseRetention(r: ConfigReader, environment: Environment): Record<Signal, Retention> {
    const retention = {} as Record<Signal, Retention>;
    for (const signal of SIGNALS) {
        const key = `retention${signal[0].toUpperCase()}${signal.slice(1)}` as ConfigKey;
        const text = r.text(key) ?? ENVIRONMENT_DEFAULTS[environment].retention[signal];
        const { min, max } = RETENTION_BOUNDS[signal];
        const allowed = `a duration of whole days from ${min}d to ${max}d, written as Nd, Nw or a multiple of 24 as Nh`;
        const m = /^(\d+)(h|d|w)$/.exec(text);
        let days = Number.NaN;
        if (!m) r.add(key, text, "not a duration", allowed);
        else if (m[2] === "h" && Number(m[1]) % 24 !== 0) r.add(key, text, "not a whole number of days (Loki deletes per 24h index period)", allowed);
        else {
            days = m[2] === "h" ? Number(m[1]) / 24 : m[2] === "w" ? Number(m[1]) * 7 : Number(m[1]);
            if (days < min || days > max) r.add(key, text, "outside the sane bounds for " + signal, allowed);
        }
        retention[signal] = { text, days, hours: `${days * 24}h` };
    }
    return retention;
}

/** The buckets; `region` is `aws:region` as set (KMS keys are regional). */
export function parseBuckets(r: ConfigReader, environment: Environment, region: string | undefined): BucketConfig {
    const kmsKeyArn = kmsArn(r, "kmsKeyArn", region);
    const versioning = r.bool("bucketVersioning", DEFAULTS.bucketVersioning);
    const replicationRegion = r.text("replicationRegion");
    if (replicationRegion !== undefined) {
        if (!REGION_RE.test(replicationRegion)) r.add("replicationRegion", replicationRegion, "not an AWS region name", "an AWS region other than the stack's, e.g. eu-central-1");
        else if (replicationRegion === region) r.add("replicationRegion", replicationRegion, "same as aws:region, so it is not cross-region", "an AWS region other than " + region);
        if (!versioning) r.add("bucketVersioning", false, "S3 replication requires versioning on the source buckets", "true when replicationRegion is set");
    }
    const replicationKmsKeyArn = kmsArn(r, "replicationKmsKeyArn", replicationRegion);
    if (replicationKmsKeyArn !== undefined && replicationRegion === undefined) {
        r.add("replicationKmsKeyArn", replicationKmsKeyArn, "set without replicationRegion", "only together with replicationRegion");
    }
    if (kmsKeyArn !== undefined && replicationRegion !== undefined && replicationKmsKeyArn === undefined) {
        r.add("replicationKmsKeyArn", undefined, "required: objects encrypted with kmsKeyArn replicate only to a KMS key in the replica region",
            `a KMS key ARN in ${replicationRegion}`);
    }
    return {
        kmsKeyArn, versioning, replicationRegion, replicationKmsKeyArn,
        lifecycleMarginDays: r.integer("lifecycleMarginDays", DEFAULTS.lifecycleMarginDays, 1, 90, "days added to each signal's retention before S3 expires objects"),
        noncurrentVersionExpirationDays: r.integer("noncurrentVersionExpirationDays", DEFAULTS.noncurrentVersionExpirationDays, 1, 365, "days"),
        abortIncompleteUploadDays: r.integer("abortIncompleteUploadDays", DEFAULTS.abortIncompleteUploadDays, 1, 30, "days"),
        forceDestroy: r.bool("bucketForceDestroy", ENVIRONMENT_DEFAULTS[environment].bucketForceDestroy),
    };
}

function kmsArn(r: ConfigReader, key: "kmsKeyArn" | "replicationKmsKeyArn", expectRegion: string | undefined): string | undefined {
    const value = r.text(key);
    if (value === undefined) return undefined;
    const m = KMS_KEY_RE.exec(value);
    const allowed = `a KMS key ARN (not an alias) in ${expectRegion ?? "the region it is used in"}, e.g. arn:aws:kms:${expectRegion ?? "eu-west-1"}:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
    if (!m) r.add(key, value, "not a KMS key ARN", allowed);
    else if (expectRegion !== undefined && m[1] !== expectRegion) r.add(key, value, `the key is in ${m[1]}, KMS keys are regional`, allowed);
    return value;
}
