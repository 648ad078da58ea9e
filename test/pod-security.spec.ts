// The Pod Security Standards evaluator (offline/pod-security.ts): a compliant pod passes both levels, and each
// mutation that breaks one control is reported once, as that control, at the field and container it is about.
import { strict as assert } from "assert";
import { evaluateManifests, evaluatePod, podTemplates, type PssLevel } from "../offline/pod-security";

type Obj = Record<string, any>;

const restrictedContainer = (name: string): Obj => ({
    name,
    image: "example:1",
    ports: [{ containerPort: 8080 }],
    readinessProbe: { httpGet: { path: "/ready", port: 8080 } },
    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, readOnlyRootFilesystem: true },
});

/** A pod that meets `restricted`: non-root and RuntimeDefault at pod level, every container locked down. */
function compliantPod(): Obj {
    return {
        securityContext: { runAsNonRoot: true, runAsUser: 10001, fsGroup: 10001, seccompProfile: { type: "RuntimeDefault" }, sysctls: [{ name: "net.ipv4.tcp_keepalive_time", value: "60" }] },
        initContainers: [restrictedContainer("init")],
        containers: [restrictedContainer("app"), restrictedContainer("sidecar")],
        volumes: [
            { name: "data", persistentVolumeClaim: { claimName: "data" } },
            { name: "tls", secret: { secretName: "tls" } },
            { name: "tmp", emptyDir: {} },
            { name: "cfg", configMap: { name: "cfg" } },
            { name: "token", projected: { sources: [] } },
        ],
    };
}

const checks = (spec: Obj, metadata: Obj = {}, level: PssLevel = "restricted") => evaluatePod(spec, metadata, level).map(v => `${v.check}@${v.container ?? "pod"}:${v.field}`);

/** A mutation of the compliant pod, and what each level must then report (empty: allowed at that level). */
interface Case { what: string; mutate: (p: Obj, meta: Obj) => void; baseline: string[]; restricted: string[] }
const app = (p: Obj) => p.containers[0].securityContext;
const CASES: Case[] = [
    // baseline controls (restricted reports them too)
    { what: "pod hostProcess", mutate: p => { p.securityContext.windowsOptions = { hostProcess: true }; }, baseline: ["windowsHostProcess@pod:securityContext.windowsOptions.hostProcess"], restricted: ["windowsHostProcess@pod:securityContext.windowsOptions.hostProcess"] },
    { what: "container hostProcess", mutate: p => { app(p).windowsOptions = { hostProcess: true }; }, baseline: ["windowsHostProcess@app:containers[0].securityContext.windowsOptions.hostProcess"], restricted: ["windowsHostProcess@app:containers[0].securityContext.windowsOptions.hostProcess"] },
    { what: "hostNetwork", mutate: p => { p.hostNetwork = true; }, baseline: ["hostNamespaces@pod:hostNetwork"], restricted: ["hostNamespaces@pod:hostNetwork"] },
    { what: "hostPID", mutate: p => { p.hostPID = true; }, baseline: ["hostNamespaces@pod:hostPID"], restricted: ["hostNamespaces@pod:hostPID"] },
    { what: "hostIPC", mutate: p => { p.hostIPC = true; }, baseline: ["hostNamespaces@pod:hostIPC"], restricted: ["hostNamespaces@pod:hostIPC"] },
    { what: "privileged init container", mutate: p => { p.initContainers[0].securityContext.privileged = true; }, baseline: ["privileged@init:initContainers[0].securityContext.privileged"], restricted: ["privileged@init:initContainers[0].securityContext.privileged"] },
    { what: "adds a baseline capability", mutate: p => { app(p).capabilities.add = ["CHOWN"]; }, baseline: [], restricted: ["capabilities_restricted@app:containers[0].securityContext.capabilities.add"] },
    { what: "adds SYS_ADMIN", mutate: p => { app(p).capabilities.add = ["SYS_ADMIN"]; }, baseline: ["capabilities_baseline@app:containers[0].securityContext.capabilities.add"], restricted: ["capabilities_restricted@app:containers[0].securityContext.capabilities.add"] },
    { what: "adds NET_BIND_SERVICE", mutate: p => { app(p).capabilities.add = ["NET_BIND_SERVICE"]; }, baseline: [], restricted: [] },
    { what: "hostPath volume", mutate: p => { p.volumes.push({ name: "host", hostPath: { path: "/var/log" } }); }, baseline: ["hostPathVolumes@pod:volumes[host].hostPath"], restricted: ["restrictedVolumes@pod:volumes[host].hostPath"] },
    { what: "hostPort", mutate: p => { p.containers[1].ports[0].hostPort = 8080; }, baseline: ["hostPorts@sidecar:containers[1].ports[0].hostPort"], restricted: ["hostPorts@sidecar:containers[1].ports[0].hostPort"] },
    { what: "hostPort 0", mutate: p => { p.containers[1].ports[0].hostPort = 0; }, baseline: [], restricted: [] },
    { what: "AppArmor Unconfined (field)", mutate: p => { app(p).appArmorProfile = { type: "Unconfined" }; }, baseline: ["appArmorProfile@app:containers[0].securityContext.appArmorProfile.type"], restricted: ["appArmorProfile@app:containers[0].securityContext.appArmorProfile.type"] },
    { what: "AppArmor unconfined (annotation)", mutate: (_p, m) => { m.annotations = { "container.apparmor.security.beta.kubernetes.io/app": "unconfined" }; }, baseline: ["appArmorProfile@pod:metadata.annotations[container.apparmor.security.beta.kubernetes.io/app]"], restricted: ["appArmorProfile@pod:metadata.annotations[container.apparmor.security.beta.kubernetes.io/app]"] },
    { what: "AppArmor localhost profile", mutate: (p, m) => { p.securityContext.appArmorProfile = { type: "Localhost", localhostProfile: "x" }; m.annotations = { "container.apparmor.security.beta.kubernetes.io/app": "localhost/x" }; }, baseline: [], restricted: [] },
    { what: "SELinux type", mutate: p => { p.securityContext.seLinuxOptions = { type: "spc_t" }; }, baseline: ["seLinuxOptions@pod:securityContext.seLinuxOptions"], restricted: ["seLinuxOptions@pod:securityContext.seLinuxOptions"] },
    { what: "SELinux user", mutate: p => { app(p).seLinuxOptions = { type: "container_t", user: "system_u" }; }, baseline: ["seLinuxOptions@app:containers[0].securityContext.seLinuxOptions"], restricted: ["seLinuxOptions@app:containers[0].securityContext.seLinuxOptions"] },
    { what: "SELinux container_engine_t (1.31+)", mutate: p => { app(p).seLinuxOptions = { type: "container_engine_t", level: "s0:c1" }; }, baseline: [], restricted: [] },
    { what: "procMount Unmasked", mutate: p => { app(p).procMount = "Unmasked"; }, baseline: ["procMount@app:containers[0].securityContext.procMount"], restricted: ["procMount@app:containers[0].securityContext.procMount"] },
    { what: "seccomp Unconfined on a container", mutate: p => { app(p).seccompProfile = { type: "Unconfined" }; }, baseline: ["seccompProfile@app:containers[0].securityContext.seccompProfile.type"], restricted: ["seccompProfile_restricted@app:containers[0].securityContext.seccompProfile.type"] },
    { what: "seccomp Unconfined on the pod", mutate: p => { p.securityContext.seccompProfile = { type: "Unconfined" }; }, baseline: ["seccompProfile@pod:securityContext.seccompProfile.type"], restricted: ["seccompProfile_restricted@pod:securityContext.seccompProfile.type", ...["init:initContainers[0]", "app:containers[0]", "sidecar:containers[1]"].map(c => `seccompProfile_restricted@${c}.securityContext.seccompProfile.type`)] },
    { what: "unsafe sysctl", mutate: p => { p.securityContext.sysctls.push({ name: "kernel.msgmax", value: "1" }); }, baseline: ["sysctls@pod:securityContext.sysctls[kernel.msgmax]"], restricted: ["sysctls@pod:securityContext.sysctls[kernel.msgmax]"] },
    { what: "tcp_rmem sysctl (1.32+)", mutate: p => { p.securityContext.sysctls.push({ name: "net.ipv4.tcp_rmem", value: "4096 87380 6291456" }); }, baseline: [], restricted: [] },
    { what: "probe host (1.34+)", mutate: p => { p.containers[0].readinessProbe.httpGet.host = "169.254.169.254"; }, baseline: ["hostProbesAndHostLifecycle@app:containers[0].readinessProbe.httpGet.host"], restricted: ["hostProbesAndHostLifecycle@app:containers[0].readinessProbe.httpGet.host"] },
    { what: "lifecycle host (1.34+)", mutate: p => { p.containers[1].lifecycle = { preStop: { tcpSocket: { port: 1, host: "10.0.0.1" } } }; }, baseline: ["hostProbesAndHostLifecycle@sidecar:containers[1].lifecycle.preStop.tcpSocket.host"], restricted: ["hostProbesAndHostLifecycle@sidecar:containers[1].lifecycle.preStop.tcpSocket.host"] },
    // restricted-only controls
    { what: "nfs volume", mutate: p => { p.volumes.push({ name: "share", nfs: { server: "x", path: "/" } }); }, baseline: [], restricted: ["restrictedVolumes@pod:volumes[share].nfs"] },
    { what: "csi, ephemeral and image volumes", mutate: p => { p.volumes.push({ name: "c", csi: { driver: "x" } }, { name: "e", ephemeral: {} }, { name: "i", image: { reference: "x" } }, { name: "d", downwardAPI: {} }); }, baseline: [], restricted: [] },
    { what: "allowPrivilegeEscalation unset", mutate: p => { delete p.containers[1].securityContext.allowPrivilegeEscalation; }, baseline: [], restricted: ["allowPrivilegeEscalation@sidecar:containers[1].securityContext.allowPrivilegeEscalation"] },
    { what: "allowPrivilegeEscalation true", mutate: p => { app(p).allowPrivilegeEscalation = true; }, baseline: [], restricted: ["allowPrivilegeEscalation@app:containers[0].securityContext.allowPrivilegeEscalation"] },
    { what: "runAsNonRoot unset on the pod", mutate: p => { delete p.securityContext.runAsNonRoot; }, baseline: [], restricted: ["init:initContainers[0]", "app:containers[0]", "sidecar:containers[1]"].map(c => `runAsNonRoot@${c}.securityContext.runAsNonRoot`) },
    { what: "runAsNonRoot on every container instead", mutate: p => { delete p.securityContext.runAsNonRoot; for (const c of [...p.initContainers, ...p.containers]) c.securityContext.runAsNonRoot = true; }, baseline: [], restricted: [] },
    { what: "runAsNonRoot false on a container", mutate: p => { app(p).runAsNonRoot = false; }, baseline: [], restricted: ["runAsNonRoot@app:containers[0].securityContext.runAsNonRoot"] },
    { what: "runAsNonRoot false on the pod", mutate: p => { p.securityContext.runAsNonRoot = false; }, baseline: [], restricted: ["runAsNonRoot@pod:securityContext.runAsNonRoot", ...["init:initContainers[0]", "app:containers[0]", "sidecar:containers[1]"].map(c => `runAsNonRoot@${c}.securityContext.runAsNonRoot`)] },
    { what: "runAsUser 0 on the pod", mutate: p => { p.securityContext.runAsUser = 0; }, baseline: [], restricted: ["runAsUser@pod:securityContext.runAsUser"] },
    { what: "runAsUser 0 on a container", mutate: p => { p.initContainers[0].securityContext.runAsUser = 0; }, baseline: [], restricted: ["runAsUser@init:initContainers[0].securityContext.runAsUser"] },
    { what: "seccomp unset everywhere", mutate: p => { delete p.securityContext.seccompProfile; }, baseline: [], restricted: ["init:initContainers[0]", "app:containers[0]", "sidecar:containers[1]"].map(c => `seccompProfile_restricted@${c}.securityContext.seccompProfile.type`) },
    { what: "seccomp on every container instead (Localhost)", mutate: p => { delete p.securityContext.seccompProfile; for (const c of [...p.initContainers, ...p.containers]) c.securityContext.seccompProfile = { type: "Localhost", localhostProfile: "p.json" }; }, baseline: [], restricted: [] },
    { what: "capabilities not dropped", mutate: p => { delete app(p).capabilities; }, baseline: [], restricted: ["capabilities_restricted@app:containers[0].securityContext.capabilities.drop"] },
    { what: "drops only NET_RAW", mutate: p => { app(p).capabilities.drop = ["NET_RAW"]; }, baseline: [], restricted: ["capabilities_restricted@app:containers[0].securityContext.capabilities.drop"] },
    { what: "no securityContext at all on an ephemeral container", mutate: p => { p.ephemeralContainers = [{ name: "debug", image: "busybox" }]; }, baseline: [], restricted: ["allowPrivilegeEscalation", "capabilities_restricted"].map(c => `${c}@debug:ephemeralContainers[0].securityContext.${c === "capabilities_restricted" ? "capabilities.drop" : "allowPrivilegeEscalation"}`) },
];

describe("Pod Security Standards evaluator (offline/pod-security.ts)", () => {
    it("passes the compliant pod at both levels", () => {
        assert.deepEqual(checks(compliantPod(), {}, "baseline"), []);
        assert.deepEqual(checks(compliantPod(), {}, "restricted"), []);
    });

    for (const c of CASES) {
        it(`${c.what}: baseline ${c.baseline.length ? "rejects" : "allows"}, restricted ${c.restricted.length ? "rejects" : "allows"}`, () => {
            const pod = compliantPod();
            const meta: Obj = {};
            c.mutate(pod, meta);
            assert.deepEqual(checks(pod, meta, "baseline").sort(), [...c.baseline].sort(), "baseline");
            assert.deepEqual(checks(pod, meta, "restricted").sort(), [...c.restricted].sort(), "restricted");
        });
    }

    it("every violation names its level, and a container's names the container", () => {
        const pod = compliantPod();
        pod.hostNetwork = true;
        delete pod.containers[0].securityContext.allowPrivilegeEscalation;
        const vs = evaluatePod(pod);
        assert.deepEqual(vs.map(v => [v.check, v.level, v.container]), [["hostNamespaces", "baseline", undefined], ["allowPrivilegeEscalation", "restricted", "app"]]);
        assert.ok(vs.every(v => v.message.length > 0));
    });

    it("exempts Windows pods from the Linux-only restricted controls, not from the others", () => {
        const pod: Obj = { os: { name: "windows" }, securityContext: { runAsNonRoot: true }, containers: [{ name: "win", image: "x" }] };
        assert.deepEqual(checks(pod), []);
        pod.securityContext.runAsNonRoot = false;
        pod.hostNetwork = true;
        assert.deepEqual(checks(pod).sort(), ["hostNamespaces@pod:hostNetwork", "runAsNonRoot@pod:securityContext.runAsNonRoot", "runAsNonRoot@win:containers[0].securityContext.runAsNonRoot"]);
    });

    it("an empty pod spec has nothing to report; garbage is no crash", () => {
        assert.deepEqual(evaluatePod({}), []);
        assert.deepEqual(evaluatePod(undefined), []);
        assert.deepEqual(checks({ containers: [null], volumes: "x" }).length, 4);
    });

    it("finds the pod template of every workload kind and skips the rest", () => {
        const spec = compliantPod();
        const tpl = { metadata: { annotations: { a: "b" } }, spec };
        const docs = [
            { kind: "Pod", metadata: { name: "p", annotations: { a: "b" } }, spec },
            { kind: "Deployment", metadata: { name: "d" }, spec: { template: tpl } },
            { kind: "StatefulSet", metadata: { name: "s" }, spec: { template: tpl } },
            { kind: "DaemonSet", metadata: { name: "ds" }, spec: { template: tpl } },
            { kind: "ReplicaSet", metadata: { name: "rs" }, spec: { template: tpl } },
            { kind: "Job", metadata: { name: "j" }, spec: { template: tpl } },
            { kind: "CronJob", metadata: { name: "cj" }, spec: { jobTemplate: { spec: { template: tpl } } } },
            { kind: "ConfigMap", metadata: { name: "c" }, data: {} },
            null,
        ];
        const found = podTemplates(docs);
        assert.deepEqual(found.map(t => t.workload), ["Pod/p", "Deployment/d", "StatefulSet/s", "DaemonSet/ds", "ReplicaSet/rs", "Job/j", "CronJob/cj"]);
        assert.ok(found.every(t => t.spec === spec && (t.metadata as Obj).annotations.a === "b"));
        const bad = { kind: "CronJob", metadata: { name: "cj" }, spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: "x" }] } } } } } };
        const [r] = evaluateManifests([bad]);
        assert.equal(r.workload, "CronJob/cj");
        assert.deepEqual(r.violations.map(v => v.check).sort(), ["allowPrivilegeEscalation", "capabilities_restricted", "runAsNonRoot", "seccompProfile_restricted"]);
        assert.deepEqual(evaluateManifests([bad], "baseline")[0].violations, []);
    });
});
