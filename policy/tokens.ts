// Service-account tokens only where RBAC uses them: a ServiceAccount, a pod or a Helm release that mounts the
// Kubernetes API token must have a Role/ClusterRole bound to its ServiceAccount; everything else opts out
// (automountServiceAccountToken: false), so a compromised pod holds no credential for the API server.
//
// What the pack sees of a release is its values: it counts a token setting the values leave unset as mounted
// (Kubernetes' default, and the pinned charts' defaults for every setting below but Grafana's ServiceAccount), and
// RBAC as granted only when the values ask the chart for it or a binding (of the stack, or in a release's
// extraObjects) names the ServiceAccount.
import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { at, HELM_RELEASE, isObject, release, Values } from "./common";
import { BINDING_TYPES, extraObjects, KubeObject, metaOf, podFields, podOf, SERVICE_ACCOUNT } from "./kube";

/**
 * Per chart, the values that decide whether its pods mount a token besides `serviceAccount.automountServiceAccountToken`
 * (pod-level settings that override the ServiceAccount's), from the pinned charts' templates: grafana 12.11.1 and
 * alertmanager 1.42.0 render `automountServiceAccountToken` on the pod; loki 18.11.0 renders a component's own setting
 * or else `defaults.automountServiceAccountToken` (true). mimir-distributed 6.1.0 has no setting: its ServiceAccount
 * must come from the stack (`serviceAccount.create: false`).
 */
const POD_TOKEN_SETTINGS: Readonly<Record<string, readonly string[]>> = {
    grafana: ["automountServiceAccountToken"],
    alertmanager: ["automountServiceAccountToken"],
    loki: ["defaults.automountServiceAccountToken"],
};

/** Charts whose ServiceAccount takes no automount setting in its values (alertmanager's pods follow the pod setting). */
const NO_SERVICE_ACCOUNT_SETTING = new Set(["alertmanager", "mimir-distributed"]);

const key = (namespace: string, name: string) => `${namespace}/${name}`;

/** The ServiceAccounts and RBAC bindings of a stack: its own objects, and those its releases carry in `extraObjects`. */
function objectsOf(resources: readonly PolicyResource[]): Array<KubeObject & { urn: string; where: string }> {
    const out: Array<KubeObject & { urn: string; where: string }> = [];
    for (const r of resources) {
        if (r.type === SERVICE_ACCOUNT || BINDING_TYPES.includes(r.type)) {
            out.push({ kind: r.type.split(":").pop()!, ...metaOf(r.props), body: r.props, urn: r.urn, where: "" });
        } else if (r.type === HELM_RELEASE) {
            for (const o of extraObjects(r.props)) out.push({ ...o, urn: r.urn, where: `release ${release(r.props).name}: extraObjects ` });
        }
    }
    return out;
}

/** `<namespace>/<name>` of every ServiceAccount a RoleBinding or ClusterRoleBinding binds. */
function boundServiceAccounts(objects: readonly KubeObject[]): Set<string> {
    const bound = new Set<string>();
    for (const b of objects.filter(o => o.kind === "RoleBinding" || o.kind === "ClusterRoleBinding")) {
        for (const s of (b.body.subjects as unknown[] | undefined) ?? []) {
            if (isObject(s) && s.kind === "ServiceAccount") bound.add(key(String(s.namespace ?? b.namespace), String(s.name)));
        }
    }
    return bound;
}

/** Does a release's values ask its chart for RBAC bound to its ServiceAccount? */
const chartGrantsRbac = (v: Values) => [v.clusterRole, v.role, v.rbac].some(x => isObject(x) && x.create === true);

const shown = (v: unknown) => (v === undefined ? "unset" : JSON.stringify(v));

/** The settings through which a release's pods mount a token (an unset one counts as mounted); empty when none does. */
function releaseTokenSettings(r: ReturnType<typeof release>, serviceAccounts: Map<string, Values>, namespace: string, saName: string): string[] {
    const mounted: string[] = [];
    const sa = isObject(r.values.serviceAccount) ? r.values.serviceAccount : {};
    if (sa.create === false) {
        // A ServiceAccount of the stack (or of extraObjects) is judged on its own; one from elsewhere cannot be seen.
        if (!serviceAccounts.has(key(namespace, saName))) mounted.push(`ServiceAccount ${saName}, which neither the stack nor extraObjects create, so its token setting is unseen`);
    } else if (r.chart === "mimir-distributed") {
        mounted.push("the chart's ServiceAccount, which has no automount setting in mimir-distributed");
    } else if (!NO_SERVICE_ACCOUNT_SETTING.has(r.chart) && sa.automountServiceAccountToken !== false) {
        mounted.push(`serviceAccount.automountServiceAccountToken ${shown(sa.automountServiceAccountToken)}`);
    }
    const settings = new Map<string, unknown>((POD_TOKEN_SETTINGS[r.chart] ?? []).map(s => [s, at(r.values, s)]));
    for (const [path, k, v] of podFields(r.values)) {
        if (path.startsWith("extraObjects")) continue; // objects of their own, judged as such
        if (k === "automountServiceAccountToken" && !path.endsWith("serviceAccount.automountServiceAccountToken")) settings.set(path, v);
        // A component's own ServiceAccount (loki's per-component ones, when created).
        if (k === "serviceAccount" && path !== "serviceAccount" && isObject(v) && v.create === true) settings.set(`${path}.automountServiceAccountToken`, v.automountServiceAccountToken);
    }
    for (const [setting, v] of settings) if (v !== false) mounted.push(`${setting} ${shown(v)}`);
    return mounted;
}

export const tokenNeedsRbac: StackValidationPolicy = {
    name: "privilege-service-account-token-needs-rbac",
    description: "A ServiceAccount, pod or Helm release that mounts a service-account token has RBAC bound to its ServiceAccount; without RBAC, automountServiceAccountToken is false.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const objects = objectsOf(args.resources);
        const bound = boundServiceAccounts(objects);
        const accounts = objects.filter(o => o.kind === "ServiceAccount");
        const serviceAccounts = new Map(accounts.map(o => [key(o.namespace, o.name), o.body]));
        const fix = "set automountServiceAccountToken: false, or bind a Role/ClusterRole to the ServiceAccount if it talks to the API server";
        for (const sa of accounts) {
            if (sa.body.automountServiceAccountToken !== false && !bound.has(key(sa.namespace, sa.name))) {
                reportViolation(`${sa.where}ServiceAccount ${key(sa.namespace, sa.name)} mounts its token into every pod by default and no binding grants it RBAC; ${fix}.`, sa.urn);
            }
        }
        for (const r of args.resources) {
            const pod = podOf(r.type, r.props);
            if (pod) {
                if (pod.spec.automountServiceAccountToken === false) continue;
                const sa = String(pod.spec.serviceAccountName ?? pod.spec.serviceAccount ?? "default");
                const own = serviceAccounts.get(key(pod.namespace, sa));
                const mounts = pod.spec.automountServiceAccountToken === true || own?.automountServiceAccountToken !== false;
                if (mounts && !bound.has(key(pod.namespace, sa))) {
                    reportViolation(`${pod.kind} ${key(pod.namespace, pod.name)}: its pods mount the token of ServiceAccount ${sa}, which no binding grants RBAC; ${fix}.`, r.urn);
                }
                continue;
            }
            if (r.type !== HELM_RELEASE) continue;
            const rel = release(r.props);
            const namespace = String(r.props.namespace ?? "default");
            const sa = isObject(rel.values.serviceAccount) ? rel.values.serviceAccount : {};
            const saName = String(sa.name ?? rel.values.fullnameOverride ?? rel.name);
            if (chartGrantsRbac(rel.values) || bound.has(key(namespace, saName))) continue;
            const mounted = releaseTokenSettings(rel, serviceAccounts, namespace, saName);
            if (mounted.length > 0) {
                const alt = rel.chart === "mimir-distributed"
                    ? "create the ServiceAccount yourself (in the stack or the release's extraObjects) with automountServiceAccountToken: false, and set serviceAccount.create: false and serviceAccount.name"
                    : `set ${mounted.length > 1 ? "each" : "it"} to false (an unset setting counts as mounted)`;
                reportViolation(`release ${rel.name}: mounts a service-account token (${mounted.join("; ")}) and grants ServiceAccount ${key(namespace, saName)} no RBAC; ${alt}, or grant RBAC if it talks to the API server.`, r.urn);
            }
        }
    },
};

export const tokenPolicies = [tokenNeedsRbac];
