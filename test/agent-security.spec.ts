// The node agent's privileges as the program renders them: only the host paths it reads (read-only all the way
// down, bar its state directory), uid 0 without capabilities, RBAC exactly what its config uses, its namespace
// enforcing privileged but warning and auditing restricted; and a check that turns red on each widening.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import type { Values } from "../components/render/backends/common";
import { HOSTFS } from "../components/render/collector/agent";
import {
    AGENT_HOST_PATHS, agentNamespaceLabels, agentSecurityProblems, NamespaceRole, requiredAccess, SCRAPER_HOST_DIRS,
} from "../components/render/collector/agent-security";
import { AGENT_NAMESPACE, OtelConfig } from "../components/render/collector/otel";
import { renderedStack } from "./helpers/rendered";

type Resource = { type: string; inputs: Record<string, any> };
type Agent = { values: Values & Record<string, any>; config: OtelConfig; namespaceRole: NamespaceRole };

const READ = ["get", "list", "watch"];
const clone = <T>(v: T): T => structuredClone(v);

describe("node agent privileges", () => {
    const agents: Record<string, Agent> = {};
    const resources: Record<string, Resource[]> = {};
    before(async () => {
        for (const stack of ["dev", "prod"]) {
            const { outDir, run } = await renderedStack(stack);
            const read = (f: string) => YAML.parse(fs.readFileSync(path.join(outDir, f), "utf8"));
            resources[stack] = run.resources as Resource[];
            const role = resources[stack].find(r => r.type === "kubernetes:rbac.authorization.k8s.io/v1:Role" && r.inputs.metadata?.name === "otel-agent-scrape")!;
            agents[stack] = {
                values: read("helm/otel-agent.values.yaml"),
                config: read("collector/agent.yaml"),
                namespaceRole: { namespace: role.inputs.metadata.namespace, name: role.inputs.metadata.name, rules: role.inputs.rules },
            };
        }
    });

    it("mounts exactly the allowlisted host paths: pod logs and /proc read-only all the way down, its state directory, never /", () => {
        for (const stack of ["dev", "prod"]) {
            const v = agents[stack].values;
            const hostVolumes = (v.extraVolumes as any[]).filter(x => x.hostPath);
            const mountOf = (name: string) => (v.extraVolumeMounts as any[]).filter(m => m.name === name);
            assert.deepEqual(hostVolumes.map(x => ({ ...x, mounts: mountOf(x.name) })), [
                { name: "varlogpods", hostPath: { path: "/var/log/pods", type: "Directory" }, mounts: [{ name: "varlogpods", mountPath: "/var/log/pods", readOnly: true, recursiveReadOnly: "IfPossible" }] },
                { name: "hostproc", hostPath: { path: "/proc", type: "Directory" }, mounts: [{ name: "hostproc", mountPath: "/hostfs/proc", readOnly: true, recursiveReadOnly: "IfPossible" }] },
                { name: "state", hostPath: { path: "/var/lib/otelcol/agent", type: "DirectoryOrCreate" }, mounts: [{ name: "state", mountPath: "/var/lib/otelcol/agent", readOnly: false }] },
            ], stack);
            assert.equal(AGENT_HOST_PATHS.filter(h => !h.readOnly).length, 1, "one writable host path");
            // The other volumes are the chart's ConfigMap and the TLS Secret; no preset adds its own host paths.
            assert.deepEqual((v.extraVolumes as any[]).filter(x => !x.hostPath).map(x => Object.keys(x).sort()), [["name", "secret"]]);
            assert.equal(v.presets, undefined, stack);
            for (const k of ["hostNetwork", "hostPID", "hostIPC", "podSecurityContext", "initContainers", "extraContainers"]) assert.equal(v[k], undefined, `${stack}: ${k}`);
        }
    });

    it("runs as uid 0 with every capability dropped, unprivileged, on a read-only root filesystem", () => {
        for (const stack of ["dev", "prod"]) {
            assert.deepEqual(agents[stack].values.securityContext, {
                runAsUser: 0, runAsGroup: 0, privileged: false, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true,
                capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" },
            }, stack);
        }
    });

    it("is granted exactly the API access its config uses: no nodes/proxy, no wildcard, discovery only in the backends' namespace", () => {
        for (const stack of ["dev", "prod"]) {
            const a = agents[stack];
            assert.deepEqual(a.values.clusterRole, {
                create: true, name: "otel-agent", rules: [
                    { apiGroups: [""], resources: ["pods"], verbs: READ },
                    { apiGroups: ["apps"], resources: ["replicasets"], verbs: READ },
                    { apiGroups: [""], resources: ["nodes/stats"], verbs: ["get"] },
                ],
            }, stack);
            assert.deepEqual(a.namespaceRole, {
                namespace: "observability", name: "otel-agent-scrape", rules: [
                    { apiGroups: [""], resources: ["services"], verbs: READ },
                    { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: READ },
                ],
            }, stack);
            const binding = resources[stack].find(r => r.type === "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding" && r.inputs.metadata?.name === "otel-agent-scrape")!;
            assert.deepEqual([binding.inputs.metadata.namespace, binding.inputs.roleRef, binding.inputs.subjects], [
                "observability", { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "otel-agent-scrape" },
                [{ kind: "ServiceAccount", name: "otel-agent", namespace: AGENT_NAMESPACE }],
            ]);
            const all = JSON.stringify([a.values.clusterRole, a.namespaceRole]);
            assert.ok(!all.includes("nodes/proxy") && !all.includes("*"), all);
            // What the receivers and processors use, derived from the config: k8s_attributes (pods, their ReplicaSets),
            // kubelet_stats (/stats/summary), the Prometheus endpointslice discovery in the backends' namespace.
            assert.deepEqual([...requiredAccess(a.config)].sort(), [
                "* /nodes/stats get", ...READ.map(v => `* /pods ${v}`), ...READ.map(v => `* apps/replicasets ${v}`),
                ...READ.map(v => `observability /pods ${v}`), ...READ.map(v => `observability /services ${v}`),
                ...READ.map(v => `observability discovery.k8s.io/endpointslices ${v}`),
            ].sort(), stack);
        }
    });

    it("host_metrics reads under root_path exactly what is mounted there, and has no filesystem or network scraper", () => {
        for (const stack of ["dev", "prod"]) {
            const h = agents[stack].config.receivers.host_metrics as any;
            assert.equal(h.root_path, HOSTFS);
            assert.deepEqual(Object.keys(h.scrapers).sort(), ["cpu", "disk", "load", "memory"]);
            const needed = new Set(Object.keys(h.scrapers).flatMap(s => SCRAPER_HOST_DIRS[s].map(d => `${h.root_path}/${d}`)));
            const mounted = (agents[stack].values.extraVolumeMounts as any[]).map(m => m.mountPath).filter(p => p.startsWith(`${HOSTFS}/`));
            assert.deepEqual(mounted, [...needed]);
            assert.deepEqual((agents[stack].config.receivers.file_log as any).include, ["/var/log/pods/*/*/*.log"]);
            assert.equal((agents[stack].config.extensions.file_storage as any).directory, "/var/lib/otelcol/agent");
        }
    });

    it("its namespace enforces privileged (baseline forbids hostPath) and warns and audits restricted", () => {
        for (const stack of ["dev", "prod"]) {
            const ns = resources[stack].find(r => r.type === "kubernetes:core/v1:Namespace" && r.inputs.metadata?.name === AGENT_NAMESPACE)!;
            assert.deepEqual(ns.inputs.metadata.labels, {
                "pod-security.kubernetes.io/enforce": "privileged", "pod-security.kubernetes.io/enforce-version": "v1.34",
                "pod-security.kubernetes.io/warn": "restricted", "pod-security.kubernetes.io/warn-version": "latest",
                "pod-security.kubernetes.io/audit": "restricted", "pod-security.kubernetes.io/audit-version": "latest",
            }, stack);
            assert.deepEqual(ns.inputs.metadata.labels, agentNamespaceLabels());
        }
    });

    it("the check passes the rendered agent and turns red on each widening", () => {
        for (const stack of ["dev", "prod"]) assert.deepEqual(agentSecurityProblems(agents[stack]), [], stack);
        const mountOf = (a: Agent, name: string) => (a.values.extraVolumeMounts as any[]).find(m => m.name === name);
        const rules = (a: Agent) => a.values.clusterRole.rules as any[];
        const cases: Array<{ what: string; edit: (a: Agent) => void; problem: RegExp }> = [
            { what: "the host's / re-added (as before)", edit: a => {
                a.values.extraVolumes.push({ name: "hostfs", hostPath: { path: "/" } });
                a.values.extraVolumeMounts.push({ name: "hostfs", mountPath: HOSTFS, readOnly: true, mountPropagation: "HostToContainer" });
            }, problem: /volume hostfs mounts the host's root filesystem/ },
            { what: "another host path", edit: a => {
                a.values.extraVolumes.push({ name: "docker", hostPath: { path: "/var/lib/docker/containers" } });
                a.values.extraVolumeMounts.push({ name: "docker", mountPath: "/var/lib/docker/containers", readOnly: true, recursiveReadOnly: "IfPossible" });
            }, problem: /hostPath \/var\/lib\/docker\/containers .* is not on the allowlist/ },
            { what: "/proc writable", edit: a => { delete mountOf(a, "hostproc").recursiveReadOnly; mountOf(a, "hostproc").readOnly = false; }, problem: /hostPath \/proc must be mounted read-only/ },
            { what: "pod logs read-only only at the top", edit: a => { delete mountOf(a, "varlogpods").recursiveReadOnly; }, problem: /\/var\/log\/pods must be mounted recursiveReadOnly/ },
            { what: "mount propagation", edit: a => { mountOf(a, "hostproc").mountPropagation = "HostToContainer"; }, problem: /\/proc must not propagate mounts/ },
            { what: "state directory elsewhere", edit: a => { (a.values.extraVolumes as any[]).find(v => v.name === "state").hostPath.path = "/var/lib"; }, problem: /hostPath \/var\/lib .* is not on the allowlist/ },
            { what: "a chart preset", edit: a => { a.values.presets = { hostMetrics: { enabled: true } }; }, problem: /chart preset hostMetrics is on/ },
            { what: "host network", edit: a => { a.values.hostNetwork = true; }, problem: /hostNetwork must stay off/ },
            { what: "a capability added back", edit: a => { a.values.securityContext.capabilities.add = ["DAC_READ_SEARCH"]; }, problem: /capabilities\.add must be empty \(it adds DAC_READ_SEARCH\)/ },
            { what: "capabilities kept", edit: a => { a.values.securityContext.capabilities.drop = ["NET_RAW"]; }, problem: /capabilities\.drop must include ALL/ },
            { what: "privileged", edit: a => { a.values.securityContext.privileged = true; }, problem: /securityContext\.privileged must be false/ },
            { what: "privilege escalation", edit: a => { a.values.securityContext.allowPrivilegeEscalation = true; }, problem: /allowPrivilegeEscalation must be false/ },
            { what: "writable root filesystem", edit: a => { a.values.securityContext.readOnlyRootFilesystem = false; }, problem: /readOnlyRootFilesystem must be true/ },
            { what: "no seccomp", edit: a => { a.values.securityContext.seccompProfile = { type: "Unconfined" }; }, problem: /seccompProfile must be RuntimeDefault/ },
            { what: "nodes/proxy (as before)", edit: a => { rules(a)[2].resources.push("nodes/proxy"); }, problem: /rule grants nodes\/proxy/ },
            { what: "a wildcard", edit: a => { rules(a)[0].verbs = ["*"]; }, problem: /has a wildcard/ },
            { what: "a write verb", edit: a => { rules(a)[0].verbs.push("delete"); }, problem: /rule grants the verb delete/ },
            { what: "access the config does not use", edit: a => { rules(a).push({ apiGroups: [""], resources: ["namespaces", "nodes"], verbs: READ }); }, problem: /rule grants \* \/namespaces get, list, watch, which the config does not use/ },
            { what: "discovery widened to the cluster", edit: a => { rules(a).push({ apiGroups: [""], resources: ["services"], verbs: READ }); }, problem: /rule grants \* \/services get, list, watch, which the config does not use \(at that scope\)/ },
            { what: "a rule the config needs removed", edit: a => { rules(a).splice(1, 1); }, problem: /the config needs \* apps\/replicasets get, list, watch, which no rule grants/ },
            { what: "namespace labels extracted without access", edit: a => { (a.config.processors.k8s_attributes as any).extract.labels.push({ tag_name: "team", key: "team", from: "namespace" }); }, problem: /the config needs \* \/namespaces get, list, watch, which no rule grants/ },
            { what: "kubelet extra metadata (needs nodes/proxy)", edit: a => { (a.config.receivers.kubelet_stats as any).extra_metadata_labels = ["container.id"]; }, problem: /the config needs \* \/nodes\/proxy get/ },
            { what: "the filesystem scraper re-added", edit: a => { (a.config.receivers.host_metrics as any).scrapers.filesystem = {}; }, problem: /scraper filesystem needs the host's root filesystem under root_path/ },
            { what: "the network scraper re-added", edit: a => { (a.config.receivers.host_metrics as any).scrapers.network = {}; }, problem: /scraper network reads \/proc\/self\/net, the agent pod's network namespace/ },
            { what: "root_path moved", edit: a => { (a.config.receivers.host_metrics as any).root_path = "/host"; }, problem: /host_metrics root_path must be \/hostfs/ },
            { what: "logs read from an unmounted path", edit: a => { (a.config.receivers.file_log as any).include.push("/var/log/containers/*.log"); }, problem: /file_log reads \/var\/log\/containers\/\*\.log, outside the read-only host mounts/ },
            { what: "state on the read-only root", edit: a => { (a.config.extensions.file_storage as any).directory = "/tmp/otel"; }, problem: /file_storage directory \/tmp\/otel is not the writable host mount/ },
        ];
        for (const c of cases) {
            const a = clone(agents.dev);
            c.edit(a);
            const problems = agentSecurityProblems(a);
            assert.ok(problems.some(p => c.problem.test(p)), `${c.what}: ${JSON.stringify(problems)}`);
        }
    });
});
