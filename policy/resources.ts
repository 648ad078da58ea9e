// Resource limits: every container of every release bounded, the collectors' memory_limiter inside its container,
// autoscalers bounded.
import { ResourceValidationPolicy } from "@pulumi/policy";
import { at, COLLECTOR_CHART, HELM_RELEASE, isObject, memoryMiB, release, settings, Values, walk } from "./common";
import { POD_SPEC } from "./kube";

/** Subtrees of Helm values that hold no container resources (collector configs, PVC templates). */
const NOT_CONTAINERS = new Set(["alternateConfig", "config", "volumeClaimTemplates"]);

/** Every `resources` map of a release's values that describes a container, with its path. */
export function containerResources(values: Values): [string, Values][] {
    const out: [string, Values][] = [];
    const visit = (v: unknown, at: string) => {
        if (Array.isArray(v)) v.forEach((x, i) => visit(x, `${at}[${i}]`));
        else if (isObject(v)) {
            for (const [k, x] of Object.entries(v)) {
                if (NOT_CONTAINERS.has(k)) continue;
                const path = at ? `${at}.${k}` : k;
                if (k === "resources" && isObject(x)) out.push([path, x]);
                else visit(x, path);
            }
        }
    };
    visit(values, "");
    return out;
}

/** Which of CPU and memory requests and limits a container's `resources` lacks. */
function missingResources(res: unknown): string[] {
    return ["requests.cpu", "requests.memory", "limits.cpu", "limits.memory"].filter(k => {
        const v = at(res, k);
        return v === undefined || v === null || v === "";
    });
}

export const helmReleaseLimits: ResourceValidationPolicy = {
    name: "resources-helm-release-limits",
    description: "Every container of every Helm release has CPU and memory requests and limits.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (args.type !== HELM_RELEASE) return;
        const r = release(args.props);
        for (const [path, res] of containerResources(r.values)) {
            const missing = missingResources(res);
            if (missing.length > 0) reportViolation(`release ${r.name}: ${path} lacks ${missing.join(", ")}; set requests and limits for CPU and memory on this container.`);
        }
    },
};

export const workloadLimits: ResourceValidationPolicy = {
    name: "resources-kubernetes-workload-limits",
    description: "Every container (and init container) of every Kubernetes workload the program creates has CPU and memory requests and limits.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        const specPath = POD_SPEC[args.type];
        if (!specPath) return;
        const spec = at(args.props, specPath);
        for (const list of ["initContainers", "containers"]) {
            for (const c of (at(spec, list) as Values[] | undefined) ?? []) {
                const missing = missingResources(c.resources);
                if (missing.length > 0) reportViolation(`${args.type.split(":").pop()} ${args.name}: ${list} ${String(c.name)} lacks ${missing.join(", ")}; set ${specPath}.${list}[].resources requests and limits for CPU and memory.`);
            }
        }
    },
};

export const collectorMemoryLimiter: ResourceValidationPolicy = {
    name: "resources-collector-memory-limiter",
    description: "Each collector's memory_limiter refuses data before the container reaches its memory limit.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (args.type !== HELM_RELEASE) return;
        const r = release(args.props);
        if (r.chart !== COLLECTOR_CHART) return;
        const limit = memoryMiB((r.values.resources as { limits?: Values } | undefined)?.limits?.memory);
        const processors = (r.values.alternateConfig as { processors?: Record<string, Values> } | undefined)?.processors ?? {};
        const limiters = Object.entries(processors).filter(([id]) => id.split("/")[0] === "memory_limiter");
        if (limiters.length === 0) reportViolation(`release ${r.name}: no memory_limiter processor; add one first in every pipeline, below the container's memory limit.`);
        for (const [id, cfg] of limiters) {
            const mib = Number(cfg.limit_mib);
            if (limit === undefined) reportViolation(`release ${r.name}: no container memory limit to hold ${id} under; set resources.limits.memory.`);
            else if (!(mib > 0) || mib >= limit) reportViolation(`release ${r.name}: ${id}.limit_mib ${cfg.limit_mib} is not below the container's memory limit (${Math.round(limit)} MiB); lower it to about 80% of the limit.`);
        }
    },
};

export const autoscalingBounded: ResourceValidationPolicy = {
    name: "resources-autoscaling-bounded",
    description: "Every autoscaler (in a Helm release or a HorizontalPodAutoscaler) has a maximum, within the configured bound.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { maxReplicas: { type: "integer", default: 50, minimum: 1 } } },
    validateResource: (args, reportViolation) => {
        const { maxReplicas } = settings(args, { maxReplicas: 50 });
        if (/^kubernetes:autoscaling\/v\d+:HorizontalPodAutoscaler$/.test(args.type)) {
            const max = Number(at(args.props, "spec.maxReplicas"));
            if (!(max >= 1 && max <= maxReplicas)) reportViolation(`HorizontalPodAutoscaler ${args.name}: spec.maxReplicas is ${String(at(args.props, "spec.maxReplicas") ?? "unset")}; set it to at most ${maxReplicas} (policy config maxReplicas).`);
            return;
        }
        if (args.type !== HELM_RELEASE) return;
        const r = release(args.props);
        for (const [path, key, value] of walk(r.values)) {
            if (key !== "autoscaling" || !isObject(value) || value.enabled !== true) continue;
            const max = Number(value.maxReplicas);
            if (!Number.isInteger(max) || max < 1 || max > maxReplicas) {
                reportViolation(`release ${r.name}: ${path}.maxReplicas is ${value.maxReplicas ?? "unset"}; set it to at most ${maxReplicas} (policy config maxReplicas).`);
            }
        }
    },
};

export const resourcePolicies = [helmReleaseLimits, workloadLimits, collectorMemoryLimiter, autoscalingBounded];
