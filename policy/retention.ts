// Retention: every backend keeps its signal for a set time within the organisation's bounds, Loki actually deletes,
// buckets expire data no sooner than the backend and not much later, and alerting and dashboard state survive restarts.
import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { backendOf, Backend, Signal } from "./backends";
import { at, BUCKET, durationDays, isObject, release, settings, Values } from "./common";

type Bounds = { minDays: number; maxDays: number };
type RetentionBounds = Record<Signal, Bounds>;

/** Defaults of the retention bounds per signal, in days. */
const BOUNDS: RetentionBounds = {
    logs: { minDays: 1, maxDays: 730 },
    traces: { minDays: 1, maxDays: 180 },
    metrics: { minDays: 1, maxDays: 1825 },
};

const boundsSchema = (d: Bounds) => ({
    type: "object" as const,
    properties: { minDays: { type: "number" as const, minimum: 0 }, maxDays: { type: "number" as const, minimum: 1 } },
    required: ["minDays", "maxDays"],
    additionalProperties: false,
    default: d,
});

const days = (n: number) => `${Math.round(n * 100) / 100} days`;

/** The days a backend keeps data: the longest of its retention settings (all of which parsed and are above 0). */
function retentionDays(b: Backend): number | undefined {
    const parsed = b.retention.map(s => durationDays(s.value));
    return parsed.length > 0 && parsed.every(d => d !== undefined && d > 0) ? Math.max(...(parsed as number[])) : undefined;
}

export const backendRetentionBounded: ResourceValidationPolicy = {
    name: "retention-backend-retention-bounded",
    description: "Each backend's retention is set, finite and within the configured bounds for its signal.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { logs: boundsSchema(BOUNDS.logs), traces: boundsSchema(BOUNDS.traces), metrics: boundsSchema(BOUNDS.metrics) } },
    validateResource: (args, reportViolation) => {
        const b = backendOf(args.type, args.props);
        if (!b?.signal) return;
        const bounds = settings<RetentionBounds>(args, BOUNDS)[b.signal];
        if (b.retention.length === 0) {
            reportViolation(`release ${b.release}: no retention set for ${b.signal}; set ${b.retentionHint} (between ${bounds.minDays} and ${bounds.maxDays} days).`);
        }
        for (const s of b.retention) {
            const d = durationDays(s.value);
            if (d === undefined || d <= 0) {
                reportViolation(`release ${b.release}: ${s.path} is "${String(s.value)}", which keeps ${b.signal} forever or does not parse; set a duration such as 30d.`);
            } else if (d < bounds.minDays || d > bounds.maxDays) {
                reportViolation(`release ${b.release}: ${s.path} is ${String(s.value)} (${days(d)}), outside the ${b.signal} bounds of ${bounds.minDays}–${bounds.maxDays} days; set it within them (policy config ${b.signal}).`);
            }
        }
    },
};

export const lokiCompactorRetention: ResourceValidationPolicy = {
    name: "retention-loki-compactor-enabled",
    description: "Loki's compactor applies retention: without it retention_period deletes nothing.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        const b = backendOf(args.type, args.props);
        if (b?.chart !== "loki") return;
        const v = release(args.props).values;
        const compactor = at(v, "loki.compactor");
        if (!isObject(compactor) || compactor.retention_enabled !== true) {
            reportViolation(`release ${b.release}: loki.compactor.retention_enabled is not true; set it so the compactor deletes chunks past retention_period.`);
        } else if (!compactor.delete_request_store) {
            reportViolation(`release ${b.release}: loki.compactor.delete_request_store is unset; Loki refuses retention without it; set it to the object store (s3).`);
        }
        if (v.deploymentMode === "Distributed" && !(Number(at(v, "compactor.replicas")) >= 1)) {
            reportViolation(`release ${b.release}: distributed Loki runs no compactor; set compactor.replicas: 1.`);
        }
    },
};

const LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration";
const REPLICATION = "aws:s3/bucketReplicationConfig:BucketReplicationConfig";

/** The days after which a lifecycle configuration expires current objects (its shortest enabled expiry), if any. */
function expiryDays(lifecycle: Values | undefined): number | undefined {
    const days = ((lifecycle?.rules as Values[] | undefined) ?? [])
        .filter(r => r.status === "Enabled" && isObject(r.expiration) && typeof r.expiration.days === "number")
        .map(r => (r.expiration as { days: number }).days);
    return days.length > 0 ? Math.min(...days) : undefined;
}

/** What a bucket holds, from the release that references it: a signal's data (with its retention) or state. */
interface BucketUse {
    readonly release: string;
    readonly path: string;
    /** The backend's retention in days for a data bucket; undefined for state (rules, Alertmanager state). */
    readonly retentionDays?: number;
    readonly signal?: Signal;
}

export const bucketExpiryMatchesRetention: StackValidationPolicy = {
    name: "retention-s3-expiry-matches-retention",
    description: "Each data bucket expires objects no sooner than its backend's retention and at most a margin later; state buckets never expire current objects.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { marginDays: { type: "integer", minimum: 0, default: 14 } } },
    validateStack: (args, reportViolation) => {
        const { marginDays } = settings(args, { marginDays: 14 });
        const uses = new Map<string, BucketUse>();
        for (const r of args.resources) {
            const b = backendOf(r.type, r.props);
            if (!b) continue;
            for (const ref of b.buckets) {
                const data = b.dataBucket !== undefined && ref.path === b.dataBucket.path;
                uses.set(String(ref.value), { release: b.release, path: ref.path, ...(data ? { retentionDays: retentionDays(b), signal: b.signal } : {}) });
            }
        }
        // A replica holds what its source holds.
        for (const r of args.resources.filter(x => x.type === REPLICATION)) {
            const use = uses.get(String(r.props.bucket));
            for (const rule of (r.props.rules as Values[] | undefined) ?? []) {
                const arn = String(at(rule, "destination.bucket") ?? "");
                if (use && arn.startsWith("arn:")) uses.set(arn.split(":::").pop()!, use);
            }
        }
        const lifecycles = new Map(args.resources.filter(r => r.type === LIFECYCLE).map(r => [String(r.props.bucket), r.props]));
        for (const bucket of args.resources.filter(r => r.type === BUCKET)) {
            const id = String(bucket.props.id ?? bucket.props.bucket ?? bucket.name);
            const use = uses.get(id);
            if (!use) continue; // no backend uses it: nothing to compare with
            const expiry = expiryDays(lifecycles.get(id));
            const where = `bucket ${bucket.name} (${use.path} of release ${use.release})`;
            if (use.signal === undefined) {
                if (expiry !== undefined) reportViolation(`${where} holds state, yet expires objects after ${expiry} days; remove the expiration rule (keep noncurrent-version expiry).`, bucket.urn);
                continue;
            }
            if (use.retentionDays === undefined) continue; // the retention policy reports the backend
            const max = use.retentionDays + marginDays;
            if (expiry === undefined) {
                reportViolation(`${where} never expires ${use.signal}; add a lifecycle expiration of ${Math.ceil(use.retentionDays)}–${Math.floor(max)} days.`, bucket.urn);
            } else if (expiry < use.retentionDays) {
                reportViolation(`${where} expires objects after ${expiry} days, before the backend's retention of ${days(use.retentionDays)}; set expiration to at least ${Math.ceil(use.retentionDays)} days.`, bucket.urn);
            } else if (expiry > max) {
                reportViolation(`${where} expires objects after ${expiry} days, more than retention (${days(use.retentionDays)}) plus the ${marginDays}-day margin; set expiration to at most ${Math.floor(max)} days (policy config marginDays).`, bucket.urn);
            }
        }
    },
};

export const statePersistent: ResourceValidationPolicy = {
    name: "retention-state-persistent",
    description: "Alertmanager (silences, notification log) and Grafana (users, annotations, preferences) keep their state on a persistent volume or database.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        const b = backendOf(args.type, args.props);
        if (b?.persistentState && !b.persistentState.persistent) {
            reportViolation(`release ${b.release}: state is lost on every restart; set ${b.persistentState.hint}.`);
        }
    },
};

export const retentionPolicies = [backendRetentionBounded, lokiCompactorRetention, bucketExpiryMatchesRetention, statePersistent];
