// Every namespace the stack creates starts closed: a default-deny NetworkPolicy (each flow is then allowed by its
// own policy) and Pod Security admission at restricted, with configured exceptions that still warn and audit.
import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { HELM_RELEASE, isObject, settings, Values } from "./common";
import { extraObjects, metaOf, NAMESPACE, NETWORK_POLICY } from "./kube";

/** Selects every pod, both directions, no rule: nothing in or out but what other policies allow. */
function isDefaultDeny(spec: unknown): boolean {
    if (!isObject(spec) || !isObject(spec.podSelector)) return false;
    const selector = spec.podSelector;
    const selectsAll = Object.keys((selector.matchLabels as Values | undefined) ?? {}).length === 0 && ((selector.matchExpressions as unknown[] | undefined) ?? []).length === 0;
    const types = Array.isArray(spec.policyTypes) ? spec.policyTypes : [];
    const empty = (rules: unknown) => rules === undefined || rules === null || (Array.isArray(rules) && rules.length === 0);
    return selectsAll && types.includes("Ingress") && types.includes("Egress") && empty(spec.ingress) && empty(spec.egress);
}

export const namespaceDefaultDeny: StackValidationPolicy = {
    name: "privilege-namespace-default-deny",
    description: "Each namespace the stack creates has a default-deny NetworkPolicy (a stack resource or a release's extraObjects): podSelector {}, policyTypes Ingress and Egress, no rules.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const policies = args.resources.flatMap(r => r.type === NETWORK_POLICY ? [{ ...metaOf(r.props), body: r.props }]
            : r.type === HELM_RELEASE ? extraObjects(r.props).filter(o => o.kind === "NetworkPolicy") : []);
        const denied = new Set(policies.filter(p => isDefaultDeny(p.body.spec)).map(p => p.namespace));
        for (const ns of args.resources.filter(r => r.type === NAMESPACE)) {
            const name = metaOf(ns.props).name;
            if (!denied.has(name)) {
                reportViolation(`namespace ${name}: no default-deny NetworkPolicy; add one in it with podSelector {}, policyTypes [Ingress, Egress] and no ingress or egress rules, then a NetworkPolicy per flow the namespace needs.`, ns.urn);
            }
        }
    },
};

type Level = "privileged" | "baseline" | "restricted";
const LEVELS: readonly Level[] = ["privileged", "baseline", "restricted"];
const LABEL = "pod-security.kubernetes.io/";

/** Namespaces that may enforce less than restricted, with the least they may enforce: the node agents' host access. */
const EXCEPTIONS: Record<string, Level> = { "observability-agents": "privileged" };

export const namespacePodSecurity: ResourceValidationPolicy = {
    name: "privilege-namespace-pod-security",
    description: "Each namespace the stack creates enforces the restricted Pod Security Standard; a configured exception may enforce less, but then warns and audits restricted.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            exceptions: { type: "object", additionalProperties: { type: "string", enum: ["privileged", "baseline"] }, default: EXCEPTIONS },
        },
    },
    validateResource: (args, reportViolation) => {
        if (args.type !== NAMESPACE) return;
        const { exceptions } = settings(args, { exceptions: EXCEPTIONS });
        const name = metaOf(args.props).name;
        const labels = (isObject(args.props.metadata) && isObject(args.props.metadata.labels) ? args.props.metadata.labels : {}) as Values;
        const enforce = labels[`${LABEL}enforce`];
        const floor = exceptions[name];
        const allowed = `restricted${floor ? ` (policy config exceptions lets it enforce down to ${floor})` : " (policy config exceptions names the namespaces that may enforce less)"}`;
        if (enforce === undefined) {
            reportViolation(`namespace ${name}: no ${LABEL}enforce label; set it to ${allowed}.`);
            return;
        }
        const level = LEVELS.indexOf(enforce as Level);
        if (level < 0) {
            reportViolation(`namespace ${name}: ${LABEL}enforce is ${JSON.stringify(enforce)}, not a Pod Security level; set it to ${allowed}.`);
        } else if (enforce !== "restricted" && (!floor || level < LEVELS.indexOf(floor))) {
            reportViolation(`namespace ${name}: enforces ${enforce}; set ${LABEL}enforce to ${allowed}.`);
        } else if (enforce !== "restricted") {
            const missing = ["warn", "audit"].filter(mode => labels[`${LABEL}${mode}`] !== "restricted");
            if (missing.length > 0) {
                reportViolation(`namespace ${name}: enforces ${enforce} (an exception) without ${missing.map(m => `${LABEL}${m}: restricted`).join(" and ")}; set them so every pod that needs the exception shows up.`);
            }
        }
    },
};

export const namespacePolicies = [namespaceDefaultDeny, namespacePodSecurity];
