// A pure evaluator of the Kubernetes Pod Security Standards (baseline and restricted, as of v1.34) over pod specs and
// the pod templates of workload manifests. Derived from the published standard ("Pod Security Standards") and the
// checks of kubernetes/pod-security-admission at v1.34: the same fields, the same allowed values, the same
// pod-or-every-container rules and the same Windows exemptions (restricted capabilities, seccomp and
// allowPrivilegeEscalation do not apply to `spec.os.name: windows`). Not checked: checks newer than 1.34 (the 1.35
// user-namespace relaxations), the deprecated pre-1.19 seccomp annotations.
//
// One violation per offending field: the pod-level field (container undefined) or one container's.

export type PssLevel = "baseline" | "restricted";

export interface PssViolation {
    /** The control, as upstream names its check (`runAsNonRoot`, `capabilities_restricted`, …). */
    readonly check: string;
    /** The lowest level that forbids it. */
    readonly level: PssLevel;
    /** The offending container; undefined for a pod-level field. */
    readonly container?: string;
    /** The field, relative to the pod spec (or `metadata.annotations[…]`). */
    readonly field: string;
    readonly message: string;
}

type Obj = { readonly [key: string]: unknown };
const obj = (v: unknown): Obj => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {});
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.map(obj) : []);
const set = (v: unknown): boolean => v !== undefined && v !== null;

/** Capabilities baseline lets a container add (the container runtime's defaults). */
const BASELINE_CAPABILITIES = new Set([
    "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
]);
/** Namespaced sysctls baseline allows (1.32: tcp_rmem/tcp_wmem; 1.29: keepalive and fin_timeout; 1.27: reserved ports). */
const SAFE_SYSCTLS = new Set([
    "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes",
    "net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem",
]);
/** SELinux types baseline allows (container_engine_t since 1.31); user and role must be empty. */
const SELINUX_TYPES = new Set(["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"]);
/** The volume sources restricted allows (image volumes are allowed: whoever may run an image may mount it). */
const RESTRICTED_VOLUMES = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "image", "persistentVolumeClaim", "projected", "secret"];
const APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/";

interface Container { readonly name: string; readonly path: string; readonly c: Obj; readonly sc: Obj }

/** Every container of the pod with its field path: containers, initContainers and ephemeralContainers. */
function containers(spec: Obj): Container[] {
    return (["containers", "initContainers", "ephemeralContainers"] as const).flatMap(kind =>
        list(spec[kind]).map((c, i) => ({ name: String(c.name ?? `${kind}[${i}]`), path: `${kind}[${i}]`, c, sc: obj(c.securityContext) })));
}

/** The Pod Security Standards violations of one pod: baseline's, and restricted's too when `level` is restricted. */
export function evaluatePod(spec: unknown, metadata: unknown = {}, level: PssLevel = "restricted"): PssViolation[] {
    const s = obj(spec);
    const psc = obj(s.securityContext);
    const cs = containers(s);
    const out: PssViolation[] = [];
    const add = (check: string, lvl: PssLevel, field: string, message: string, container?: Container) =>
        out.push({ check, level: lvl, field: container ? `${container.path}.${field}` : field, message, ...(container ? { container: container.name } : {}) });
    const windows = obj(s.os).name === "windows";

    // --- baseline ---
    if (obj(psc.windowsOptions).hostProcess === true) add("windowsHostProcess", "baseline", "securityContext.windowsOptions.hostProcess", "must not be true");
    for (const k of ["hostNetwork", "hostPID", "hostIPC"]) if (s[k] === true) add("hostNamespaces", "baseline", k, "must not be true");
    if (level === "baseline") for (const v of list(s.volumes)) if (set(v.hostPath)) add("hostPathVolumes", "baseline", `volumes[${v.name}].hostPath`, "hostPath volumes are forbidden");
    const apparmor = obj(psc.appArmorProfile);
    if (set(psc.appArmorProfile) && apparmor.type !== "RuntimeDefault" && apparmor.type !== "Localhost") {
        add("appArmorProfile", "baseline", "securityContext.appArmorProfile.type", `must be RuntimeDefault or Localhost, not ${String(apparmor.type)}`);
    }
    for (const [k, v] of Object.entries(obj(obj(metadata).annotations))) {
        if (k.startsWith(APPARMOR_ANNOTATION) && !(v === "" || v === "runtime/default" || String(v).startsWith("localhost/"))) {
            add("appArmorProfile", "baseline", `metadata.annotations[${k}]`, `must be runtime/default or localhost/*, not ${String(v)}`);
        }
    }
    const badSelinux = (o: Obj): string | undefined => {
        const bad = [!SELINUX_TYPES.has(String(o.type ?? "")) ? `type ${String(o.type)}` : "", o.user ? "user set" : "", o.role ? "role set" : ""].filter(Boolean);
        return bad.length ? bad.join(", ") : undefined;
    };
    const podSelinux = set(psc.seLinuxOptions) ? badSelinux(obj(psc.seLinuxOptions)) : undefined;
    if (podSelinux) add("seLinuxOptions", "baseline", "securityContext.seLinuxOptions", `forbidden: ${podSelinux}`);
    const validSeccomp = (t: unknown) => t === "RuntimeDefault" || t === "Localhost";
    const podSeccomp = obj(psc.seccompProfile);
    if (level === "baseline" && set(psc.seccompProfile) && !validSeccomp(podSeccomp.type)) {
        add("seccompProfile", "baseline", "securityContext.seccompProfile.type", `must not be ${String(podSeccomp.type)}`);
    }
    for (const x of list(psc.sysctls)) if (!SAFE_SYSCTLS.has(String(x.name))) add("sysctls", "baseline", `securityContext.sysctls[${x.name}]`, "not a safe sysctl");

    for (const c of cs) {
        const sc = c.sc;
        if (obj(sc.windowsOptions).hostProcess === true) add("windowsHostProcess", "baseline", "securityContext.windowsOptions.hostProcess", "must not be true", c);
        if (sc.privileged === true) add("privileged", "baseline", "securityContext.privileged", "must not be true", c);
        // Restricted replaces the baseline checks of capabilities, seccomp and hostPath with stricter ones (below).
        if (level === "baseline") {
            const added = obj(sc.capabilities).add;
            const bad = (Array.isArray(added) ? added : []).filter(x => !BASELINE_CAPABILITIES.has(String(x)));
            if (bad.length) add("capabilities_baseline", "baseline", "securityContext.capabilities.add", `must not add ${bad.join(", ")}`, c);
        }
        list(c.c.ports).forEach((p, i) => {
            if (set(p.hostPort) && p.hostPort !== 0) add("hostPorts", "baseline", `ports[${i}].hostPort`, `host port ${String(p.hostPort)} is forbidden`, c);
        });
        const aa = obj(sc.appArmorProfile);
        if (set(sc.appArmorProfile) && aa.type !== "RuntimeDefault" && aa.type !== "Localhost") {
            add("appArmorProfile", "baseline", "securityContext.appArmorProfile.type", `must be RuntimeDefault or Localhost, not ${String(aa.type)}`, c);
        }
        const selinux = set(sc.seLinuxOptions) ? badSelinux(obj(sc.seLinuxOptions)) : undefined;
        if (selinux) add("seLinuxOptions", "baseline", "securityContext.seLinuxOptions", `forbidden: ${selinux}`, c);
        if (set(sc.procMount) && sc.procMount !== "Default") add("procMount", "baseline", "securityContext.procMount", `must be Default, not ${String(sc.procMount)}`, c);
        const seccomp = obj(sc.seccompProfile);
        if (level === "baseline" && set(sc.seccompProfile) && !validSeccomp(seccomp.type)) {
            add("seccompProfile", "baseline", "securityContext.seccompProfile.type", `must not be ${String(seccomp.type)}`, c);
        }
        // 1.34: probes and lifecycle handlers must not name a host (they would reach it from the kubelet).
        const handlers: [string, Obj][] = [
            ...(["livenessProbe", "readinessProbe", "startupProbe"] as const).map(p => [p, obj(c.c[p])] as [string, Obj]),
            ...(["postStart", "preStop"] as const).map(h => [`lifecycle.${h}`, obj(obj(c.c.lifecycle)[h])] as [string, Obj]),
        ];
        for (const [at, h] of handlers) {
            for (const kind of ["httpGet", "tcpSocket"]) {
                const host = obj(h[kind]).host;
                if (typeof host === "string" && host !== "") add("hostProbesAndHostLifecycle", "baseline", `${at}.${kind}.host`, `must not set a host (${host})`, c);
            }
        }
    }
    if (level === "baseline") return out;

    // --- restricted ---
    for (const v of list(s.volumes)) {
        if (RESTRICTED_VOLUMES.some(k => set(v[k]))) continue;
        const type = Object.keys(v).find(k => k !== "name") ?? "unknown";
        add("restrictedVolumes", type === "hostPath" ? "baseline" : "restricted", `volumes[${String(v.name)}].${type}`, `volume type ${type} is not allowed`);
    }
    const podNonRoot = psc.runAsNonRoot === true;
    if (psc.runAsNonRoot === false) add("runAsNonRoot", "restricted", "securityContext.runAsNonRoot", "must not be false");
    if (psc.runAsUser === 0) add("runAsUser", "restricted", "securityContext.runAsUser", "must not be 0");
    const podSeccompSet = set(psc.seccompProfile) && validSeccomp(podSeccomp.type);
    if (!windows && set(psc.seccompProfile) && !podSeccompSet) {
        add("seccompProfile_restricted", "baseline", "securityContext.seccompProfile.type", `must be RuntimeDefault or Localhost, not ${String(podSeccomp.type)}`);
    }
    for (const c of cs) {
        const sc = c.sc;
        if (sc.runAsNonRoot === false) add("runAsNonRoot", "restricted", "securityContext.runAsNonRoot", "must not be false", c);
        else if (sc.runAsNonRoot !== true && !podNonRoot) add("runAsNonRoot", "restricted", "securityContext.runAsNonRoot", "pod or container must set runAsNonRoot=true", c);
        if (sc.runAsUser === 0) add("runAsUser", "restricted", "securityContext.runAsUser", "must not be 0", c);
        // Linux-only controls: upstream exempts Windows pods (spec.os.name) from these three.
        if (windows) continue;
        if (sc.allowPrivilegeEscalation !== false) add("allowPrivilegeEscalation", "restricted", "securityContext.allowPrivilegeEscalation", "must be false", c);
        const seccomp = obj(sc.seccompProfile);
        if (set(sc.seccompProfile) && !validSeccomp(seccomp.type)) {
            add("seccompProfile_restricted", "baseline", "securityContext.seccompProfile.type", `must be RuntimeDefault or Localhost, not ${String(seccomp.type)}`, c);
        } else if (!set(sc.seccompProfile) && !podSeccompSet) {
            add("seccompProfile_restricted", "restricted", "securityContext.seccompProfile.type", "pod or container must set RuntimeDefault or Localhost", c);
        }
        const caps = obj(sc.capabilities);
        const drop = Array.isArray(caps.drop) ? caps.drop : [];
        const added = Array.isArray(caps.add) ? caps.add : [];
        if (!drop.includes("ALL")) add("capabilities_restricted", "restricted", "securityContext.capabilities.drop", 'must include "ALL"', c);
        const bad = added.filter(x => x !== "NET_BIND_SERVICE");
        if (bad.length) add("capabilities_restricted", "restricted", "securityContext.capabilities.add", `may add only NET_BIND_SERVICE, not ${bad.join(", ")}`, c);
    }
    return out;
}

/** A pod template found in a manifest: the workload it belongs to, and the template's metadata and spec. */
export interface PodTemplate {
    /** `Kind/name`. */
    readonly workload: string;
    readonly metadata: unknown;
    readonly spec: unknown;
}

const TEMPLATE_PATHS: Readonly<Record<string, readonly string[]>> = {
    Pod: [],
    Deployment: ["spec", "template"],
    StatefulSet: ["spec", "template"],
    DaemonSet: ["spec", "template"],
    ReplicaSet: ["spec", "template"],
    ReplicationController: ["spec", "template"],
    Job: ["spec", "template"],
    CronJob: ["spec", "jobTemplate", "spec", "template"],
};

/** The pod templates of the workload objects among `docs` (other kinds are skipped). */
export function podTemplates(docs: readonly unknown[]): PodTemplate[] {
    return docs.flatMap(d => {
        const o = obj(d);
        const kind = String(o.kind ?? "");
        const at = TEMPLATE_PATHS[kind];
        if (at === undefined) return [];
        const pod = at.reduce((x: Obj, k) => obj(x[k]), o);
        return [{ workload: `${kind}/${String(obj(o.metadata).name)}`, metadata: pod.metadata ?? {}, spec: pod.spec ?? {} }];
    });
}

/** The violations of every workload among `docs`, workloads without any included (empty list). */
export function evaluateManifests(docs: readonly unknown[], level: PssLevel = "restricted"): { workload: string; violations: PssViolation[] }[] {
    return podTemplates(docs).map(t => ({ workload: t.workload, violations: evaluatePod(t.spec, t.metadata, level) }));
}
