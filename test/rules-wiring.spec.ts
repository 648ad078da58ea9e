// The rules as the deploy loads them: the rendered stacks carry one ConfigMap with every rule file, mounted into
// Mimir's ruler as tenant anonymous's rule directory (local, read-only ruler storage), created before the
// release; the expiry rules name every certificate the PKI issues with its real notAfter; the rendered files are
// what promtool accepts; and the SLOs, thresholds and prices from config reach the rules.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { parseStackConfig } from "../components/config";
import { MOCK_ISSUED_AT } from "../offline/mocks";
import { ruleFiles } from "../components/render/rules/index";
import { renderedStack } from "./helpers/rendered";
import { runTool } from "./helpers/tools";

type Res = { urn: string; type: string; name: string; parent: string | null; inputs: Record<string, any> };

describe("rules loaded into Mimir's ruler (rendered stacks)", () => {
    for (const stack of ["dev", "prod"] as const) {
        it(`${stack}: one ConfigMap of every rule file, mounted read-only as the ruler's local storage, before the release`, async () => {
            const { outDir } = await renderedStack(stack);
            const resources: Res[] = JSON.parse(fs.readFileSync(path.join(outDir, "resources.json"), "utf8"));
            const maps = resources.filter(r => r.type === "kubernetes:core/v1:ConfigMap" && r.inputs.metadata?.name === "mimir-rules");
            assert.equal(maps.length, 1);
            const data = maps[0].inputs.data as Record<string, string>;
            const files = fs.readdirSync(path.join(outDir, "rules")).sort();
            assert.deepEqual(Object.keys(data).sort(), files);
            // prod's stack file declares two example SLOs; dev none.
            assert.deepEqual(files, ["applications.yaml", "backends.yaml", "certificates.yaml", "collector.yaml", "gen-ai.yaml", "host.yaml", "kafka.yaml", "kubernetes.yaml", "meta.yaml", ...(stack === "prod" ? ["slos.yaml"] : [])]);
            for (const f of files) assert.equal(fs.readFileSync(path.join(outDir, "rules", f), "utf8"), data[f]);
            // The broker-disk alert's capacity: prod's MSK cluster (3 brokers over 3 subnets, 500 GiB each, 24 h, 3 replicas,
            // 80% of the disks); dev has no Kafka, so no capacity and the forecast alert cannot fire.
            const budget = YAML.parse(data["kafka.yaml"]).groups[0].rules.find((x: any) => x.record === "kafka:broker_write_budget:bytes_per_second");
            assert.deepEqual(budget?.expr, stack === "prod" ? `vector(${Math.floor((3 * 500 * 1024 ** 3 * 0.8) / (24 * 3600 * 3))})` : undefined);

            const values = YAML.parse(fs.readFileSync(path.join(outDir, "helm/mimir.values.yaml"), "utf8"));
            const config = values.mimir.structuredConfig;
            assert.deepEqual({ backend: config.ruler_storage.backend, local: config.ruler_storage.local }, { backend: "local", local: { directory: "/rules" } });
            assert.equal(config.multitenancy_enabled, false, "rules mounted for tenant anonymous need multi-tenancy off");
            assert.deepEqual(values.ruler.extraVolumes, [{ name: "rules", configMap: { name: "mimir-rules" } }]);
            assert.deepEqual(values.ruler.extraVolumeMounts, [{ name: "rules", mountPath: "/rules/anonymous", readOnly: true }]);
            assert.equal(maps[0].inputs.metadata.namespace, "observability");

            // The rules component comes before Mimir's release (dependsOn a component waits for its children).
            const rules = resources.find(r => r.type === "observability:rules:MimirRules");
            assert.ok(rules && maps[0].parent === rules.urn);

            const r = runTool("promtool", ["check", "rules", ...files.map(f => path.join(outDir, "rules", f))], "prometheus");
            assert.equal(r.status, 0, r.stdout + r.stderr);
        });
    }

    it("records the expiry of every certificate the PKI issues (dev: with the k3s CAs), from the certificates themselves", async () => {
        for (const stack of ["dev", "prod"] as const) {
            const { outDir } = await renderedStack(stack);
            const resources: Res[] = JSON.parse(fs.readFileSync(path.join(outDir, "resources.json"), "utf8"));
            const certs = resources.filter(r => r.type === "tls:index/selfSignedCert:SelfSignedCert" || r.type === "tls:index/locallySignedCert:LocallySignedCert");
            const doc = YAML.parse(fs.readFileSync(path.join(outDir, "rules/certificates.yaml"), "utf8"));
            const recorded = doc.groups[0].rules.filter((x: any) => x.record);
            assert.equal(recorded.length, certs.length, `${stack}: one expiry series per certificate`);
            assert.equal(new Set(recorded.map((x: any) => x.labels.certificate)).size, certs.length, "names are unique");
            if (stack === "dev") assert.ok(recorded.some((x: any) => x.labels.certificate.startsWith("k3s-") && x.labels.kind === "ca"));
            // The mock issues at a fixed time: a leaf's notAfter is that plus certValidityHours (8760 h).
            const loki = recorded.find((x: any) => x.labels.certificate === "loki");
            assert.equal(loki.expr, `vector(${Date.parse(MOCK_ISSUED_AT) / 1000 + 8760 * 3600})`);
            const root = recorded.find((x: any) => x.labels.certificate === "root-ca");
            assert.equal(root.expr, `vector(${Date.parse(MOCK_ISSUED_AT) / 1000 + 87600 * 3600})`);
        }
    });

    it("builds SLO rules, thresholds, prices and runbook links from config", () => {
        const config = parseStackConfig("dev", {
            awsRegion: "eu-west-1", secrets: {},
            values: {
                adminCidrs: JSON.stringify(["198.51.100.10/32"]),
                runbookBaseUrl: "https://git.example.com/platform/obs/docs/runbooks.md",
                slos: JSON.stringify([{ name: "checkout-availability", service: "checkout", sli: "availability", objective: 0.999 }, { name: "search-latency", service: "search", sli: "latency", latencySeconds: 0.256, objective: 0.99, windowDays: 28 }]),
                highErrorRatio: "0.02",
                serviceLatencyP95Seconds: JSON.stringify({ search: 0.5 }),
                genAiPrices: JSON.stringify([{ model: "gpt-4o", inputUsdPerMillionTokens: 2.5, outputUsdPerMillionTokens: 10 }]),
                genAiDailyBudgetUsd: "40",
            },
        });
        assert.equal(config.content.slos[0].windowDays, 30, "windowDays defaults to 30");
        const files = ruleFiles({ ...config.content, certificates: [] });
        const rules = files.flatMap(f => f.groups.flatMap(g => g.rules)) as any[];
        assert.ok(files.some(f => f.name === "slos"));
        assert.ok(rules.some(r => r.labels?.slo === "search-latency"), "the latency SLO has its own rules");
        assert.match(rules.find(r => r.alert === "HighErrorRate").expr, /> 0\.02/);
        assert.match(rules.find(r => r.alert === "HighLatency").expr, /> 0\.5/);
        assert.ok(rules.some(r => r.alert === "GenAiDailySpendOverBudget" && /> 40/.test(r.expr)), "the budget alert uses the configured budget");
        assert.ok(rules.some(r => r.labels?.gen_ai_request_model === "gpt-4o"), "the price table has the configured model");
        for (const a of rules.filter(r => r.alert)) assert.ok(a.annotations.runbook_url.startsWith("https://git.example.com/platform/obs/docs/runbooks.md#"), a.alert);
    });
});
