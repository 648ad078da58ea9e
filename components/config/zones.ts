// prod's availability zones: where the replicated workloads spread and the ingesters and store-gateways replicate.
import { ConfigReader } from "./reader";
import type { ClusterKind, Environment } from "./schema";

/** A zone as the AWS `topology.kubernetes.io/zone` node label names it: the region and a letter. */
const ZONE_RE = /^[a-z]{2}(-gov)?-[a-z]+-\d[a-z]$/;

/**
 * The three zones of prod's cluster (Mimir's store-gateways and Tempo's ingesters need three; Loki's chart makes
 * exactly three), by default the region's a, b and c. Dev runs on one host and reads none.
 */
export function parseZones(r: ConfigReader, ctx: { environment: Environment; clusterKind: ClusterKind; region: string }): string[] | undefined {
    const raw = r.json("availabilityZones", "array") as unknown[] | undefined;
    if (ctx.environment !== "prod" || ctx.clusterKind !== "existing") {
        if (raw !== undefined) r.add("availabilityZones", raw, "only read in prod on an existing cluster (dev runs on one host)", "unset");
        return undefined;
    }
    const zones = raw ?? ["a", "b", "c"].map(letter => `${ctx.region}${letter}`);
    const allowed = `three distinct zones of ${ctx.region}, as the nodes' topology.kubernetes.io/zone label names them, e.g. ["${ctx.region}a", "${ctx.region}b", "${ctx.region}c"]`;
    let ok = true;
    for (const z of zones) {
        if (typeof z !== "string" || !ZONE_RE.test(z)) { r.add("availabilityZones", z, "not an availability zone name", allowed); ok = false; }
        else if (!z.startsWith(ctx.region)) { r.add("availabilityZones", z, `not in the stack's region ${ctx.region}`, allowed); ok = false; }
    }
    if (ok && (zones.length !== 3 || new Set(zones).size !== 3)) { r.add("availabilityZones", zones, `${new Set(zones).size} distinct zones given`, allowed); ok = false; }
    return ok ? (zones as string[]) : undefined;
}
