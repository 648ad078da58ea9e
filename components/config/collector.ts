// The collector tier: agent and gateway sizes, tail sampling (default rate and per-service rules), redaction, the
// cardinality guard and the remote-write fan-out targets.
import type { CollectorSettings, RemoteWriteTarget, SamplingRule } from "../render/collector/otel";
import { ConfigReader, CREDENTIAL_NAME_RE, decimal, parseUrl } from "./reader";
import { DEFAULTS, Environment, ENVIRONMENT_DEFAULTS } from "./schema";

export function parseCollector(r: ConfigReader, environment: Environment): CollectorSettings {
    const env = ENVIRONMENT_DEFAULTS[environment];
    const minReplicas = r.integer("gatewayMinReplicas", env.gatewayMinReplicas, 1, 50, "gateway pods");
    const maxReplicas = r.integer("gatewayMaxReplicas", env.gatewayMaxReplicas, 1, 100, "gateway pods");
    if (maxReplicas < minReplicas) r.add("gatewayMaxReplicas", maxReplicas, `below gatewayMinReplicas (${minReplicas})`, `an integer from ${minReplicas} to 100`);
    return {
        agent: {
            memoryLimitMiB: r.integer("agentMemoryLimitMiB", env.agentMemoryLimitMiB, 256, 16384, "MiB, the agent container's memory limit"),
            queueMiB: r.integer("agentQueueMiB", env.agentQueueMiB, 256, 65536, "MiB of each node's disk for the agent's persistent queues"),
        },
        gateway: {
            minReplicas, maxReplicas,
            memoryLimitMiB: r.integer("gatewayMemoryLimitMiB", env.gatewayMemoryLimitMiB, 512, 65536, "MiB, each gateway container's memory limit"),
            queueVolumeGiB: r.integer("gatewayQueueVolumeGiB", env.gatewayQueueVolumeGiB, 1, 1000, "GiB, each gateway pod's queue volume"),
        },
        sampling: {
            decisionWaitSeconds: r.integer("samplingDecisionWaitSeconds", DEFAULTS.samplingDecisionWaitSeconds, 1, 120, "seconds"),
            latencyThresholdMs: r.integer("samplingLatencyThresholdMs", DEFAULTS.samplingLatencyThresholdMs, 1, 600000, "milliseconds"),
            defaultPercent: percent(r, "samplingPercent", r.text("samplingPercent"), env.samplingPercent),
            rules: parseSamplingRules(r),
        },
        dropGenAiContent: r.bool("dropGenAiContent", DEFAULTS.dropGenAiContent),
        droppedMetricAttributes: parseDroppedAttributes(r),
        remoteWrite: parseRemoteWriteTargets(r),
    };
}

function percent(r: ConfigReader, key: string, value: unknown, fallback: number): number {
    if (value === undefined) return fallback;
    const n = decimal(value);
    if (Number.isNaN(n) || n < 0 || n > 100) { r.add(key, value, "not a percentage", "a percentage from 0 to 100 (decimals allowed, e.g. 0.5)"); return fallback; }
    return n;
}

function parseSamplingRules(r: ConfigReader): SamplingRule[] {
    const rules: SamplingRule[] = [];
    const ruleAllowed = `objects like {"service": "checkout", "endpoint": "/api/pay", "percent": 50} (endpoint optional, matched against http.route)`;
    for (const [i, item] of ((r.json("samplingRules", "array") ?? []) as unknown[]).entries()) {
        const key = `samplingRules[${i}]`;
        if (typeof item !== "object" || item === null || Array.isArray(item)) { r.add(key, item, "not an object", ruleAllowed); continue; }
        const o = item as Record<string, unknown>;
        const unknown = Object.keys(o).filter(k => !["service", "endpoint", "percent"].includes(k));
        if (unknown.length) r.add(key, o, `unknown field ${unknown.join(", ")}`, ruleAllowed);
        if (typeof o.service !== "string" || !/^[A-Za-z0-9._\-/]{1,100}$/.test(o.service)) { r.add(`${key}.service`, o.service, "not a service name", "a service.name value of letters, digits, . _ - /"); continue; }
        if (o.endpoint !== undefined && (typeof o.endpoint !== "string" || !o.endpoint.startsWith("/"))) { r.add(`${key}.endpoint`, o.endpoint, "not a route", "an http.route value starting with /"); continue; }
        if (o.percent === undefined) { r.add(`${key}.percent`, undefined, "required", "a percentage from 0 to 100"); continue; }
        const rule: SamplingRule = { service: o.service, endpoint: o.endpoint as string | undefined, percent: percent(r, `${key}.percent`, o.percent, 0) };
        if (rules.some(x => x.service === rule.service && x.endpoint === rule.endpoint)) { r.add(key, o, "duplicates an earlier rule", "one rule per service and endpoint"); continue; }
        rules.push(rule);
    }
    return rules;
}

function parseDroppedAttributes(r: ConfigReader): string[] {
    const dropped: string[] = [];
    for (const item of (r.json("droppedMetricAttributes", "array") ?? DEFAULTS.droppedMetricAttributes) as unknown[]) {
        if (typeof item !== "string" || !/^[A-Za-z0-9._\-]{1,255}$/.test(item)) r.add("droppedMetricAttributes", item, "not an attribute key", "attribute keys such as user.id");
        else if (!dropped.includes(item)) dropped.push(item);
    }
    return dropped;
}

function parseRemoteWriteTargets(r: ConfigReader): RemoteWriteTarget[] {
    const remoteWrite: RemoteWriteTarget[] = [];
    const rawTargets = r.json("remoteWriteTargets", "array");
    const targetAllowed = `objects like {"name": "victoria", "url": "https://vm.example.com/api/v1/write", "headers": {"X-Scope-OrgID": "team-a"}, "queueSize": 10000, "consumers": 5, "timeoutSeconds": 30}`;
    for (const [i, item] of ((rawTargets ?? []) as unknown[]).entries()) {
        const key = `remoteWriteTargets[${i}]`;
        if (typeof item !== "object" || item === null || Array.isArray(item)) { r.add(key, item, "not an object", targetAllowed); continue; }
        const t = item as Record<string, unknown>;
        const unknown = Object.keys(t).filter(k => !["name", "url", "headers", "queueSize", "consumers", "timeoutSeconds"].includes(k));
        if (unknown.length) r.add(key, t, `unknown field ${unknown.join(", ")}`, targetAllowed);
        let ok = true;
        if (typeof t.name !== "string" || !/^[a-z0-9][a-z0-9-]{0,30}$/.test(t.name)) { r.add(`${key}.name`, t.name, "not a short lower-case name", "1 to 31 of a-z, 0-9 and -"); ok = false; }
        else if (remoteWrite.some(o => o.name === t.name)) { r.add(`${key}.name`, t.name, "used twice", "a unique name per target"); ok = false; }
        const url = typeof t.url === "string" ? parseUrl(t.url) : undefined;
        if (!url || url.protocol !== "https:" || url.username || url.password) {
            r.add(`${key}.url`, t.url, "not an https URL without credentials", "https://host[:port]/path; plaintext remote write is refused"); ok = false;
        }
        const headers: Record<string, string> = {};
        if (t.headers !== undefined) {
            if (typeof t.headers !== "object" || t.headers === null || Array.isArray(t.headers)) { r.add(`${key}.headers`, t.headers, "not a map", "a map of header name to string value"); ok = false; }
            else for (const [h, value] of Object.entries(t.headers as Record<string, unknown>)) {
                if (!/^[A-Za-z0-9-]{1,100}$/.test(h) || typeof value !== "string") { r.add(`${key}.headers.${h}`, value, "not a header", "an HTTP header name with a string value"); ok = false; }
                else if (CREDENTIAL_NAME_RE.test(h)) { r.add(`${key}.headers.${h}`, "[hidden]", "credentials never go in plain config (they would land in the render and the ConfigMap)", "non-secret headers such as X-Scope-OrgID"); ok = false; }
                else headers[h] = value;
            }
        }
        const num = (field: "queueSize" | "consumers" | "timeoutSeconds", fallback: number, min: number, max: number): number => {
            const value = t[field];
            if (value === undefined) return fallback;
            if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) { r.add(`${key}.${field}`, value, "out of range", `an integer from ${min} to ${max}`); ok = false; return fallback; }
            return value;
        };
        const d = DEFAULTS.remoteWrite;
        const target = {
            name: String(t.name), url: String(t.url), headers,
            queueSize: num("queueSize", d.queueSize, 100, 1000000), consumers: num("consumers", d.consumers, 1, 200), timeoutSeconds: num("timeoutSeconds", d.timeoutSeconds, 1, 300),
        };
        if (ok) remoteWrite.push(target);
    }
    return remoteWrite;
}
