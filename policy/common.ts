// What every policy file shares: the resource types it reads, walking Helm values, and Kubernetes quantities.
// Policies read resource types as strings so the pack needs no provider SDK.

export const HELM_RELEASE = "kubernetes:helm.sh/v3:Release";
export const COLLECTOR_CHART = "opentelemetry-collector";
export const BUCKET = "aws:s3/bucket:Bucket";

export type Values = Record<string, unknown>;
export const isObject = (v: unknown): v is Values => typeof v === "object" && v !== null && !Array.isArray(v);

/** A nested input that may arrive as a JSON string (policy documents, provider settings); undefined when it does not parse. */
export function jsonValue(value: unknown): unknown {
    if (typeof value !== "string") return value;
    try {
        return JSON.parse(value);
    } catch {
        return undefined;
    }
}

/** Every (path, key, value) of a nested value. */
export function* walk(value: unknown, at = ""): Generator<[string, string, unknown]> {
    if (Array.isArray(value)) {
        for (const [i, v] of value.entries()) yield* walk(v, `${at}[${i}]`);
    } else if (isObject(value)) {
        for (const [k, v] of Object.entries(value)) {
            const path = at ? `${at}.${k}` : k;
            yield [path, k, v];
            yield* walk(v, path);
        }
    }
}

/** The chart, version and values of a Helm release's props. */
export function release(props: Values): { name: string; chart: string; version: string; values: Values } {
    return {
        name: String(props.name ?? ""),
        chart: String(props.chart ?? ""),
        version: String(props.version ?? ""),
        values: isObject(props.values) ? props.values : {},
    };
}

/** A Kubernetes memory quantity in MiB (`512Mi`, `2Gi`, `1073741824`); undefined when unparsable. */
export function memoryMiB(q: unknown): number | undefined {
    const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(String(q ?? ""));
    if (!m) return undefined;
    const factor: Record<string, number> = { Ki: 1 / 1024, Mi: 1, Gi: 1024, Ti: 1024 * 1024, k: 1000 / 1048576, M: 1e6 / 1048576, G: 1e9 / 1048576, T: 1e12 / 1048576 };
    return Number(m[1]) * (m[2] ? factor[m[2]] : 1 / 1048576);
}

/**
 * A policy's settings: its defaults overlaid with the pack configuration. The analyzer hands a policy only the
 * configuration it was given (`getConfig()` is `{}` without one), so every policy reads through this.
 */
export function settings<T extends object>(args: { getConfig<C extends object>(): C }, defaults: T): T {
    return { ...defaults, ...args.getConfig<Partial<T>>() };
}

/** The value at a dot path (`loki.server.http_tls_config`) of nested values; undefined when any step is missing. */
export function at(value: unknown, path: string): unknown {
    let v = value;
    for (const key of path.split(".")) v = isObject(v) ? v[key] : undefined;
    return v;
}

const UNIT_DAYS: Readonly<Record<string, number>> = { y: 365, w: 7, d: 1, h: 1 / 24, m: 1 / 1440, s: 1 / 86400, ms: 1 / 86_400_000 };

/** A Go or Prometheus duration (`168h`, `15d`, `1w2d`, `90m`) in days; undefined when unparsable. */
export function durationDays(value: unknown): number | undefined {
    const text = String(value ?? "").trim();
    if (!/^(\d+(\.\d+)?(ms|y|w|d|h|m|s))+$/.test(text)) return undefined;
    let days = 0;
    for (const [, n, , unit] of text.matchAll(/(\d+(\.\d+)?)(ms|y|w|d|h|m|s)/g)) days += Number(n) * UNIT_DAYS[unit];
    return days;
}
