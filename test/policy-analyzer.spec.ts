// The pack the way the Pulumi CLI loads it: `policy/index.ts` starts the real analyzer server, and this test talks
// to it over gRPC (RECIPES.md §4, pattern C): analyze per resource, analyzeStack over all, configure, info. It also
// holds the in-process harness (render report, `npm run policy`, the mutation tests) to the server's verdicts.
import { strict as assert } from "assert";
import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import { AnalyzerClient } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as pb from "@pulumi/pulumi/proto/analyzer_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { AnalyzedResource, PackConfig, runPolicies } from "../policy/harness";
import { policies } from "../policy/policies";
import { stackResources } from "./helpers/least-privilege";

const POLICY_DIR = path.join(__dirname, "..", "policy");
const LEVEL: Record<number, string> = { [pb.EnforcementLevel.ADVISORY]: "advisory", [pb.EnforcementLevel.MANDATORY]: "mandatory", [pb.EnforcementLevel.DISABLED]: "disabled", [pb.EnforcementLevel.REMEDIATE]: "remediate" };

const DIGEST = "hygiene-image-pinned-by-digest";

/** A diagnostic as comparable text: policy, level, and the message without the server's description prefix. */
type Finding = { policy: string; level: string; message: string; urn: string };

describe("CrossGuard pack over gRPC (the real analyzer server)", function () {
    this.timeout(120_000);
    let server: ChildProcess;
    let client: AnalyzerClient;
    const stacks: Record<string, AnalyzedResource[]> = {};
    const description = new Map(policies.map(p => [p.name, p.description]));

    function unary<Req, Res>(method: (req: Req, cb: (e: grpc.ServiceError | null, r: Res) => void) => unknown, req: Req): Promise<Res> {
        return new Promise((ok, fail) => method.call(client, req, (e: grpc.ServiceError | null, r: Res) => (e ? fail(e) : ok(r))));
    }

    const struct = (v: Record<string, unknown>) => Struct.fromJavaScript(v as Record<string, never>);
    const provider = (r: AnalyzedResource) => r.provider
        && new pb.AnalyzerProviderResource().setType(r.provider.type).setName(r.provider.name).setUrn(r.provider.urn).setProperties(struct(r.provider.props));
    const asResource = (r: AnalyzedResource) => new pb.AnalyzerResource().setType(r.type).setName(r.name).setUrn(r.urn!)
        .setProperties(struct(r.props)).setOptions(new pb.AnalyzerResourceOptions()).setProvider(provider(r));

    /** The diagnostics of a response; `analyzed` is the resource an analyze call was about (the CLI attributes URN-less diagnostics to it). */
    function findings(resp: pb.AnalyzeResponse, analyzed = ""): Finding[] {
        return resp.getDiagnosticsList().map(d => {
            const prefix = `${description.get(d.getPolicyname())}\n`;
            assert.ok(d.getMessage().startsWith(prefix), `the server prefixes the description: ${d.getMessage()}`);
            return { policy: d.getPolicyname(), level: LEVEL[d.getEnforcementlevel()], message: d.getMessage().slice(prefix.length), urn: d.getUrn() || analyzed };
        });
    }

    /** Everything the server reports for a stack: each resource through analyze, then the stack through analyzeStack. */
    async function analyzeAll(resources: AnalyzedResource[]): Promise<Finding[]> {
        const out: Finding[] = [];
        for (const r of resources) {
            const req = new pb.AnalyzeRequest().setType(r.type).setName(r.name).setUrn(r.urn!)
                .setProperties(struct(r.props)).setOptions(new pb.AnalyzerResourceOptions()).setProvider(provider(r));
            out.push(...findings(await unary(client.analyze, req), r.urn));
        }
        out.push(...findings(await unary(client.analyzeStack, new pb.AnalyzeStackRequest().setResourcesList(resources.map(asResource)))));
        return out;
    }

    async function harness(resources: AnalyzedResource[], config: PackConfig = {}): Promise<Finding[]> {
        return (await runPolicies(policies, resources, config)).map(v => ({ policy: v.policy, level: v.enforcementLevel, message: v.message, urn: v.urn }));
    }

    const sorted = (found: Finding[]) => [...found].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

    before(async () => {
        for (const stack of ["dev", "prod"]) stacks[stack] = await stackResources(stack);
        server = spawn(process.execPath, ["--import", "tsx", "index.ts"], { cwd: POLICY_DIR, stdio: ["ignore", "pipe", "pipe"] });
        let stderr = "";
        server.stderr!.on("data", d => { stderr += String(d); });
        const port = await new Promise<string>((ok, fail) => {
            server.stdout!.once("data", d => ok(String(d).trim()));
            server.once("exit", code => fail(new Error(`the analyzer exited with ${code}: ${stderr}`)));
        });
        assert.match(port, /^\d+$/, "the analyzer prints its port, as the CLI expects");
        client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    });

    after(() => {
        client?.close();
        server?.kill();
    });

    it("serves every policy of the pack with its level and settings schema", async () => {
        const info = await unary<Empty, pb.AnalyzerInfo>(client.getAnalyzerInfo, new Empty());
        assert.equal(info.getName(), "observability-stack-policies");
        assert.ok(info.getSupportsconfig());
        const served = info.getPoliciesList().map(p => [p.getName(), LEVEL[p.getEnforcementlevel()]]);
        assert.deepEqual(served, policies.map(p => [p.name, p.enforcementLevel]));
        const retention = info.getPoliciesList().find(p => p.getName() === "retention-backend-retention-bounded")!;
        assert.deepEqual((retention.getConfigschema()!.getProperties()!.toJavaScript().logs as { default: unknown }).default, { minDays: 1, maxDays: 730 });
    });

    it("finds in either stack only the images pinned by tag, and exactly what the harness finds in a mutated one", async () => {
        for (const stack of ["dev", "prod"]) {
            const found = sorted(await analyzeAll(stacks[stack]));
            assert.deepEqual(found.filter(f => f.policy !== DIGEST), [], stack);
            assert.deepEqual(found, sorted(await harness(stacks[stack])), stack);
        }

        // Mutations across resource and stack policies, including one inside the tempo chart's YAML config string.
        const rs = structuredClone(stacks.dev);
        const props = (pred: (r: AnalyzedResource) => boolean) => rs.find(pred)!.props as Record<string, any>;
        const release = (name: string) => props(r => r.type === "kubernetes:helm.sh/v3:Release" && r.props.name === name);
        props(r => r.type === "aws:ebs/volume:Volume").encrypted = false;
        rs.splice(rs.findIndex(r => r.type.endsWith(":BucketPublicAccessBlock")), 1);
        release("loki").values.loki.compactor.retention_enabled = false;
        const tempo = release("tempo").values;
        tempo.config = tempo.config.replace("block_retention: 72h", "block_retention: 480h");
        release("otel-gateway").values.alternateConfig.exporters["otlp_grpc/tempo"].tls.insecure_skip_verify = true;
        delete release("grafana").values.resources.limits;
        props(r => r.type === "aws:ec2/instance:Instance").instanceType = "p4d.24xlarge";
        const aws = rs.find(r => r.provider?.type === "pulumi:providers:aws")!.provider!.props;
        aws.defaultTags = JSON.stringify({ tags: { "managed-by": "pulumi" } }); // team and cost-center gone, for every AWS resource
        // Least privilege and secrets, resource and stack policies (the Secret rule needs the render's masks).
        props(r => r.type === "aws:ec2/instance:Instance").metadataOptions.httpPutResponseHopLimit = 2;
        const agent = release("otel-agent").values;
        agent.extraVolumes.push({ name: "hostfs", hostPath: { path: "/" } });
        agent.extraVolumeMounts.push({ name: "hostfs", mountPath: "/hostfs", readOnly: true });
        for (const p of rs.filter(r => r.type.endsWith(":NetworkPolicy") && (r.props as Record<string, any>).metadata.namespace === "observability-agents")) (p.props as Record<string, any>).spec.egress = [{}];
        delete release("loki").values.defaults.automountServiceAccountToken;
        props(r => r.type === "kubernetes:core/v1:Secret" && (r.props as Record<string, any>).metadata.name === "grafana-admin").stringData = { "admin-password": "hunter2hunter2" };

        const got = sorted(await analyzeAll(rs));
        assert.deepEqual(new Set(got.map(f => f.policy)), new Set([
            "tls-ebs-encrypted", "tls-s3-bucket-hardened", "retention-loki-compactor-enabled", "retention-s3-expiry-matches-retention",
            "tls-collector-configs-verified", "resources-helm-release-limits", "hygiene-aws-instance-type-allowed", "hygiene-aws-required-tags",
            DIGEST, "privilege-ec2-imds-hop-limit", "privilege-host-paths-allowlisted", "privilege-namespace-default-deny",
            "privilege-service-account-token-needs-rbac", "hygiene-secret-values-are-secret-outputs",
        ]));
        const level = new Map(policies.map(p => [p.name, p.enforcementLevel]));
        assert.deepEqual(got.filter(f => f.level !== level.get(f.policy) || !f.urn.startsWith("urn:pulumi:dev::")), []);
        assert.deepEqual(got, sorted(await harness(rs)));
    });

    it("applies the configuration the CLI sends (levels and settings) as the harness does", async () => {
        const config: PackConfig = {
            "retention-s3-expiry-matches-retention": { enforcementLevel: "advisory", marginDays: 3 },
            "tls-ebs-encrypted": { enforcementLevel: "disabled" },
            // An object-valued setting: no namespace may enforce less than restricted.
            "privilege-namespace-pod-security": { enforcementLevel: "mandatory", exceptions: {} },
        };
        const req = new pb.ConfigureAnalyzerRequest();
        for (const [name, { enforcementLevel, ...settings }] of Object.entries(config)) {
            const level = Number(Object.entries(LEVEL).find(([, l]) => l === enforcementLevel)![0]) as pb.EnforcementLevel;
            req.getPolicyconfigMap().set(name, new pb.PolicyConfig().setEnforcementlevel(level).setProperties(Struct.fromJavaScript(settings as Record<string, never>)));
        }
        await unary(client.configure, req);
        try {
            const rs = structuredClone(stacks.dev);
            (rs.find(r => r.type === "aws:ebs/volume:Volume")!.props as Record<string, unknown>).encrypted = false; // disabled: not reported
            const got = sorted(await analyzeAll(rs));
            assert.deepEqual(got.filter(f => f.policy !== DIGEST).map(f => [f.policy, f.level]).sort(), [
                ["privilege-namespace-pod-security", "mandatory"], ...Array(3).fill(["retention-s3-expiry-matches-retention", "advisory"]),
            ]);
            assert.deepEqual(got, sorted(await harness(rs, config)));
        } finally {
            await unary(client.configure, new pb.ConfigureAnalyzerRequest());
        }
    });
});
