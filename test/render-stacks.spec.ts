import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import type { DiskReport } from "../components/render/capacity";
import { fakePem } from "../offline/mocks";
import { assertNoSecrets } from "../offline/artifacts";
import { PROJECT_DIR } from "../scripts/render";
import { renderedStack } from "./helpers/rendered";
import { tempDir } from "./helpers/temp";
import { cloudInitSchema, shellcheck } from "./helpers/tools";

type Res = { urn: string; type: string; name: string; parent: string | null; inputs: Record<string, any> };

/** Runs the render CLI as a user would, on a stack of another project folder. */
function renderCli(stack: string, project: string) {
    return spawnSync(process.execPath, ["--import", "tsx", path.join(PROJECT_DIR, "scripts/render.ts"), "--stack", stack, "--project", project],
        { encoding: "utf8", cwd: PROJECT_DIR });
}

function walk(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap(e => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

describe("offline render of both stacks", () => {
    const rendered: Record<string, { outDir: string; resources: Res[]; files: string[]; secretValues: string[]; outputs: Record<string, unknown> }> = {};

    before(async () => {
        for (const stack of ["dev", "prod"]) {
            const { run, outDir } = await renderedStack(stack);
            rendered[stack] = {
                outDir,
                resources: JSON.parse(fs.readFileSync(path.join(outDir, "resources.json"), "utf8")),
                files: walk(outDir),
                secretValues: run.secretValues,
                outputs: run.plainOutputs,
            };
        }
    });

    it("dev: instance, hardened buckets, CAs and certificates, SSM parameters and the readiness gate", () => {
        const r = rendered.dev.resources;
        const of = (t: string) => r.filter(x => x.type === t);
        assert.equal(of("aws:ec2/instance:Instance").length, 1);
        // The five telemetry buckets (the sixth serves the k3s service-account issuer: test/web-identity.spec.ts).
        const buckets = of("aws:s3/bucket:Bucket").filter(b => b.name.startsWith("obs-dev-s3-"));
        assert.equal(buckets.length, 5);
        assert.deepEqual(of("aws:s3/bucket:Bucket").map(b => b.name).filter(n => !n.startsWith("obs-dev-s3-")), ["obs-dev-host-oidc-bucket"]);
        // Every bucket has each of its guards (matched through the bucket id the children reference).
        for (const guard of ["BucketServerSideEncryptionConfiguration", "BucketVersioning", "BucketPublicAccessBlock", "BucketPolicy", "BucketLifecycleConfiguration"]) {
            const children = r.filter(x => x.type.endsWith(`:${guard}`));
            for (const b of buckets) {
                assert.equal(children.filter(c => c.name === b.name).length, 1, `${guard} of ${b.name}`);
            }
        }
        assert.ok(of("aws:s3/bucketPolicy:BucketPolicy").every(p => JSON.parse(p.inputs.policy).Statement[0].Condition.Bool["aws:SecureTransport"] === "false"));
        assert.equal(of("tls:index/selfSignedCert:SelfSignedCert").length, 7, "root CA + 5 k3s CAs + the OTLP client example-app's CA");
        assert.equal(of("tls:index/locallySignedCert:LocallySignedCert").length, 17, "7 servers + 7 clients + k3s admin + Grafana's endpoint + example-app");
        assert.equal(of("aws:ssm/parameter:Parameter").length, 6);
        assert.equal(of("pulumi-nodejs:dynamic/observability:ApiServerReadiness").length, 1);
        // The tree: index.ts wires the components at the top level.
        const roots = r.filter(x => x.parent === null);
        assert.deepEqual(roots.map(x => x.name).sort(), [
            "obs-dev-alertmanager", "obs-dev-aws", "obs-dev-dashboards", "obs-dev-grafana", "obs-dev-grafana-endpoint", "obs-dev-host", "obs-dev-loki", "obs-dev-mimir",
            "obs-dev-namespace", "obs-dev-network", "obs-dev-otel-agent", "obs-dev-otel-gateway", "obs-dev-pki", "obs-dev-rules", "obs-dev-s3", "obs-dev-tempo",
        ]);
        assert.ok(r.every(x => x.parent === null || r.some(p => p.urn === x.parent && p !== x)), "every parent is another rendered resource");
    });

    it("prod: no host, an existing-cluster provider with a secret kubeconfig, replicated buckets", () => {
        const r = rendered.prod.resources;
        // No host; the only EC2 resources are the security groups of the MSK brokers and of Grafana's database.
        assert.deepEqual(r.filter(x => x.type.startsWith("aws:ec2/")).map(x => x.name).sort(), ["obs-prod-grafana-db-sg", "obs-prod-kafka-brokers"]);
        assert.equal(r.filter(x => x.type === "aws:ssm/parameter:Parameter").length, 0);
        const k8s = r.filter(x => x.type === "pulumi:providers:kubernetes");
        assert.equal(k8s.length, 1);
        assert.equal(k8s[0].inputs.kubeconfig, "[secret]");
        assert.equal(r.filter(x => x.type === "aws:s3/bucketReplicationConfig:BucketReplicationConfig").length, 5);
        const lifecycle = r.filter(x => x.type.endsWith(":BucketLifecycleConfiguration") && x.name === "obs-prod-s3-mimir-blocks")[0];
        assert.equal(lifecycle.inputs.rules.find((x: { id: string }) => x.id === "expire-after-retention").expiration.days, 97, "90d + 7d margin");
    });

    it("dev: the data volume's budget counts exactly the claims the releases' values make", () => {
        // Every claim size in the rendered values, wherever the chart takes it (persistence, persistentVolume,
        // persistence.claims, volumeClaimTemplates); dev runs one replica of each, the gateway up to gatewayMaxReplicas.
        const sizes: number[] = [];
        const visit = (v: unknown, keyPath: string[]): void => {
            if (Array.isArray(v)) { v.forEach(x => visit(x, keyPath)); return; }
            if (typeof v !== "object" || v === null) return;
            for (const [k, x] of Object.entries(v)) {
                const claimed = /^(size|storage)$/.test(k) && typeof x === "string" && /^\d+Gi$/.test(x)
                    && keyPath.some(p => /^(persistence|persistentVolume|volumeClaimTemplates)$/.test(p));
                if (claimed) sizes.push(Number.parseInt(x as string, 10));
                else visit(x, [...keyPath, k]);
            }
        };
        const helmDir = path.join(rendered.dev.outDir, "helm");
        for (const f of fs.readdirSync(helmDir).filter(f => f.endsWith(".values.yaml"))) visit(YAML.parse(fs.readFileSync(path.join(helmDir, f), "utf8")), []);
        const disk = rendered.dev.outputs.dataVolume as DiskReport;
        const gateway = disk.claims.find(c => c.component === "gateway")!; // dev: gatewayMaxReplicas 2, one claim each
        assert.equal(sizes.reduce((a, b) => a + b, 0), disk.claims.reduce((a, c) => a + c.GiB, 0) - gateway.GiB / 2, JSON.stringify({ sizes, claims: disk.claims }));
        assert.equal(disk.fits, true);
        assert.match(fs.readFileSync(path.join(rendered.dev.outDir, "summary.md"), "utf8"), /Data volume: volumes 101 GiB \+ datastore 5 GiB \+ images 10 GiB = 116 GiB of 150 GiB \(headroom 23%/);
        assert.equal(rendered.prod.outputs.dataVolume, undefined);
    });

    it("writes the files a newcomer reads, and the host's cloud-init that passes the real checks", () => {
        const dev = rendered.dev.files.map(f => path.relative(rendered.dev.outDir, f));
        for (const f of ["resources.json", "graph.mmd", "summary.md", "host/cloud-init.yaml", "host/files/usr/local/sbin/obs-k3s-bootstrap.sh"]) {
            assert.ok(dev.includes(f), `missing ${f}`);
        }
        const [ok, out] = cloudInitSchema(path.join(rendered.dev.outDir, "host/cloud-init.yaml"));
        assert.ok(ok, out);
        const [scOk, scOut] = shellcheck(path.join(rendered.dev.outDir, "host/files/usr/local/sbin/obs-k3s-bootstrap.sh"));
        assert.ok(scOk, scOut);
        const graph = fs.readFileSync(path.join(rendered.dev.outDir, "graph.mmd"), "utf8");
        assert.match(graph, /^flowchart LR/);
        assert.ok((graph.match(/-->/g) ?? []).length >= 100);
        const summary = fs.readFileSync(path.join(rendered.prod.outDir, "summary.md"), "utf8");
        assert.match(summary, /\| `aws:s3\/bucket:Bucket` \| 10 \|/);
    });

    it("never writes a private key or any secret value", () => {
        for (const stack of ["dev", "prod"]) {
            const { files, secretValues } = rendered[stack];
            // Every private key the program made reached some resource only as a secret, so the scan below covers it.
            const keys = rendered[stack].resources.filter(r => r.type === "tls:index/privateKey:PrivateKey");
            assert.equal(keys.length, stack === "dev" ? 25 : 17);
            for (const k of keys) {
                const pem = fakePem(k.inputs.algorithm === "RSA" ? "RSA PRIVATE KEY" : "EC PRIVATE KEY", k.name);
                assert.ok(secretValues.includes(pem), `${k.name} never passed as a secret`);
            }
            assert.ok(secretValues.some(v => v.startsWith("https://offline-secret-placeholder.invalid/")) === (stack === "prod"));
            for (const file of files) {
                const text = fs.readFileSync(file, "utf8");
                assert.doesNotMatch(text, /-----BEGIN [A-Z ]*PRIVATE KEY-----/, file);
                // Like the writer's own guard, ignore strings under 8 characters: a Secret's whole content is secret,
                // including a user name such as "admin", which also occurs in resource names.
                for (const s of secretValues.filter(v => v.length >= 8)) assert.ok(!text.includes(s), `${file} contains a secret value`);
            }
        }
        // The writer's own guard refuses a leak.
        assert.throws(() => assertNoSecrets([{ path: "x.yaml", content: fakePem("EC PRIVATE KEY", "k") }], []), /PEM private key/);
        assert.throws(() => assertNoSecrets([{ path: "x.yaml", content: "token: s3cr3t-value" }], ["s3cr3t-value"]), /secret value/);
    });

    it("exits non-zero and prints every config error on invalid config", () => {
        const project = tempDir("bad");
        fs.copyFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), path.join(project, "Pulumi.yaml"));
        fs.writeFileSync(path.join(project, "Pulumi.broken.yaml"), [
            "config:",
            "  aws:region: eu-west-1",
            "  observability-stack:environment: dev",
            "  observability-stack:adminCidrs: ['0.0.0.0/0']",
            "  observability-stack:retentionTraces: 400d",
            "",
        ].join("\n"));
        const res = renderCli("broken", project);
        assert.equal(res.status, 1, res.stderr);
        assert.match(res.stderr, /^Invalid configuration for stack 'broken' \(2 problems\)/);
        assert.match(res.stderr, /observability-stack:adminCidrs = "0.0.0.0\/0": opens the admin ports to the whole internet/);
        assert.match(res.stderr, /observability-stack:retentionTraces = "400d": outside the sane bounds for traces; allowed: /);
        // One report and nothing else: three lines, no stack trace, no second report of an unhandled rejection.
        assert.equal(res.stderr.trim().split("\n").length, 3, res.stderr);
        assert.doesNotMatch(res.stderr, /\bat \S+ \(|triggerUncaughtException|Node\.js v/);
        assert.ok(!fs.existsSync(path.join(project, "out")), "nothing is written on invalid config");

        // A value the CLI would refuse for its declared type is reported with the program's other problems; numbers
        // are accepted as written (25, "25", 1e-3).
        fs.writeFileSync(path.join(project, "Pulumi.typed.yaml"), [
            "config:",
            "  aws:region: eu-west-1",
            "  observability-stack:environment: dev",
            "  observability-stack:adminCidrs: ['198.51.100.10/32']",
            "  observability-stack:rootVolumeSizeGiB: big",
            "  observability-stack:bucketVersioning: maybe",
            "  observability-stack:retentionLogs: 1000d",
            "  observability-stack:samplingPercent: 25",
            "  observability-stack:highErrorRatio: 1e-3",
            "  observability-stack:gatewayMinReplicas: \"2\"",
            "",
        ].join("\n"));
        const typed = renderCli("typed", project);
        assert.equal(typed.status, 1);
        assert.match(typed.stderr, /^Invalid configuration for stack 'typed' \(3 problems\)/);
        assert.match(typed.stderr, /observability-stack:rootVolumeSizeGiB = "big": Pulumi.yaml declares type integer, so the Pulumi CLI refuses it; allowed: an integer from 20 to 1024 \(GiB\)/);
        assert.match(typed.stderr, /observability-stack:bucketVersioning = "maybe": Pulumi.yaml declares type boolean/);
        assert.match(typed.stderr, /observability-stack:retentionLogs = "1000d": outside the sane bounds/);
    });
});
