// Least privilege on the nodes: IMDS out of reach of containers, host paths and host access only for the node
// agents (on allowlisted paths, read-only but for their state), and RBAC rules without wildcards or the kubelet proxy.
import { ResourceValidationPolicy } from "@pulumi/policy";
import { HELM_RELEASE, isObject, release, settings, Values } from "./common";
import { AGENTS, BINDING_TYPES, hostAccess, hostPathVolumes, pathWithin, podFields, ROLE_TYPES, subjectOf } from "./kube";

const IMDS_TYPES: Readonly<Record<string, string>> = {
    "aws:ec2/instance:Instance": "instance",
    "aws:ec2/launchTemplate:LaunchTemplate": "launch template",
};

export const imdsHopLimit: ResourceValidationPolicy = {
    name: "privilege-ec2-imds-hop-limit",
    description: "Every EC2 instance and launch template answers IMDS on the host only (httpPutResponseHopLimit 1): a container cannot reach the instance role's credentials.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        const kind = IMDS_TYPES[args.type];
        if (!kind) return;
        const md = isObject(args.props.metadataOptions) ? args.props.metadataOptions : {};
        if (md.httpEndpoint === "disabled") return; // no IMDS at all
        const hops = md.httpPutResponseHopLimit;
        if (Number(hops) !== 1) {
            reportViolation(`${kind} ${args.name}: metadataOptions.httpPutResponseHopLimit is ${hops === undefined ? "unset (the AMI decides; Amazon Linux 2023 uses 2)" : String(hops)}; set it to 1 so pods cannot reach IMDS, and give pods their own identity (IRSA) instead of the instance role.`);
        }
    },
};

/** Host paths the node agents may mount (defaults): exactly what our agent reads (pod logs, the host's /proc) and its state. */
const HOST_PATHS = ["/var/log/pods", "/proc", "/var/lib/otelcol/agent"];
/** Host paths the node agents may write: their state directory (log checkpoints, sending queues). */
const WRITABLE_HOST_PATHS = ["/var/lib/otelcol/agent"];

const paths = (d: string[]) => ({ type: "array" as const, items: { type: "string" as const, pattern: "^/" }, default: d });
const agentsSchema = { type: "array" as const, items: { type: "string" as const, pattern: "^[a-z0-9-]+/[a-z0-9.-]+$" }, default: AGENTS };

export const hostPathsAllowlisted: ResourceValidationPolicy = {
    name: "privilege-host-paths-allowlisted",
    description: "hostPath volumes only in the node agents, only on allowlisted host paths, and read-only except the agents' state directory.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { agents: agentsSchema, allowedHostPaths: paths(HOST_PATHS), writableHostPaths: paths(WRITABLE_HOST_PATHS) } },
    validateResource: (args, reportViolation) => {
        const subject = subjectOf(args.type, args.props);
        if (!subject) return;
        const s = settings(args, { agents: AGENTS, allowedHostPaths: HOST_PATHS, writableHostPaths: WRITABLE_HOST_PATHS });
        const agent = s.agents.includes(subject.id);
        for (const v of hostPathVolumes(subject.fields, subject.chart)) {
            const where = `${subject.label}: ${subject.at(v.where)} mounts host path ${v.path}`;
            if (!agent) {
                reportViolation(`${where}; only the node agents (${s.agents.join(", ")}; policy config agents) may mount host paths; use a PersistentVolumeClaim, an emptyDir, a ConfigMap or a Secret.`);
            } else if (!pathWithin(v.path, s.allowedHostPaths)) {
                reportViolation(`${where}, which is not allowlisted; mount only ${s.allowedHostPaths.join(", ")} or a path below them (policy config allowedHostPaths).`);
            } else if (v.readOnly !== true && !pathWithin(v.path, s.writableHostPaths)) {
                const how = v.readOnly === undefined ? "without a mount in the values that shows it read-only" : "read-write";
                reportViolation(`${where} ${how}; set readOnly: true on its volumeMounts (only ${s.writableHostPaths.join(", ")} may be written; policy config writableHostPaths).`);
            }
        }
    },
};

export const hostAccessAgentsOnly: ResourceValidationPolicy = {
    name: "privilege-host-access-agents-only",
    description: "Privileged containers, host namespaces (hostNetwork, hostPID, hostIPC) and added capabilities only in the node agents.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { agents: agentsSchema } },
    validateResource: (args, reportViolation) => {
        const subject = subjectOf(args.type, args.props);
        if (!subject) return;
        const { agents } = settings(args, { agents: AGENTS });
        if (agents.includes(subject.id)) return;
        for (const what of hostAccess(subject.fields, subject.chart)) {
            reportViolation(`${subject.label}: ${subject.at(what)}; only the node agents (${agents.join(", ")}; policy config agents) may run privileged, share the host's namespaces or add capabilities; remove it (drop ALL capabilities).`);
        }
    },
};

/** Built-in ClusterRoles that grant wildcards (or everything in a namespace) by reference. */
const BROAD_ROLES = ["cluster-admin", "admin", "edit"];

/** What is wrong with one RBAC rule: wildcards, and the kubelet API through nodes/proxy. */
function ruleProblems(rule: Values): string[] {
    const out: string[] = [];
    for (const field of ["apiGroups", "resources", "verbs", "nonResourceURLs"]) {
        const wild = (Array.isArray(rule[field]) ? rule[field] as unknown[] : []).map(String).filter(x => x.includes("*"));
        if (wild.length > 0) out.push(`${field} ${wild.map(w => JSON.stringify(w)).join(", ")} is a wildcard; list exactly what is needed`);
    }
    if ((Array.isArray(rule.resources) ? rule.resources as unknown[] : []).includes("nodes/proxy")) {
        out.push("resources nodes/proxy opens the kubelet API (exec into any pod of the node); use nodes/stats (kubelet_stats) or nodes/metrics");
    }
    return out;
}

/** An RBAC rule found in Helm values: an object with verbs and resources (or non-resource URLs). */
const isRule = (v: unknown): v is Values => isObject(v) && Array.isArray(v.verbs) && (Array.isArray(v.resources) || Array.isArray(v.nonResourceURLs));

export const rbacRulesBounded: ResourceValidationPolicy = {
    name: "privilege-rbac-rules-bounded",
    description: "RBAC the program grants (ClusterRoles, Roles and bindings it creates, and rules in Helm values) has no wildcard apiGroups, resources or verbs, no nodes/proxy, and binds no cluster-admin, admin or edit.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (ROLE_TYPES.includes(args.type)) {
            const kind = args.type.split(":").pop();
            for (const [i, rule] of ((args.props.rules as unknown[] | undefined) ?? []).entries()) {
                if (isObject(rule)) for (const p of ruleProblems(rule)) reportViolation(`${kind} ${args.name}: rules[${i}] ${p}.`);
            }
        } else if (BINDING_TYPES.includes(args.type)) {
            const ref = isObject(args.props.roleRef) ? args.props.roleRef : {};
            if (ref.kind === "ClusterRole" && BROAD_ROLES.includes(String(ref.name))) {
                reportViolation(`${args.type.split(":").pop()} ${args.name}: binds ClusterRole ${String(ref.name)}, which grants wildcards; bind a role that lists exactly what is needed.`);
            }
        } else if (args.type === HELM_RELEASE) {
            const r = release(args.props);
            for (const [path, key, v] of podFields(r.values)) {
                if (isRule(v)) for (const p of ruleProblems(v)) reportViolation(`release ${r.name}: ${path} ${p}.`);
                if (/^useExisting(Cluster)?Role$/.test(key) && BROAD_ROLES.includes(String(v))) {
                    reportViolation(`release ${r.name}: ${path} binds ${String(v)}, which grants wildcards; let the chart create a role with exactly what is needed.`);
                }
            }
        }
    },
};

export const privilegePolicies = [imdsHopLimit, hostPathsAllowlisted, hostAccessAgentsOnly, rbacRulesBounded];
