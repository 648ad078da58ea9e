// The CrossGuard pack over both rendered stacks (0 violations), and one mutation per rule that must fail that
// policy with its message.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { policies } from "../policy/policies";
import { AnalyzedResource, renderedResources, runPolicies, Violation } from "./helpers/policy";
import { renderedStack } from "./helpers/rendered";

type Props = Record<string, any>;
const clone = <T>(v: T): T => structuredClone(v);

describe("CrossGuard policy pack", () => {
    const stacks: Record<string, AnalyzedResource[]> = {};
    before(async () => {
        for (const stack of ["dev", "prod"]) {
            const { outDir } = await renderedStack(stack);
            stacks[stack] = renderedResources(JSON.parse(fs.readFileSync(path.join(outDir, "resources.json"), "utf8")));
        }
    });

    const release = (rs: AnalyzedResource[], name: string) => rs.find(r => r.type === "kubernetes:helm.sh/v3:Release" && r.props.name === name)!.props as Props;
    const first = (rs: AnalyzedResource[], type: string) => rs.find(r => r.type === type)!.props as Props;

    it("both stacks pass every policy", async () => {
        assert.ok(policies.length >= 11);
        for (const stack of ["dev", "prod"]) {
            assert.ok(stacks[stack].length > 100, `${stack}: the render's resources`);
            assert.deepEqual(await runPolicies(policies, stacks[stack]), [], stack);
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
            { stack: "dev", what: "IMDSv1 allowed", policy: "tls-ec2-imdsv2-required", message: /httpTokens: required/,
                edit: rs => { first(rs, "aws:ec2/instance:Instance").metadataOptions.httpTokens = "optional"; } },
            { stack: "dev", what: "Kubernetes API open to the internet", policy: "tls-security-group-admin-ports-closed", message: /opens port 6443 to 0\.0\.0\.0\/0; restrict it/,
                edit: rs => { rs.find(r => r.type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule" && r.props.fromPort === 6443)!.props.cidrIpv4 = "0.0.0.0/0"; } },
            { stack: "dev", what: "collector skipping verification", policy: "tls-collector-configs-verified", message: /tls\.insecure_skip_verify is true; remove it/,
                edit: rs => { release(rs, "otel-gateway").values.alternateConfig.exporters["otlp/tempo"].tls.insecure_skip_verify = true; } },
            { stack: "dev", what: "gateway receiver without client CA", policy: "tls-collector-configs-verified", message: /receiver otlp grpc must serve TLS and require client certificates/,
                edit: rs => { delete release(rs, "otel-gateway").values.alternateConfig.receivers.otlp.protocols.grpc.tls.client_ca_file; } },
            { stack: "prod", what: "Kafka without TLS", policy: "tls-collector-configs-verified", message: /exporter kafka reaches Kafka without TLS/,
                edit: rs => { delete release(rs, "otel-agent").values.alternateConfig.exporters.kafka.tls; } },
            { stack: "prod", what: "container without a memory limit", policy: "resources-helm-release-limits", message: /release loki: .*resources lacks limits\.memory/,
                edit: rs => { const v = release(rs, "loki").values; delete v.ingester.resources.limits.memory; } },
            { stack: "dev", what: "memory_limiter above the container limit", policy: "resources-collector-memory-limiter", message: /limit_mib 4096 is not below the container's memory limit \(512 MiB\)/,
                edit: rs => { release(rs, "otel-agent").values.alternateConfig.processors.memory_limiter.limit_mib = 4096; } },
            { stack: "prod", what: "unbounded gateway HPA", policy: "resources-autoscaling-bounded", message: /autoscaling\.maxReplicas is 500; set it to at most 50/,
                edit: rs => { release(rs, "otel-gateway").values.autoscaling.maxReplicas = 500; } },
            { stack: "dev", what: "floating chart version", policy: "hygiene-helm-chart-pinned", message: /version "\^18\.0\.0" is not exact/,
                edit: rs => { release(rs, "loki").version = "^18.0.0"; } },
            { stack: "dev", what: "Promtail enabled inside a chart", policy: "hygiene-helm-no-deprecated", message: /promtail enables promtail, which is deprecated/,
                edit: rs => { release(rs, "loki").values.promtail = { enabled: true }; } },
            { stack: "prod", what: "Grafana admin password inline", policy: "hygiene-helm-no-plaintext-secret", message: /release grafana: adminPassword holds a credential in plain text/,
                edit: rs => { release(rs, "grafana").values.adminPassword = "hunter2hunter2"; } },
        ];
        for (const c of cases) {
            const rs = clone(stacks[c.stack]);
            c.edit(rs);
            const violations: Violation[] = await runPolicies(policies, rs);
            assert.deepEqual([...new Set(violations.map(v => v.policy))], [c.policy], `${c.what}: ${JSON.stringify(violations)}`);
            assert.ok(violations.some(v => c.message.test(v.message)), `${c.what}: ${JSON.stringify(violations)}`);
        }
    });

    it("policy config tunes the rules: a tighter HPA bound flags prod's gateway", async () => {
        const violations = await runPolicies(policies, stacks.prod, { "resources-autoscaling-bounded": { maxReplicas: 5 } });
        assert.deepEqual(violations.map(v => v.message), ["release otel-gateway: autoscaling.maxReplicas is 10; set it to at most 5 (policy config maxReplicas)."]);
    });
});
