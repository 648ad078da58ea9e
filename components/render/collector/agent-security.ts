// The node agent's privileges, and the check that keeps them least. The agent parses untrusted OTLP on every node,
// so everything it can reach is listed here: the host paths it mounts (read-only, bar its state directory), its
// container securityContext, its RBAC, and its namespace's Pod Security labels. `agentSecurityProblems` checks the
// agent's values against these lists and against its own config: host_metrics' root_path and scrapers, the log
// globs, the storage directory, and the Kubernetes API access its receivers and processors use.
import type { Values } from "../backends/common";
import { AGENT_STATE_DIR, HOSTFS, POD_LOG_DIR } from "./agent";
import type { OtelConfig } from "./otel";

/** A host directory the agent mounts (why each: the comments of `AGENT_HOST_PATHS`). */
export interface AgentHostPath {
    readonly name: string;
    readonly hostPath: string;
    readonly mountPath: string;
    readonly type: "Directory" | "DirectoryOrCreate";
    readonly readOnly: boolean;
}

/**
 * Every host path the agent mounts; the state directory is the only writable one. Not the host's `/`: the
 * filesystem scraper would need it (below), and with it the agent, as root, could read every root-owned file
 * of the host (k3s's CA keys under /var/lib/rancher, kubelet credentials, /etc/shadow).
 */
export const AGENT_HOST_PATHS: readonly AgentHostPath[] = [
    // file_log: containerd (and CRI-O) write each container's log there as a regular file (0640 root:root).
    { name: "varlogpods", hostPath: POD_LOG_DIR, mountPath: POD_LOG_DIR, type: "Directory", readOnly: true },
    // host_metrics reads the host's /proc through root_path (gopsutil's HOST_PROC = <root_path>/proc).
    { name: "hostproc", hostPath: "/proc", mountPath: `${HOSTFS}/proc`, type: "Directory", readOnly: true },
    // file_storage: log checkpoints and sending queues, kept across pod restarts.
    { name: "state", hostPath: AGENT_STATE_DIR, mountPath: AGENT_STATE_DIR, type: "DirectoryOrCreate", readOnly: false },
];

/**
 * What each host_metrics scraper reads under root_path (the metrics enabled by default). `filesystem` is refused: it
 * reads the mount table from <root_path>/proc/1/mountinfo and statfs()es <root_path>/<mount point>, so it needs the
 * host's whole tree under root_path; kubelet_stats reports the node's filesystem (k8s.node.filesystem.*) instead.
 * `network` is not listed either: <root_path>/proc/net resolves to /proc/self/net, the agent pod's own network
 * namespace, so it would report the pod's interfaces; kubelet_stats reports the node's (k8s.node.network.*).
 */
export const SCRAPER_HOST_DIRS: Readonly<Record<string, readonly string[]>> = {
    cpu: ["proc"], // /proc/stat
    load: ["proc"], // /proc/loadavg
    memory: ["proc"], // /proc/meminfo
    disk: ["proc"], // /proc/diskstats
};

/** Why the scrapers `SCRAPER_HOST_DIRS` leaves out are refused. */
const REFUSED_SCRAPERS: Readonly<Record<string, string>> = {
    filesystem: "needs the host's root filesystem under root_path",
    network: "reads /proc/self/net, the agent pod's network namespace, not the host's (kubelet_stats reports the node's)",
};

/** Read-only host paths are read-only all the way down (KEP-3857; where the runtime cannot, plain read-only). */
const RECURSIVE_READ_ONLY = "IfPossible";

export function agentHostVolumes(): { volumes: Values[]; mounts: Values[] } {
    return {
        volumes: AGENT_HOST_PATHS.map(h => ({ name: h.name, hostPath: { path: h.hostPath, type: h.type } })),
        mounts: AGENT_HOST_PATHS.map(h => ({ name: h.name, mountPath: h.mountPath, readOnly: h.readOnly, ...(h.readOnly ? { recursiveReadOnly: RECURSIVE_READ_ONLY } : {}) })),
    };
}

/**
 * The agent's container securityContext. It runs as uid 0 with every capability dropped: root *owns* what it must
 * touch (containerd writes pod logs 0640 root:root; the kubelet creates the state hostPath 0755 root:root, and a
 * hostPath gets no fsGroup), so the owner permission bits suffice, with no CAP_DAC_OVERRIDE or CAP_DAC_READ_SEARCH.
 * A non-root uid would need group 0 for the logs and an init container with CAP_CHOWN (and an image with a shell)
 * to hand it the state directory. Without capabilities, uid 0 cannot bypass file permissions, ptrace or read
 * /proc/<pid>/root of the host's privileged processes, chown, setuid, or open raw sockets; no_new_privs stops it
 * gaining any; and the only host files it can reach are the read-only paths above and its state directory.
 */
export function agentSecurityContext(): Values {
    return {
        runAsUser: 0, runAsGroup: 0, privileged: false, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true,
        capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" },
    };
}

const READ = ["get", "list", "watch"];
/** An RBAC rule as this module writes them (a type alias, so it is also chart `Values`). */
export type PolicyRule = { apiGroups: string[]; resources: string[]; verbs: string[] };

/** The agent's ClusterRole: k8s_attributes (pods of its node, their ReplicaSets) and kubelet_stats (/stats/summary). */
export function agentClusterRules(): PolicyRule[] {
    return [
        { apiGroups: [""], resources: ["pods"], verbs: [...READ] },
        { apiGroups: ["apps"], resources: ["replicasets"], verbs: [...READ] },
        { apiGroups: [""], resources: ["nodes/stats"], verbs: ["get"] },
    ];
}

/** A Role in another namespace that the agent's ServiceAccount is bound to. */
export interface NamespaceRole {
    readonly namespace: string;
    readonly name: string;
    readonly rules: readonly PolicyRule[];
}

/** The Prometheus discovery (role endpointslice) of the stack's components, in the backends' namespace only. */
export function agentScrapeRole(namespace: string, name: string): NamespaceRole {
    return {
        namespace, name, rules: [
            { apiGroups: [""], resources: ["services"], verbs: [...READ] },
            { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: [...READ] },
        ],
    };
}

/** The Pod Security Standards version pinned for enforcement, as for the backends' namespace (`RESTRICTED_NAMESPACE_LABELS`). */
export const PSS_VERSION = "v1.34";
const PSA = "pod-security.kubernetes.io";

/**
 * Enforce privileged, the lowest level that admits the agent (baseline forbids every hostPath volume); warn and
 * audit restricted at `latest`, as the backends' namespace does, so each agent pod shows what restricted refuses.
 */
export function agentNamespaceLabels(): Record<string, string> {
    return {
        [`${PSA}/enforce`]: "privileged", [`${PSA}/enforce-version`]: PSS_VERSION,
        [`${PSA}/warn`]: "restricted", [`${PSA}/warn-version`]: "latest",
        [`${PSA}/audit`]: "restricted", [`${PSA}/audit-version`]: "latest",
    };
}

// --- the check ---

type Obj = { readonly [key: string]: any };
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(x => x && typeof x === "object") : []);
const typeOf = (id: string) => id.split("/")[0];
const ofType = (section: Record<string, Values> | undefined, type: string) => Object.entries(section ?? {}).filter(([id]) => typeOf(id) === type).map(([, c]) => c as Obj);

/** One permission: `<namespace or *> <apiGroup>/<resource> <verb>` (a `*` namespace is cluster-wide). */
const grant = (ns: string, group: string, resource: string, verb: string) => `${ns} ${group}/${resource} ${verb}`;
const grants = (ns: string, rules: readonly Obj[]) => rules.flatMap(r =>
    (r.apiGroups ?? []).flatMap((g: string) => (r.resources ?? []).flatMap((res: string) => (r.verbs ?? []).map((v: string) => grant(ns, g, res, v)))));

/** Permissions with their verbs joined per resource: `* /pods get, list, watch`. */
function byResource(perms: readonly string[]): string[] {
    const verbs = new Map<string, string[]>();
    for (const p of perms) {
        const at = p.lastIndexOf(" ");
        verbs.set(p.slice(0, at), [...(verbs.get(p.slice(0, at)) ?? []), p.slice(at + 1)]);
    }
    return [...verbs].map(([r, v]) => `${r} ${v.join(", ")}`);
}

/** Prometheus Kubernetes discovery roles → the resources their informers list and watch. */
const SD_RESOURCES: Readonly<Record<string, readonly string[]>> = {
    endpointslice: ["discovery.k8s.io/endpointslices", "/services", "/pods"],
    endpoints: ["/endpoints", "/services", "/pods"],
    pod: ["/pods"], service: ["/services"], node: ["/nodes"], ingress: ["networking.k8s.io/ingresses"],
};

/** The API access the agent's config uses, derived from its receivers and processors. */
export function requiredAccess(config: OtelConfig): Set<string> {
    const need = new Set<string>();
    const read = (ns: string, groupResource: string) => { for (const v of READ) need.add(`${ns} ${groupResource} ${v}`); };
    for (const k of ofType(config.receivers, "kubelet_stats")) {
        need.add(grant("*", "", "nodes/stats", "get"));
        // The kubelet's /pods endpoint (extra metadata, utilization against limits) is behind nodes/proxy.
        const utilization = Object.entries(k.metrics ?? {}).some(([m, s]) => /utilization/.test(m) && (s as Obj)?.enabled);
        if ((k.extra_metadata_labels ?? []).length > 0 || utilization) need.add(grant("*", "", "nodes/proxy", "get"));
    }
    for (const p of [...ofType(config.processors, "k8s_attributes"), ...ofType(config.processors, "k8sattributes")]) {
        const metadata: string[] = p.extract?.metadata ?? [];
        const from = new Set([...list(p.extract?.labels), ...list(p.extract?.annotations)].map(x => x.from ?? "pod"));
        read("*", "/pods");
        if (metadata.some(m => m.startsWith("k8s.deployment."))) read("*", "apps/replicasets");
        if (metadata.includes("k8s.cluster.uid") || from.has("namespace")) read("*", "/namespaces");
        if (metadata.includes("k8s.node.uid") || from.has("node")) read("*", "/nodes");
        if (metadata.includes("k8s.cronjob.uid") || from.has("job")) read("*", "batch/jobs");
        for (const w of ["deployment", "statefulset", "daemonset"]) if (from.has(w)) read("*", `apps/${w}s`);
    }
    for (const p of ofType(config.receivers, "prometheus")) {
        for (const job of list(p.config?.scrape_configs)) {
            for (const sd of list(job.kubernetes_sd_configs)) {
                const names: string[] = sd.namespaces?.names ?? [];
                for (const ns of names.length > 0 && sd.role !== "node" ? names : ["*"]) for (const r of SD_RESOURCES[sd.role] ?? [`?/${sd.role}`]) read(ns, r);
                if (sd.attach_metadata?.node) read("*", "/nodes");
            }
        }
    }
    return need;
}

/** The input of the check: the agent release's values and config, and its namespaced Role. */
export interface AgentRelease {
    readonly values: Values;
    readonly config: OtelConfig;
    readonly namespaceRole?: NamespaceRole;
}

/** Problems of the agent's privileges; empty when they are the least its config needs. */
export function agentSecurityProblems(agent: AgentRelease): string[] {
    const problems: string[] = [];
    const add = (m: string) => problems.push(`agent security: ${m}`);
    const v = agent.values as Obj;
    const c = agent.config;

    // Host paths: only the allowlisted ones, each exactly as listed, read-only all the way down bar the state directory.
    const mounts = list(v.extraVolumeMounts);
    const hostMounts = new Map<string, AgentHostPath>();
    for (const vol of list(v.extraVolumes).filter(x => x.hostPath)) {
        const path = String(vol.hostPath.path ?? "");
        const allowed = AGENT_HOST_PATHS.find(h => h.name === vol.name);
        if (path.replace(/\/+$/, "") === "") add(`volume ${vol.name} mounts the host's root filesystem`);
        else if (!allowed || allowed.hostPath !== path || allowed.type !== vol.hostPath.type) add(`hostPath ${path} (volume ${vol.name}, type ${vol.hostPath.type}) is not on the allowlist`);
        for (const m of mounts.filter(x => x.name === vol.name)) {
            if (allowed && m.mountPath !== allowed.mountPath) add(`volume ${vol.name} is mounted at ${m.mountPath}, not ${allowed.mountPath}`);
            const readOnly = m.readOnly === true;
            if (readOnly !== (allowed?.readOnly ?? true)) add(`hostPath ${path} must be mounted ${allowed?.readOnly === false ? "read-write (the state directory)" : "read-only"}`);
            if (readOnly && !["IfPossible", "Enabled"].includes(m.recursiveReadOnly)) add(`hostPath ${path} must be mounted recursiveReadOnly (its submounts stay writable otherwise)`);
            if (m.mountPropagation && m.mountPropagation !== "None") add(`hostPath ${path} must not propagate mounts (${m.mountPropagation})`);
            if (m.subPath || m.subPathExpr) add(`hostPath ${path} must be mounted whole, not through a subPath`);
            hostMounts.set(m.mountPath, allowed ?? { name: vol.name, hostPath: path, mountPath: m.mountPath, type: vol.hostPath.type, readOnly });
        }
    }
    for (const [key, on] of [["hostNetwork", v.hostNetwork], ["hostPID", v.hostPID], ["hostIPC", v.hostIPC], ["shareProcessNamespace", v.shareProcessNamespace]] as const) {
        if (on) add(`${key} must stay off`);
    }
    // The chart's presets add their own hostPaths (`/`, /var/lib/docker/containers), rules and securityContext.
    for (const [preset, p] of Object.entries((v.presets ?? {}) as Obj)) if (p?.enabled) add(`chart preset ${preset} is on: it adds its own host paths, rules or securityContext`);

    // The container: uid 0 without capabilities or privilege, read-only root filesystem, the runtime's seccomp profile.
    const sc = (v.securityContext ?? {}) as Obj;
    const want = agentSecurityContext() as Obj;
    for (const key of ["runAsUser", "runAsGroup", "privileged", "allowPrivilegeEscalation", "readOnlyRootFilesystem"]) {
        if (sc[key] !== want[key]) add(`securityContext.${key} must be ${want[key]} (it is ${sc[key]})`);
    }
    if (!(sc.capabilities?.drop ?? []).includes("ALL")) add("securityContext.capabilities.drop must include ALL");
    if ((sc.capabilities?.add ?? []).length > 0) add(`securityContext.capabilities.add must be empty (it adds ${sc.capabilities.add.join(", ")})`);
    if (sc.seccompProfile?.type !== "RuntimeDefault") add(`securityContext.seccompProfile must be RuntimeDefault (it is ${sc.seccompProfile?.type})`);
    for (const key of ["procMount", "seLinuxOptions", "appArmorProfile", "windowsOptions"]) if (sc[key] !== undefined) add(`securityContext.${key} must stay unset`);

    // The config reads only what is mounted: host_metrics under root_path, logs under a read-only path, state in the writable one.
    for (const h of ofType(c.receivers, "host_metrics")) {
        const root = String(h.root_path ?? "/");
        if (root !== HOSTFS) add(`host_metrics root_path must be ${HOSTFS} (it is ${root})`);
        const needed = new Set<string>();
        for (const scraper of Object.keys(h.scrapers ?? {})) {
            const dirs = SCRAPER_HOST_DIRS[scraper];
            if (!dirs) add(`host_metrics scraper ${scraper} ${REFUSED_SCRAPERS[scraper] ?? "reads host paths this check does not know"}`);
            for (const d of dirs ?? []) needed.add(`${root}/${d}`);
        }
        const under = [...hostMounts.keys()].filter(m => m === root || m.startsWith(`${root}/`));
        for (const m of under) if (!needed.has(m)) add(`${m} is mounted under root_path but no host_metrics scraper reads it`);
        for (const n of needed) if (!hostMounts.get(n)?.readOnly) add(`host_metrics reads ${n}, which is not a read-only host mount`);
    }
    const within = (file: string, dir: string) => file.startsWith(`${dir}/`);
    for (const f of ofType(c.receivers, "file_log")) {
        for (const g of f.include ?? []) if (![...hostMounts.values()].some(h => h.readOnly && within(g, h.mountPath))) add(`file_log reads ${g}, outside the read-only host mounts`);
    }
    const writable = [...hostMounts.values()].filter(h => !h.readOnly).map(h => h.mountPath);
    for (const s of ofType(c.extensions, "file_storage")) {
        if (!writable.includes(String(s.directory))) add(`file_storage directory ${s.directory} is not the writable host mount (${writable.join(", ") || "none"})`);
    }

    // RBAC: exactly what the config uses; never nodes/proxy (kubelet exec/attach), secrets, wildcards or writes.
    const cluster = (v.clusterRole?.rules ?? []) as Obj[];
    const role = agent.namespaceRole;
    const granted = new Set([...grants("*", cluster), ...grants(role?.namespace ?? "", role?.rules ?? [])]);
    const need = requiredAccess(c);
    const covered = (g: string) => granted.has(g) || granted.has(g.replace(/^\S+/, "*"));
    for (const n of byResource([...need].filter(n => !covered(n)))) add(`the config needs ${n}, which no rule grants`);
    for (const g of byResource([...granted].filter(g => !need.has(g)))) add(`rule grants ${g}, which the config does not use (at that scope)`);
    for (const r of [...cluster, ...(role?.rules ?? [])] as Obj[]) {
        const all = [...(r.apiGroups ?? []), ...(r.resources ?? []), ...(r.verbs ?? []), ...(r.resourceNames ?? [])];
        if (all.some(x => String(x).includes("*"))) add(`rule ${JSON.stringify(r)} has a wildcard`);
        if (r.nonResourceURLs) add(`rule ${JSON.stringify(r)} grants non-resource URLs`);
        for (const res of r.resources ?? []) if (["nodes/proxy", "secrets", "pods/exec", "pods/attach", "serviceaccounts/token"].includes(res)) add(`rule grants ${res}`);
        for (const verb of r.verbs ?? []) if (!READ.includes(verb)) add(`rule grants the verb ${verb}`);
    }
    return problems;
}
