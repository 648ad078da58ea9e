// The CrossGuard pack over both rendered stacks (no mandatory violation; advisories only for images pinned by tag),
// and one mutation per rule that must fail that policy with its message; the pack's least-privilege rules are tested
// in policy-privilege.spec.ts.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { policies } from "../policy/policies";
import { AnalyzedResource, renderedResources, runPolicies, Violation } from "../policy/harness";
import { stackResources } from "./helpers/least-privilege";
import { renderedStack } from "./helpers/rendered";
import { tempFile } from "./helpers/tools";
import { main as policyCli } from "../scripts/policy";

type Props = Record<string, any>;
const clone = <T>(v: T): T => structuredClone(v);
/** The one advisory both renders carry: the collector image is pinned by tag (the other charts' images are their defaults). */
const DIGEST = "hygiene-image-pinned-by-digest";
const withoutDigest = (vs: Violation[]) => vs.filter(v => v.policy !== DIGEST);
/** The violations of `rs` that `base` does not have: what a mutation adds. */
const added = (vs: Violation[], base: Violation[]) => vs.filter(v => !base.some(b => b.policy === v.policy && b.message === v.message && b.urn === v.urn));

describe("CrossGuard policy pack", () => {
    const stacks: Record<string, AnalyzedResource[]> = {};
    const baseline: Record<string, Violation[]> = {};
    before(async () => {
        for (const stack of ["dev", "prod"]) {
            stacks[stack] = await stackResources(stack);
            baseline[stack] = await runPolicies(policies, stacks[stack]);
        }
    });

    const release = (rs: AnalyzedResource[], name: string) => rs.find(r => r.type === "kubernetes:helm.sh/v3:Release" && r.props.name === name)!.props as Props;
    const lifecycle = (rs: AnalyzedResource[], bucket: string) => rs.find(r => r.type === "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration" && r.name === bucket)!.props as Props;
    const first = (rs: AnalyzedResource[], type: string) => rs.find(r => r.type === type)!.props as Props;

    it("both stacks pass every mandatory policy; the only advisories are images pinned by tag", async () => {
        assert.ok(policies.length >= 31);
        for (const stack of ["dev", "prod"]) {
            assert.ok(stacks[stack].length > 100, `${stack}: the render's resources`);
            assert.deepEqual(withoutDigest(baseline[stack]), [], stack);
            // The contrib image of the collectors and of Alertmanager's metrics forwarder.
            assert.deepEqual(baseline[stack].map(v => `${v.enforcementLevel} ${v.message.split(" ").slice(0, 3).join(" ")}`).sort(), [
                "advisory release alertmanager: extraContainers[0].image", "advisory release otel-agent: image.repository", "advisory release otel-gateway: image.repository",
            ], stack);
        }
    });

    it("each mutation fails exactly the policy it breaks, with a message that says what to change", async () => {
        const cases: Array<{ stack: string; what: string; edit: (rs: AnalyzedResource[]) => void; policy: string; message: RegExp }> = [
            { stack: "dev", what: "bucket without SSE", policy: "tls-s3-bucket-hardened", message: /add a BucketServerSideEncryptionConfiguration/,
                edit: rs => { rs.splice(rs.findIndex(r => r.type.endsWith(":BucketServerSideEncryptionConfiguration")), 1); } },
            { stack: "dev", what: "public access block half off", policy: "tls-s3-bucket-hardened", message: /BucketPublicAccessBlock with all four settings true/,
                edit: rs => { first(rs, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").restrictPublicBuckets = false; } },
            { stack: "prod", what: "bucket policy without the TLS deny", policy: "tls-s3-bucket-hardened", message: /BucketPolicy denying aws:SecureTransport false/,
                edit: rs => { const p = first(rs, "aws:s3/bucketPolicy:BucketPolicy"); p.policy = JSON.stringify({ Version: "2012-10-17", Statement: [] }); } },
            { stack: "dev", what: "unencrypted data volume", policy: "tls-ebs-encrypted", message: /set encrypted: true/,
                edit: rs => { first(rs, "aws:ebs/volume:Volume").encrypted = false; } },
            { stack: "dev", what: "unencrypted root volume", policy: "tls-ebs-encrypted", message: /instance obs-dev-host-instance: set rootBlockDevice\.encrypted: true/,
                edit: rs => { first(rs, "aws:ec2/instance:Instance").rootBlockDevice.encrypted = false; } },
            { stack: "dev", what: "IMDSv1 allowed", policy: "tls-ec2-imdsv2-required", message: /httpTokens: required/,
                edit: rs => { first(rs, "aws:ec2/instance:Instance").metadataOptions.httpTokens = "optional"; } },
            { stack: "dev", what: "Kubernetes API open to the internet", policy: "tls-security-group-admin-ports-closed", message: /opens port 6443 to 0\.0\.0\.0\/0; restrict it/,
                edit: rs => { rs.find(r => r.type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule" && r.props.fromPort === 6443)!.props.cidrIpv4 = "0.0.0.0/0"; } },
            { stack: "dev", what: "SSH open to all of IPv6", policy: "tls-security-group-admin-ports-closed", message: /opens port 22 to ::\/0/,
                edit: rs => { const r = rs.find(x => x.type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule" && x.props.fromPort === 443)!.props; Object.assign(r, { fromPort: 0, toPort: 1024, cidrIpv6: "::/0" }); delete r.cidrIpv4; } },
            { stack: "dev", what: "dashboards over plain HTTP", policy: "tls-grafana-api-verified", message: /obs-dev-dashboards-obs-overview: the Grafana provider's url "http:\/\/grafana\.observability\.svc" is not https/,
                edit: rs => { rs.find(r => r.type === "grafana:oss/dashboard:Dashboard")!.provider!.props.url = "http://grafana.observability.svc"; } },
            { stack: "prod", what: "dashboards skipping verification", policy: "tls-grafana-api-verified", message: /sets insecureSkipVerify; remove it/,
                edit: rs => { rs.find(r => r.type === "grafana:oss/folder:Folder")!.provider!.props.insecureSkipVerify = "true"; } },
            { stack: "prod", what: "dashboards trusting no CA", policy: "tls-grafana-api-verified", message: /has no caCert; set it to the CA that issued Grafana's certificate/,
                edit: rs => { delete rs.find(r => r.type === "grafana:oss/folder:Folder")!.provider!.props.caCert; } },
            { stack: "dev", what: "a dashboard on the default provider", policy: "tls-grafana-api-verified", message: /uses the default Grafana provider/,
                edit: rs => { const d = rs.find(r => r.type === "grafana:oss/dashboard:Dashboard")!; rs[rs.indexOf(d)] = { ...d, provider: undefined }; } },
            { stack: "dev", what: "collector exporting in plain HTTP", policy: "tls-collector-configs-verified", message: /exporters\.otlp_http\/loki\.endpoint is plaintext \(http:\/\/loki\.observability\.svc:3100\/otlp\); use https/,
                edit: rs => { release(rs, "otel-gateway").values.alternateConfig.exporters["otlp_http/loki"].endpoint = "http://loki.observability.svc:3100/otlp"; } },
            { stack: "dev", what: "collector skipping verification", policy: "tls-collector-configs-verified", message: /tls\.insecure_skip_verify is true; remove it/,
                edit: rs => { release(rs, "otel-gateway").values.alternateConfig.exporters["otlp_grpc/tempo"].tls.insecure_skip_verify = true; } },
            { stack: "dev", what: "gateway receiver without client CA", policy: "tls-collector-configs-verified", message: /receiver otlp grpc must serve TLS and require client certificates/,
                edit: rs => { delete release(rs, "otel-gateway").values.alternateConfig.receivers.otlp.protocols.grpc.tls.client_ca_file; } },
            { stack: "prod", what: "Kafka without TLS", policy: "tls-collector-configs-verified", message: /exporter kafka reaches Kafka without TLS/,
                edit: rs => { delete release(rs, "otel-agent").values.alternateConfig.exporters.kafka.tls; } },
            { stack: "dev", what: "Loki HTTP without TLS", policy: "tls-backend-served-over-tls", message: /release loki: its http server is plaintext; set loki\.server\.http_tls_config/,
                edit: rs => { delete release(rs, "loki").values.loki.server.http_tls_config; } },
            { stack: "prod", what: "Tempo gRPC without a key", policy: "tls-backend-served-over-tls", message: /release tempo: its grpc server is plaintext/,
                edit: rs => { delete release(rs, "tempo").values.tempo.structuredConfig.server.grpc_tls_config.key_file; } },
            { stack: "prod", what: "Mimir gossip in plain text", policy: "tls-backend-served-over-tls", message: /release mimir: its gossip server is plaintext; set mimir\.structuredConfig\.memberlist\.tls_enabled/,
                edit: rs => { release(rs, "mimir").values.mimir.structuredConfig.memberlist.tls_enabled = false; } },
            { stack: "dev", what: "Alertmanager cluster without TLS", policy: "tls-backend-served-over-tls", message: /release alertmanager: its gossip server is plaintext/,
                edit: rs => { delete release(rs, "alertmanager").values.extraArgs["cluster.tls-config"]; } },
            { stack: "dev", what: "Loki without retention", policy: "retention-backend-retention-bounded", message: /release loki: no retention set for logs; set loki\.limits_config\.retention_period/,
                edit: rs => { delete release(rs, "loki").values.loki.limits_config.retention_period; } },
            { stack: "prod", what: "Mimir keeping blocks forever", policy: "retention-backend-retention-bounded", message: /compactor_blocks_retention_period is "0s", which keeps metrics forever/,
                edit: rs => { release(rs, "mimir").values.mimir.structuredConfig.limits.compactor_blocks_retention_period = "0s"; } },
            { stack: "prod", what: "Tempo beyond the traces bound", policy: "retention-backend-retention-bounded", message: /block_retention is 4800h \(200 days\), outside the traces bounds of 1–180 days/,
                edit: rs => {
                    release(rs, "tempo").values.compactor.config.compaction.block_retention = "4800h";
                    for (const b of ["obs-prod-s3-tempo-traces", "obs-prod-s3-tempo-traces-replica"]) lifecycle(rs, b).rules[0].expiration.days = 207; // the program's expiry follows
                } },
            { stack: "dev", what: "Loki compactor retention off", policy: "retention-loki-compactor-enabled", message: /retention_enabled is not true/,
                edit: rs => { release(rs, "loki").values.loki.compactor.retention_enabled = false; } },
            { stack: "dev", what: "Loki retention without a delete-request store", policy: "retention-loki-compactor-enabled", message: /delete_request_store is unset/,
                edit: rs => { delete release(rs, "loki").values.loki.compactor.delete_request_store; } },
            { stack: "prod", what: "distributed Loki without a compactor", policy: "retention-loki-compactor-enabled", message: /distributed Loki runs no compactor; set compactor\.replicas: 1/,
                edit: rs => { release(rs, "loki").values.compactor.replicas = 0; } },
            { stack: "dev", what: "chunks expiring before Loki's retention", policy: "retention-s3-expiry-matches-retention", message: /bucket obs-dev-s3-loki-chunks .*expires objects after 3 days, before the backend's retention of 7 days/,
                edit: rs => { lifecycle(rs, "obs-dev-s3-loki-chunks").rules[0].expiration.days = 3; } },
            { stack: "dev", what: "Tempo's retention (in its config string) outgrowing the bucket", policy: "retention-s3-expiry-matches-retention", message: /bucket obs-dev-s3-tempo-traces \(config: storage\.trace\.s3\.bucket of release tempo\) expires objects after 10 days, before the backend's retention of 20 days/,
                edit: rs => { const v = release(rs, "tempo").values; v.config = v.config.replace("block_retention: 72h", "block_retention: 480h"); } },
            { stack: "prod", what: "a replica keeping traces far past retention", policy: "retention-s3-expiry-matches-retention", message: /bucket obs-prod-s3-tempo-traces-replica .*after 60 days, more than retention \(14 days\) plus the 14-day margin; set expiration to at most 28 days/,
                edit: rs => { lifecycle(rs, "obs-prod-s3-tempo-traces-replica").rules[0].expiration.days = 60; } },
            { stack: "prod", what: "Mimir blocks that never expire", policy: "retention-s3-expiry-matches-retention", message: /bucket obs-prod-s3-mimir-blocks .*never expires metrics; add a lifecycle expiration of 90–104 days/,
                edit: rs => { const l = lifecycle(rs, "obs-prod-s3-mimir-blocks"); l.rules = l.rules.filter((r: Props) => r.id !== "expire-after-retention"); } },
            { stack: "dev", what: "ruler rules expiring", policy: "retention-s3-expiry-matches-retention", message: /bucket obs-dev-s3-loki-ruler \(loki\.storage\.bucketNames\.ruler of release loki\) holds state, yet expires objects after 30 days/,
                edit: rs => { lifecycle(rs, "obs-dev-s3-loki-ruler").rules.push({ id: "x", status: "Enabled", filter: {}, expiration: { days: 30 } }); } },
            { stack: "dev", what: "Grafana on an ephemeral volume", policy: "retention-state-persistent", message: /release grafana: state is lost on every restart; set persistence\.enabled: true/,
                edit: rs => { release(rs, "grafana").values.persistence.enabled = false; } },
            { stack: "prod", what: "Alertmanager silences on an ephemeral volume", policy: "retention-state-persistent", message: /release alertmanager: state is lost/,
                edit: rs => { release(rs, "alertmanager").values.persistence.enabled = false; } },
            { stack: "prod", what: "container without a memory limit", policy: "resources-helm-release-limits", message: /release loki: .*resources lacks limits\.memory/,
                edit: rs => { const v = release(rs, "loki").values; delete v.ingester.resources.limits.memory; } },
            { stack: "dev", what: "memory_limiter above the container limit", policy: "resources-collector-memory-limiter", message: /limit_mib 4096 is not below the container's memory limit \(512 MiB\)/,
                edit: rs => { release(rs, "otel-agent").values.alternateConfig.processors.memory_limiter.limit_mib = 4096; } },
            { stack: "prod", what: "gateway without a memory_limiter", policy: "resources-collector-memory-limiter", message: /release otel-gateway: no memory_limiter processor/,
                edit: rs => { delete release(rs, "otel-gateway").values.alternateConfig.processors.memory_limiter; } },
            { stack: "prod", what: "unbounded gateway HPA", policy: "resources-autoscaling-bounded", message: /autoscaling\.maxReplicas is 500; set it to at most 50/,
                edit: rs => { release(rs, "otel-gateway").values.autoscaling.maxReplicas = 500; } },
            { stack: "dev", what: "a GPU host", policy: "hygiene-aws-instance-type-allowed", message: /obs-dev-host-instance: instanceType p4d\.24xlarge is not allowed; use one of t4g\.\*/,
                edit: rs => { first(rs, "aws:ec2/instance:Instance").instanceType = "p4d.24xlarge"; } },
            { stack: "prod", what: "oversized Kafka brokers", policy: "hygiene-aws-instance-type-allowed", message: /brokerNodeGroupInfo\.instanceType kafka\.m7i\.48xlarge is not allowed/,
                edit: rs => { first(rs, "aws:msk/cluster:Cluster").brokerNodeGroupInfo.instanceType = "kafka.m7i.48xlarge"; } },
            { stack: "prod", what: "the aws provider without a team tag", policy: "hygiene-aws-required-tags", message: /obs-prod-s3-loki-chunks: lacks tag team; set it in the aws provider's defaultTags/,
                edit: rs => {
                    const provider = rs.find(r => r.provider?.type === "pulumi:providers:aws")!.provider!.props;
                    const dt = JSON.parse(provider.defaultTags as string);
                    delete dt.tags.team;
                    provider.defaultTags = JSON.stringify(dt);
                } },
            { stack: "dev", what: "floating chart version", policy: "hygiene-helm-chart-pinned", message: /version "\^18\.0\.0" is not exact/,
                edit: rs => { release(rs, "loki").version = "^18.0.0"; } },
            { stack: "prod", what: "chart from a plain-HTTP repository", policy: "hygiene-helm-chart-pinned", message: /release otel-agent: no https chart repository/,
                edit: rs => { release(rs, "otel-agent").repositoryOpts.repo = "http://open-telemetry.github.io/opentelemetry-helm-charts"; } },
            { stack: "dev", what: "a deprecated chart", policy: "hygiene-helm-no-deprecated", message: /release loki: chart loki-distributed is deprecated; use the loki chart/,
                edit: rs => { release(rs, "loki").chart = "loki-distributed"; } },
            { stack: "dev", what: "Promtail enabled inside a chart", policy: "hygiene-helm-no-deprecated", message: /promtail enables promtail, which is deprecated/,
                edit: rs => { release(rs, "loki").values.promtail = { enabled: true }; } },
            { stack: "prod", what: "Grafana admin password inline", policy: "hygiene-helm-no-plaintext-secret", message: /release grafana: adminPassword holds a credential in plain text/,
                edit: rs => { release(rs, "grafana").values.adminPassword = "hunter2hunter2"; } },
        ];
        for (const c of cases) {
            const rs = clone(stacks[c.stack]);
            c.edit(rs);
            const violations: Violation[] = added(await runPolicies(policies, rs), baseline[c.stack]);
            assert.deepEqual([...new Set(violations.map(v => v.policy))], [c.policy], `${c.what}: ${JSON.stringify(violations)}`);
            assert.ok(violations.some(v => c.message.test(v.message)), `${c.what}: ${JSON.stringify(violations)}`);
        }
    });

    it("Kubernetes workloads and autoscalers the program may create directly are bounded too", async () => {
        const image = `busybox:1.37@sha256:${"ab".repeat(32)}`;
        const container = (name: string, resources?: Props) => ({ name, image, ...(resources ? { resources } : {}) });
        const full = { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "100m", memory: "64Mi" } };
        const workloads: AnalyzedResource[] = [
            { type: "kubernetes:apps/v1:Deployment", name: "ok", props: { spec: { template: { spec: { automountServiceAccountToken: false, containers: [container("app", full)] } } } } },
            { type: "kubernetes:batch/v1:CronJob", name: "cleanup", props: { spec: { jobTemplate: { spec: { template: { spec: { automountServiceAccountToken: false,
                initContainers: [container("wait", { requests: full.requests })], containers: [container("run", full)] } } } } } } },
            { type: "kubernetes:core/v1:Pod", name: "debug", props: { spec: { automountServiceAccountToken: false, containers: [container("shell")] } } },
            { type: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler", name: "fine", props: { spec: { maxReplicas: 10 } } },
            { type: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler", name: "runaway", props: { spec: { maxReplicas: 1000 } } },
        ];
        const found = (await runPolicies(policies, workloads)).map(v => `${v.policy}: ${v.message}`);
        assert.deepEqual(found, [
            "resources-kubernetes-workload-limits: CronJob cleanup: initContainers wait lacks limits.cpu, limits.memory; set spec.jobTemplate.spec.template.spec.initContainers[].resources requests and limits for CPU and memory.",
            "resources-kubernetes-workload-limits: Pod debug: containers shell lacks requests.cpu, requests.memory, limits.cpu, limits.memory; set spec.containers[].resources requests and limits for CPU and memory.",
            "resources-autoscaling-bounded: HorizontalPodAutoscaler runaway: spec.maxReplicas is 1000; set it to at most 50 (policy config maxReplicas).",
        ]);
    });

    it("pack configuration sets levels and settings the way the analyzer reads them", async () => {
        // A 3-day margin flags every data bucket of dev (the program adds 7); the levels follow the configuration.
        const tight = withoutDigest(await runPolicies(policies, stacks.dev, { "retention-s3-expiry-matches-retention": { marginDays: 3 } }));
        assert.deepEqual(tight.map(v => v.message.split(" (")[0]), ["bucket obs-dev-s3-loki-chunks", "bucket obs-dev-s3-tempo-traces", "bucket obs-dev-s3-mimir-blocks"]);
        assert.ok(tight.every(v => v.enforcementLevel === "mandatory" && /plus the 3-day margin/.test(v.message)));
        const advisory = withoutDigest(await runPolicies(policies, stacks.dev, { "retention-s3-expiry-matches-retention": { enforcementLevel: "advisory", marginDays: 3 } }));
        assert.deepEqual(advisory.map(v => v.enforcementLevel), ["advisory", "advisory", "advisory"]);
        assert.deepEqual(withoutDigest(await runPolicies(policies, stacks.dev, { "retention-s3-expiry-matches-retention": { enforcementLevel: "disabled", marginDays: 3 } })), []);
        // No server and no endpoint may be plaintext by default: each one is a mandatory violation, and only an
        // allowance in the pack's configuration (visible in review) lets it through.
        const plain = clone(stacks.prod);
        release(plain, "mimir").values.mimir.structuredConfig.server.http_tls_config = {};
        release(plain, "otel-gateway").values.alternateConfig.exporters["otlp_http/mimir"].endpoint = "http://mimir-distributor.observability.svc:8080/otlp";
        const strict = withoutDigest(await runPolicies(policies, plain));
        assert.deepEqual(strict.map(v => [v.enforcementLevel, v.message.split(";")[0]]).sort(), [
            ["mandatory", "release mimir: its http server is plaintext"],
            ["mandatory", "release otel-gateway: exporters.otlp_http/mimir.endpoint is plaintext (http://mimir-distributor.observability.svc:8080/otlp)"],
        ]);
        assert.deepEqual(withoutDigest(await runPolicies(policies, plain, {
            "tls-backend-served-over-tls": { plaintextServers: ["mimir-distributed:http"] },
            "tls-collector-configs-verified": { plaintextAllowed: ["http://mimir-distributor.observability.svc:8080/otlp"] },
        })), []);
    });

    it("policy config tunes the rules: a tighter HPA bound flags prod's gateway", async () => {
        const violations = withoutDigest(await runPolicies(policies, stacks.prod, { "resources-autoscaling-bounded": { maxReplicas: 5 } }));
        assert.deepEqual(violations.map(v => v.message), ["release otel-gateway: autoscaling.maxReplicas is 10; set it to at most 5 (policy config maxReplicas)."]);
    });

    it("the render writes policy-report.json: every policy; mandatory violations only of program changes still landing", async () => {
        for (const stack of ["dev", "prod"]) {
            const { outDir } = await renderedStack(stack);
            const report = JSON.parse(fs.readFileSync(path.join(outDir, "policy-report.json"), "utf8"));
            const raw = renderedResources(JSON.parse(fs.readFileSync(path.join(outDir, "resources.json"), "utf8")), stack);
            assert.deepEqual(report.policies.map((p: { name: string }) => p.name), policies.map(p => p.name));
            assert.equal(report.resources, raw.length);
            assert.deepEqual(report.violations, await runPolicies(policies, raw), stack);
            const unexpected = (report.violations as Violation[]).filter(v => v.policy !== DIGEST);
            assert.deepEqual(unexpected, [], stack);
        }
    });
});

describe("npm run policy", () => {
    let resourcesFile: string;
    before(async () => {
        const { outDir } = await renderedStack("dev");
        const resources = JSON.parse(fs.readFileSync(path.join(outDir, "resources.json"), "utf8")) as Array<{ type: string; inputs: Props }>;
        const volume = resources.find(r => r.type === "aws:ebs/volume:Volume")!;
        volume.inputs.encrypted = false;
        resourcesFile = tempFile("resources.json", JSON.stringify(resources));
    });

    it("exits 1 on a mandatory violation of a mutated resources.json, naming the policy and what to change", () => {
        const r = spawnSync(process.execPath, ["--import", "tsx", path.join(__dirname, "..", "scripts", "policy.ts"), "--resources", resourcesFile], { encoding: "utf8" });
        assert.equal(r.status, 1, r.stderr);
        assert.match(r.stdout, /^MANDATORY tls-ebs-encrypted: volume obs-dev-host-data: set encrypted: true\./m);
        assert.match(r.stdout, /: \d+ policies over \d+ resources; 1 mandatory, \d+ advisory violations$/m);
    });

    it("takes a pack configuration file and refuses a bad one, naming the key and what is allowed", async () => {
        const log = console.log, error = console.error;
        const out: string[] = [];
        console.log = console.error = (m: string) => out.push(m);
        try {
            assert.equal(await policyCli(["--resources", resourcesFile, "--config", tempFile("c.json", '{"tls-ebs-encrypted": "advisory"}')]), 0);
            assert.match(out.join("\n"), /^ADVISORY tls-ebs-encrypted/m);
            const bad: Array<[string, RegExp]> = [
                ['{"tls-ebs-encrypt": "advisory"}', /no policy "tls-ebs-encrypt"; the pack has tls-s3-bucket-hardened, /],
                ['{"retention-s3-expiry-matches-retention": {"margin": 3}}', /retention-s3-expiry-matches-retention\.margin: unknown setting; allowed: marginDays/],
                ['{"all": "strict"}', /all: enforcement level "strict" is not one of advisory, mandatory, remediate, disabled/],
            ];
            for (const [config, message] of bad) {
                out.length = 0;
                assert.equal(await policyCli(["--resources", resourcesFile, "--config", tempFile("c.json", config)]), 2, config);
                assert.match(out.join("\n"), message);
            }
            out.length = 0;
            assert.equal(await policyCli(["--stack"]), 2);
            assert.match(out.join("\n"), /^bad argument --stack; usage: npm run policy/);
        } finally {
            console.log = log;
            console.error = error;
        }
    });
});
