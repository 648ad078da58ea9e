// What the least-privilege policies read from Kubernetes objects and Helm values: pod specs of the workloads the
// program creates, the Kubernetes fields a release's values set (host paths, privileged settings, RBAC rules), and
// which releases and workloads are the node agents. The pack sees a release's values, never the chart's manifests:
// what a chart adds on its own is judged only where the pack names it (the collector chart's presets below).
import YAML from "yaml";
import { at, COLLECTOR_CHART, HELM_RELEASE, isObject, release, Values } from "./common";

export const NAMESPACE = "kubernetes:core/v1:Namespace";
export const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
export const SERVICE_ACCOUNT = "kubernetes:core/v1:ServiceAccount";
export const ROLE_TYPES = ["kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", "kubernetes:rbac.authorization.k8s.io/v1:Role"];
export const BINDING_TYPES = ["kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding", "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding"];

/** Where each Kubernetes workload kind keeps its pod spec. */
export const POD_SPEC: Readonly<Record<string, string>> = {
    "kubernetes:apps/v1:Deployment": "spec.template.spec",
    "kubernetes:apps/v1:StatefulSet": "spec.template.spec",
    "kubernetes:apps/v1:DaemonSet": "spec.template.spec",
    "kubernetes:apps/v1:ReplicaSet": "spec.template.spec",
    "kubernetes:batch/v1:Job": "spec.template.spec",
    "kubernetes:batch/v1:CronJob": "spec.jobTemplate.spec.template.spec",
    "kubernetes:core/v1:Pod": "spec",
};

/** A Kubernetes object's name and namespace (`fallback`, `default` unless given, when unset, as the API server does). */
export function metaOf(props: Values, fallback = "default"): { name: string; namespace: string } {
    return { name: String(at(props, "metadata.name") ?? ""), namespace: String(at(props, "metadata.namespace") ?? fallback) };
}

export interface KubeObject {
    readonly kind: string;
    readonly name: string;
    readonly namespace: string;
    readonly body: Values;
}

/**
 * The Kubernetes objects a release's values carry as extra manifests (`extraObjects`: objects, or YAML strings the
 * chart renders as they are), in the release's namespace unless they name one. The pack sees these, unlike the
 * objects the chart's own templates make.
 */
export function extraObjects(props: Values): KubeObject[] {
    const r = release(props);
    const objects = Array.isArray(r.values.extraObjects) ? r.values.extraObjects : [];
    return objects.flatMap(o => {
        let body: unknown = o;
        if (typeof o === "string") {
            try {
                body = YAML.parse(o, { logLevel: "error" });
            } catch {
                return [];
            }
        }
        if (!isObject(body)) return [];
        return [{ kind: String(body.kind ?? ""), ...metaOf(body, String(props.namespace ?? "default")), body }];
    });
}

/** The pod spec of a workload the program creates, with the workload's kind, name and namespace. */
export function podOf(type: string, props: Values): { kind: string; name: string; namespace: string; spec: Values } | undefined {
    const path = POD_SPEC[type];
    if (!path) return undefined;
    const spec = at(props, path);
    return { kind: type.split(":").pop()!, ...metaOf(props), spec: isObject(spec) ? spec : {} };
}

/** The node agents, as `<namespace>/<release or workload>`: the only workloads allowed host paths and host access. */
export const AGENTS = ["observability-agents/otel-agent"];

/** Subtrees of Helm values that hold program configs or pod security policies, not Kubernetes fields of the pods. */
const NOT_POD_FIELDS = new Set(["alternateConfig", "config", "structuredConfig", "podSecurityPolicy"]);

/** Every (path, key, value) of Helm values (or a pod spec) outside program configs; list items have the key "". */
export function* podFields(value: unknown, at = ""): Generator<[string, string, unknown]> {
    if (Array.isArray(value)) {
        for (const [i, v] of value.entries()) {
            yield [`${at}[${i}]`, "", v];
            yield* podFields(v, `${at}[${i}]`);
        }
    } else if (isObject(value)) {
        for (const [k, v] of Object.entries(value)) {
            if (NOT_POD_FIELDS.has(k)) continue;
            const path = at ? `${at}.${k}` : k;
            yield [path, k, v];
            yield* podFields(v, path);
        }
    }
}

interface Preset {
    readonly volumes: ReadonlyArray<{ name: string; path: string; readOnly: boolean; when?: string }>;
    readonly hostPID?: boolean;
    readonly capabilities?: boolean;
}

/**
 * What the opentelemetry-collector chart (0.170.0, `templates/_pod.tpl` and the workload templates) adds to the pod
 * for each preset the values enable: host paths with how it mounts them, hostPID and added capabilities.
 */
const COLLECTOR_PRESETS: Readonly<Record<string, Preset>> = {
    logsCollection: { volumes: [
        { name: "varlogpods", path: "/var/log/pods", readOnly: true },
        { name: "varlibdockercontainers", path: "/var/lib/docker/containers", readOnly: true },
        { name: "varlibotelcol", path: "/var/lib/otelcol", readOnly: false, when: "storeCheckpoints" },
    ] },
    hostMetrics: { volumes: [{ name: "hostfs", path: "/", readOnly: true }] },
    profiling: { volumes: [{ name: "tracefs", path: "/sys/kernel/tracing", readOnly: true }], hostPID: true, capabilities: true },
};

const enabledPresets = (chart: string, values: Values): [string, Preset, Values][] => chart !== COLLECTOR_CHART ? []
    : Object.entries(COLLECTOR_PRESETS).flatMap(([name, p]) => {
        const v = at(values, `presets.${name}`);
        return isObject(v) && v.enabled === true ? [[name, p, v] as [string, Preset, Values]] : [];
    });

export interface HostPathVolume {
    /** Where the volume is set: a values or pod-spec path, or the chart preset that adds it. */
    readonly where: string;
    readonly name: string;
    readonly path: string;
    /** Whether every mount of the volume is read-only; undefined when nothing shown mounts it. */
    readonly readOnly?: boolean;
}

/** Every hostPath volume in Helm values or a pod spec, with whether its mounts (matched by name) are all read-only. */
export function hostPathVolumes(values: Values, chart = ""): HostPathVolume[] {
    const mounts = new Map<string, boolean>();
    const volumes: Array<Omit<HostPathVolume, "readOnly">> = [];
    for (const [path, , v] of podFields(values)) {
        if (isObject(v) && isObject(v.hostPath) && typeof v.hostPath.path === "string") volumes.push({ where: path, name: String(v.name ?? ""), path: v.hostPath.path });
        if (isObject(v) && typeof v.mountPath === "string" && typeof v.name === "string") {
            mounts.set(v.name, (mounts.get(v.name) ?? true) && v.readOnly === true);
        }
    }
    const out: HostPathVolume[] = volumes.map(v => ({ ...v, ...(mounts.has(v.name) ? { readOnly: mounts.get(v.name) } : {}) }));
    for (const [name, preset, settings] of enabledPresets(chart, values)) {
        for (const v of preset.volumes) {
            if (v.when === undefined || settings[v.when] === true) out.push({ where: `presets.${name}`, name: v.name, path: v.path, readOnly: v.readOnly });
        }
    }
    return out;
}

/** Privileged settings in Helm values or a pod spec: privileged containers, host namespaces, added capabilities. */
export function hostAccess(values: Values, chart = ""): string[] {
    const out: string[] = [];
    for (const [path, key, v] of podFields(values)) {
        if (key === "privileged" && v === true) out.push(`${path}: true`);
        if (["hostNetwork", "hostPID", "hostIPC"].includes(key) && v === true) out.push(`${path}: true`);
        if (key === "capabilities" && isObject(v) && Array.isArray(v.add) && v.add.length > 0) out.push(`${path}.add [${v.add.join(", ")}]`);
    }
    for (const [name, preset] of enabledPresets(chart, values)) {
        if (preset.hostPID) out.push(`presets.${name} (hostPID)`);
        if (preset.capabilities && !isObject(values.securityContext)) out.push(`presets.${name} (added capabilities)`);
    }
    return out;
}

/** A host path in normal form: no repeated or trailing slashes. */
export const normalPath = (p: string) => (p.replace(/\/+/g, "/").replace(/(.)\/$/, "$1"));

/** Is `path` one of `allowed` or below one of them (never through `..`)? */
export function pathWithin(path: string, allowed: readonly string[]): boolean {
    const p = normalPath(path);
    if (!p.startsWith("/") || p.split("/").includes("..")) return false;
    return allowed.map(normalPath).some(a => p === a || p.startsWith(a === "/" ? "/" : `${a}/`));
}

/** A Helm release or a workload the program creates, as the host-access policies judge it. */
export interface Subject {
    /** How messages name it: `release otel-agent`, `DaemonSet observability/node-exporter`. */
    readonly label: string;
    /** `<namespace>/<name>`, as the `agents` setting lists agents. */
    readonly id: string;
    /** The release's values or the workload's pod spec. */
    readonly fields: Values;
    readonly chart: string;
    /** Where a path of `fields` is on the resource (a workload's pod spec is below its spec). */
    readonly at: (path: string) => string;
}

export function subjectOf(type: string, props: Values): Subject | undefined {
    if (type === HELM_RELEASE) {
        const r = release(props);
        return { label: `release ${r.name}`, id: `${String(props.namespace ?? "default")}/${r.name}`, fields: r.values, chart: r.chart, at: path => path };
    }
    const pod = podOf(type, props);
    return pod && { label: `${pod.kind} ${pod.namespace}/${pod.name}`, id: `${pod.namespace}/${pod.name}`, fields: pod.spec, chart: "", at: path => `${POD_SPEC[type]}.${path}` };
}
