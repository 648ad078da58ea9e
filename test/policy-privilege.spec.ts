// The pack's least-privilege and secret rules: from each rendered stack, one mutation per rule turns exactly that policy red
// with a mandatory violation (the image rule: advisory); objects the program may create directly are judged too;
// the settings (agents, host paths, Pod Security exceptions, wildcard-only actions) move the verdicts.
import { strict as assert } from "assert";
import { policies } from "../policy/policies";
import { AnalyzedResource, PackConfig, runPolicies, Violation } from "../policy/harness";
import { stackResources } from "./helpers/least-privilege";

type Props = Record<string, any>;
type Rs = AnalyzedResource[];
const RELEASE = "kubernetes:helm.sh/v3:Release";
const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const added = (vs: Violation[], base: Violation[]) => vs.filter(v => !base.some(b => b.policy === v.policy && b.message === v.message && b.urn === v.urn));
const release = (rs: Rs, name: string) => rs.find(r => r.type === RELEASE && r.props.name === name)!.props as Props;
const first = (rs: Rs, type: string) => rs.find(r => r.type === type)!.props as Props;
const byName = (rs: Rs, type: string, name: string) => rs.find(r => r.type === type && (r.props as Props).metadata?.name === name)!.props as Props;
const namespace = (rs: Rs, name: string) => byName(rs, "kubernetes:core/v1:Namespace", name);
const policyDoc = (p: Props) => JSON.parse(p.policy as string);

describe("CrossGuard pack: least privilege and secrets", () => {
    const stacks: Record<string, Rs> = {};
    const baseline: Record<string, Violation[]> = {};
    before(async () => {
        for (const stack of ["dev", "prod"]) {
            stacks[stack] = await stackResources(stack);
            baseline[stack] = await runPolicies(policies, stacks[stack]);
        }
    });

    it("both stacks in the least-privilege state pass every new rule (clean case)", () => {
        for (const stack of ["dev", "prod"]) {
            const mine = baseline[stack].filter(v => v.policy.startsWith("privilege-") || v.policy.startsWith("hygiene-secret") || v.policy.startsWith("hygiene-kubernetes"));
            assert.deepEqual(mine, [], stack);
        }
    });

    it("each mutation turns exactly its policy red, with a mandatory violation that says what to change", async () => {
        const cases: Array<{ stack: string; what: string; policy: string; message: RegExp; edit: (rs: Rs) => void }> = [
            { stack: "dev", what: "IMDS two hops away (containers reach it)", policy: "privilege-ec2-imds-hop-limit", message: /^instance obs-dev-host-instance: metadataOptions\.httpPutResponseHopLimit is 2; set it to 1/,
                edit: rs => { first(rs, "aws:ec2/instance:Instance").metadataOptions.httpPutResponseHopLimit = 2; } },
            { stack: "dev", what: "hop limit left to the AMI", policy: "privilege-ec2-imds-hop-limit", message: /httpPutResponseHopLimit is unset \(the AMI decides/,
                edit: rs => { delete first(rs, "aws:ec2/instance:Instance").metadataOptions.httpPutResponseHopLimit; } },
            { stack: "dev", what: "the agent mounting the host's /", policy: "privilege-host-paths-allowlisted", message: /^release otel-agent: extraVolumes\[\d+\] mounts host path \/, which is not allowlisted; mount only \/var\/log\/pods, \/proc, \/var\/lib\/otelcol\/agent/,
                edit: rs => {
                    const v = release(rs, "otel-agent").values;
                    v.extraVolumes.push({ name: "hostfs", hostPath: { path: "/" } });
                    v.extraVolumeMounts.push({ name: "hostfs", mountPath: "/hostfs", readOnly: true, mountPropagation: "HostToContainer" });
                } },
            { stack: "prod", what: "the agent writing pod logs", policy: "privilege-host-paths-allowlisted", message: /^release otel-agent: extraVolumes\[\d+\] mounts host path \/var\/log\/pods read-write; set readOnly: true/,
                edit: rs => { release(rs, "otel-agent").values.extraVolumeMounts.find((m: Props) => m.mountPath === "/var/log/pods").readOnly = false; } },
            { stack: "prod", what: "the hostMetrics preset (the chart mounts /)", policy: "privilege-host-paths-allowlisted", message: /^release otel-agent: presets\.hostMetrics mounts host path \/, which is not allowlisted/,
                edit: rs => { release(rs, "otel-agent").values.presets = { hostMetrics: { enabled: true } }; } },
            { stack: "dev", what: "a backend on a host path", policy: "privilege-host-paths-allowlisted", message: /^release loki: .*mounts host path \/var\/lib\/loki; only the node agents \(observability-agents\/otel-agent; policy config agents\) may mount host paths/,
                edit: rs => { release(rs, "loki").values.singleBinary.extraVolumes = [{ name: "data", hostPath: { path: "/var/lib/loki" } }]; } },
            { stack: "dev", what: "the gateway on the host network", policy: "privilege-host-access-agents-only", message: /^release otel-gateway: hostNetwork: true; only the node agents/,
                edit: rs => { release(rs, "otel-gateway").values.hostNetwork = true; } },
            { stack: "prod", what: "Grafana with an added capability", policy: "privilege-host-access-agents-only", message: /^release grafana: containerSecurityContext\.capabilities\.add \[NET_ADMIN\]/,
                edit: rs => { release(rs, "grafana").values.containerSecurityContext = { capabilities: { add: ["NET_ADMIN"], drop: ["ALL"] } }; } },
            { stack: "dev", what: "the agent back on nodes/proxy", policy: "privilege-rbac-rules-bounded", message: /^release otel-agent: clusterRole\.rules\[\d+\] resources nodes\/proxy opens the kubelet API/,
                edit: rs => { release(rs, "otel-agent").values.clusterRole.rules.push({ apiGroups: [""], resources: ["nodes/stats", "nodes/proxy"], verbs: ["get"] }); } },
            { stack: "prod", what: "a wildcard verb in the agent's ClusterRole", policy: "privilege-rbac-rules-bounded", message: /^release otel-agent: clusterRole\.rules\[0\] verbs "\*" is a wildcard/,
                edit: rs => { release(rs, "otel-agent").values.clusterRole.rules[0].verbs = ["*"]; } },
            { stack: "dev", what: "Loki's pods mounting a token again", policy: "privilege-service-account-token-needs-rbac", message: /^release loki: mounts a service-account token \(defaults\.automountServiceAccountToken unset\) and grants ServiceAccount observability\/loki no RBAC/,
                edit: rs => { delete release(rs, "loki").values.defaults.automountServiceAccountToken; } },
            { stack: "prod", what: "Grafana's pod setting left at the chart's true", policy: "privilege-service-account-token-needs-rbac", message: /^release grafana: mounts a service-account token \(automountServiceAccountToken true\)/,
                edit: rs => { release(rs, "grafana").values.automountServiceAccountToken = true; } },
            { stack: "prod", what: "Mimir's own ServiceAccount mounting its token", policy: "privilege-service-account-token-needs-rbac", message: /^release mimir: extraObjects ServiceAccount observability\/mimir mounts its token/,
                edit: rs => { release(rs, "mimir").values.extraObjects.find((o: Props) => o.kind === "ServiceAccount").automountServiceAccountToken = true; } },
            { stack: "dev", what: "a namespace without its default-deny", policy: "privilege-namespace-default-deny", message: /^namespace observability: no default-deny NetworkPolicy/,
                edit: rs => { for (const p of rs.filter(r => r.type === NETWORK_POLICY && (r.props as Props).metadata.namespace === "observability")) (p.props as Props).spec.ingress = [{}]; } },
            { stack: "prod", what: "the backends' namespace at baseline", policy: "privilege-namespace-pod-security", message: /^namespace observability: enforces baseline; set pod-security\.kubernetes\.io\/enforce to restricted/,
                edit: rs => { namespace(rs, "observability").metadata.labels["pod-security.kubernetes.io/enforce"] = "baseline"; } },
            { stack: "dev", what: "the agents' exception without audit", policy: "privilege-namespace-pod-security", message: /^namespace observability-agents: enforces privileged \(an exception\) without pod-security\.kubernetes\.io\/audit: restricted/,
                edit: rs => { delete namespace(rs, "observability-agents").metadata.labels["pod-security.kubernetes.io/audit"]; } },
            { stack: "dev", what: "a role policy allowing a whole service", policy: "privilege-iam-no-wildcard-actions", message: /: policy Statement\[0\].* allows ssm:\*; list the actions it needs/,
                edit: rs => { const p = first(rs, "aws:iam/rolePolicy:RolePolicy"); const d = policyDoc(p); d.Statement[0].Action = "ssm:*"; p.policy = JSON.stringify(d); } },
            { stack: "dev", what: "AdministratorAccess on the host role", policy: "privilege-iam-no-wildcard-actions", message: /: attaches AdministratorAccess, which allows whole services/,
                edit: rs => { first(rs, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").policyArn = "arn:aws:iam::aws:policy/AdministratorAccess"; } },
            { stack: "prod", what: "an IRSA policy on every bucket", policy: "privilege-iam-resource-wildcard-required", message: /^obs-prod-loki-irsa: policy Statement\[1\] \(ReadWriteTelemetryObjects\) allows s3:GetObject, .* on \*; these actions take resource ARNs/,
                edit: rs => { const p = rs.find(r => r.type === "aws:iam/rolePolicy:RolePolicy" && r.name === "obs-prod-loki-irsa")!.props; const d = policyDoc(p); d.Statement[1].Resource = "*"; p.policy = JSON.stringify(d); } },
            { stack: "dev", what: "a Secret with a literal value", policy: "hygiene-secret-values-are-secret-outputs", message: /^Secret observability\/grafana-admin: stringData\.admin-password is a literal, not a secret Output/,
                edit: rs => { byName(rs, "kubernetes:core/v1:Secret", "grafana-admin").stringData = { "admin-user": "[secret]", "admin-password": "hunter2hunter2" }; } },
            { stack: "prod", what: "a credential in a ConfigMap's config file", policy: "hygiene-kubernetes-config-no-credential", message: /^ConfigMap observability\/mimir-rules: data\.smtp\.yaml \(file\) smtp\.auth_password holds a credential/,
                edit: rs => { byName(rs, "kubernetes:core/v1:ConfigMap", "mimir-rules").data["smtp.yaml"] = "smtp:\n  host: mail\n  auth_password: hunter2\n"; } },
            { stack: "dev", what: "a secret Output in a ConfigMap", policy: "hygiene-kubernetes-config-no-credential", message: /^ConfigMap observability\/mimir-rules: data\.api_token holds a credential; ConfigMaps are stored and shown in plain text/,
                edit: rs => { byName(rs, "kubernetes:core/v1:ConfigMap", "mimir-rules").data.api_token = "[secret]"; } },
            { stack: "dev", what: "a password in a chart's config file", policy: "hygiene-helm-no-plaintext-secret", message: /^release tempo: config \(file\) .*basic_auth\.password holds a credential in plain text/,
                edit: rs => { release(rs, "tempo").values.config += "\nbasic_auth:\n  password: hunter2\n"; } },
        ];
        for (const c of cases) {
            const rs = structuredClone(stacks[c.stack]);
            c.edit(rs);
            const violations = added(await runPolicies(policies, rs), baseline[c.stack]);
            assert.deepEqual([...new Set(violations.map(v => v.policy))], [c.policy], `${c.what}: ${JSON.stringify(violations)}`);
            assert.ok(violations.every(v => v.enforcementLevel === "mandatory"), c.what);
            assert.ok(violations.some(v => c.message.test(v.message)), `${c.what}: ${JSON.stringify(violations.map(v => v.message))}`);
        }
    });

    it("objects the program may create directly: workloads, RBAC, ServiceAccounts, namespaces, launch templates, IAM", async () => {
        const image = `busybox:1.37@sha256:${"ab".repeat(32)}`;
        const res = { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "50m", memory: "32Mi" } };
        const pod = (spec: Props) => ({ template: { spec: { automountServiceAccountToken: false, ...spec } } });
        const k = (type: string, name: string, props: Props): AnalyzedResource => ({ type: `kubernetes:${type}`, name, props });
        const iam = (type: string, name: string, props: Props): AnalyzedResource => ({ type: `aws:iam/${type}`, name, props });
        const allow = (Action: unknown, Resource: unknown) => JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action, Resource }] });
        const objects: AnalyzedResource[] = [
            k("apps/v1:DaemonSet", "node-exporter", { metadata: { name: "node-exporter", namespace: "monitoring" }, spec: pod({
                hostNetwork: true, volumes: [{ name: "sys", hostPath: { path: "/sys" } }],
                containers: [{ name: "exporter", image, resources: res, volumeMounts: [{ name: "sys", mountPath: "/host/sys", readOnly: true }] }] }) }),
            k("core/v1:Pod", "debug", { metadata: { name: "debug", namespace: "observability" }, spec: {
                containers: [{ name: "shell", image, resources: res, securityContext: { privileged: true } }] } }),
            k("core/v1:ServiceAccount", "reader", { metadata: { name: "reader", namespace: "observability" } }),
            k("core/v1:ServiceAccount", "quiet", { metadata: { name: "quiet", namespace: "observability" }, automountServiceAccountToken: false }),
            k("rbac.authorization.k8s.io/v1:ClusterRole", "everything", { metadata: { name: "everything" }, rules: [{ apiGroups: ["*"], resources: ["pods"], verbs: ["get"] }] }),
            k("rbac.authorization.k8s.io/v1:ClusterRoleBinding", "root", { metadata: { name: "root" }, roleRef: { kind: "ClusterRole", name: "cluster-admin" },
                subjects: [{ kind: "ServiceAccount", name: "admin", namespace: "observability" }] }),
            k("core/v1:Namespace", "apps", { metadata: { name: "apps" } }),
            k("networking.k8s.io/v1:NetworkPolicy", "apps-select-some", { metadata: { name: "deny", namespace: "apps" }, spec: { podSelector: { matchLabels: { app: "x" } }, policyTypes: ["Ingress", "Egress"] } }),
            { type: "aws:ec2/launchTemplate:LaunchTemplate", name: "nodes", props: { instanceType: "t4g.large" } },
            iam("role:Role", "app", { assumeRolePolicy: allow("sts:*", undefined), managedPolicyArns: ["arn:aws:iam::aws:policy/PowerUserAccess"],
                inlinePolicies: [{ name: "read", policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", NotAction: "iam:*", Resource: "arn:aws:s3:::b" }] }) }] }),
            iam("policy:Policy", "describe", { policy: allow(["ec2:DescribeInstances", "s3:GetObject"], "*") }),
        ];
        const found = (await runPolicies(policies, objects)).map(v => `${v.policy}: ${v.message.split(";")[0]}`);
        assert.deepEqual(found, [
            "tls-ec2-imdsv2-required: launch template nodes: set metadataOptions.httpTokens: required (IMDSv2 only).",
            "privilege-ec2-imds-hop-limit: launch template nodes: metadataOptions.httpPutResponseHopLimit is unset (the AMI decides",
            "privilege-host-paths-allowlisted: DaemonSet monitoring/node-exporter: spec.template.spec.volumes[0] mounts host path /sys",
            "privilege-host-access-agents-only: DaemonSet monitoring/node-exporter: spec.template.spec.hostNetwork: true",
            "privilege-host-access-agents-only: Pod observability/debug: spec.containers[0].securityContext.privileged: true",
            "privilege-rbac-rules-bounded: ClusterRole everything: rules[0] apiGroups \"*\" is a wildcard",
            "privilege-rbac-rules-bounded: ClusterRoleBinding root: binds ClusterRole cluster-admin, which grants wildcards",
            "privilege-service-account-token-needs-rbac: ServiceAccount observability/reader mounts its token into every pod by default and no binding grants it RBAC",
            "privilege-service-account-token-needs-rbac: Pod observability/debug: its pods mount the token of ServiceAccount default, which no binding grants RBAC",
            "privilege-namespace-default-deny: namespace apps: no default-deny NetworkPolicy",
            "privilege-namespace-pod-security: namespace apps: no pod-security.kubernetes.io/enforce label",
            "privilege-iam-no-wildcard-actions: app: assumeRolePolicy Statement[0] allows sts:*",
            "privilege-iam-no-wildcard-actions: app: inlinePolicies[0] read Statement[0] allows everything but iam:* (NotAction)",
            "privilege-iam-no-wildcard-actions: app: attaches PowerUserAccess, which allows whole services",
            "privilege-iam-resource-wildcard-required: describe: policy Statement[0] allows s3:GetObject on *",
        ]);
        // As a configured agent, the host network is its to use; /sys is not among the default host paths (our agent
        // reads no /sys) until the allowlist names it.
        const agentOnly = { "privilege-host-access-agents-only": { agents: ["monitoring/node-exporter"] } };
        const asAgent = await runPolicies(policies, objects.slice(0, 1), { ...agentOnly, "privilege-host-paths-allowlisted": { agents: ["monitoring/node-exporter"] } });
        assert.deepEqual(asAgent.map(v => v.message.split(",")[0]), ["DaemonSet monitoring/node-exporter: spec.template.spec.volumes[0] mounts host path /sys"]);
        const allowed = await runPolicies(policies, objects.slice(0, 1), { ...agentOnly, "privilege-host-paths-allowlisted": { agents: ["monitoring/node-exporter"], allowedHostPaths: ["/sys"] } });
        assert.deepEqual(allowed, []);
    });

    it("settings move the verdicts: allowlisted and writable host paths, agents, Pod Security exceptions, wildcard-only actions", async () => {
        const run = async (rs: Rs, config: PackConfig, policy: string) => (await runPolicies(policies, rs, config)).filter(v => v.policy === policy).map(v => v.message.split(";")[0]);
        const hostPaths = "privilege-host-paths-allowlisted";
        const narrow = await run(stacks.dev, { [hostPaths]: { allowedHostPaths: ["/var/log/pods", "/var/lib/otelcol/agent"], writableHostPaths: [] } }, hostPaths);
        assert.equal(narrow.length, 2, narrow.join("\n"));
        assert.match(narrow[0], /^release otel-agent: extraVolumes\[\d+\] mounts host path \/proc, which is not allowlisted$/);
        assert.match(narrow[1], /^release otel-agent: extraVolumes\[\d+\] mounts host path \/var\/lib\/otelcol\/agent read-write$/);
        const agents = await run(stacks.prod, { [hostPaths]: { agents: [] } }, hostPaths);
        assert.ok(agents.length >= 3 && agents.every(m => /^release otel-agent: .* mounts host path \S+$/.test(m)), agents.join("\n"));
        const psa = "privilege-namespace-pod-security";
        assert.deepEqual(await run(stacks.prod, { [psa]: { exceptions: {} } }, psa), ["namespace observability-agents: enforces privileged"]);
        const relaxed = structuredClone(stacks.dev);
        const labels = namespace(relaxed, "observability").metadata.labels;
        labels["pod-security.kubernetes.io/enforce"] = "baseline";
        labels["pod-security.kubernetes.io/warn"] = "restricted";
        delete labels["pod-security.kubernetes.io/audit"];
        assert.deepEqual(await run(relaxed, { [psa]: { exceptions: { observability: "baseline", "observability-agents": "privileged" } } }, psa),
            ["namespace observability: enforces baseline (an exception) without pod-security.kubernetes.io/audit: restricted"]);
        const iam = "privilege-iam-resource-wildcard-required";
        const doc = [{ type: "aws:iam/policy:Policy", name: "p", props: { policy: JSON.stringify({ Statement: [{ Effect: "Allow", Action: "kafka:DescribeClusterV2", Resource: "*" }] }) } }];
        assert.equal((await run(doc, {}, iam)).length, 1);
        assert.deepEqual(await run(doc, { [iam]: { wildcardResourceActions: ["kafka:Describe*"] } }, iam), []);
    });

    it("images: a tag without a digest is an advisory, a digest clears it", async () => {
        const rs = structuredClone(stacks.dev);
        release(rs, "loki").values.loki.image = { registry: "docker.io", repository: "grafana/loki", tag: "3.5.0" };
        const digest = `sha256:${"0f".repeat(32)}`;
        for (const name of ["otel-agent", "otel-gateway"]) release(rs, name).values.image.digest = digest;
        const forwarder = release(rs, "alertmanager").values.extraContainers[0];
        forwarder.image = `${String(forwarder.image).split(":")[0]}@${digest}`;
        const found = (await runPolicies(policies, rs)).filter(v => v.policy === "hygiene-image-pinned-by-digest");
        assert.deepEqual(found.map(v => [v.enforcementLevel, v.message.split(";")[0]]), [
            ["advisory", "release loki: loki.image.repository docker.io/grafana/loki:3.5.0 is pinned by tag, not digest"],
        ]);
    });

    it("the Secret rule says nothing where secrets arrive unwrapped (under pulumi preview), as it cannot tell", async () => {
        const rs = structuredClone(stacks.prod).map(r => ({ ...r, props: JSON.parse(JSON.stringify(r.props).replaceAll('"[secret]"', '"plain"')) }));
        byName(rs, "kubernetes:core/v1:Secret", "grafana-admin").stringData = { "admin-password": "hunter2hunter2" };
        assert.deepEqual((await runPolicies(policies, rs)).filter(v => v.policy === "hygiene-secret-values-are-secret-outputs"), []);
    });
});
