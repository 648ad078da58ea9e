// The chart values checker (offline/chart-values.ts, `npm run check:values`) over both rendered stacks: the real renders
// are clean, and each kind of mistake in the values turns red naming its key path. Also the reference data it reads:
// the project's own, derived facts with their sources, and nothing read from outside the project.
import * as assert from "assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { CHARTS } from "../components/render/backends/common";
import { checkReleaseValues, checkRenderDir, RenderDirError, type Finding, type ReleaseEntry } from "../offline/chart-values";
import { CHART_REFERENCE_DIR, chartKeys, podObjects } from "../offline/references";
import { deriveTypes } from "../scripts/reference/derive-chart-types";
import { PROJECT_DIR } from "../scripts/render";
import { renderedStack } from "./helpers/rendered";

type Any = any; // eslint-disable-line @typescript-eslint/no-explicit-any
interface Rendered { outDir: string; releases: ReleaseEntry[]; values: Record<string, Any> }

const stacks: Record<string, Rendered> = {};

/** The findings for one release of a stack after `edit` changed a copy of its rendered values. */
function findingsAfter(stack: string, name: string, edit: (v: Any) => void): Finding[] {
    const { releases, values } = stacks[stack];
    const release = releases.find(r => r.name === name)!;
    const copy = structuredClone(values[name]);
    edit(copy);
    return checkReleaseValues(release, copy).findings;
}

/** Sets a dotted path, creating maps on the way. */
function set(o: Any, dotted: string, v: unknown): void {
    const keys = dotted.split(".");
    const last = keys.pop()!;
    const parent = keys.reduce((c, k) => (c[k] ??= {}), o);
    parent[last] = v;
}

/** Exactly these key paths are flagged, each finding's message naming its path. */
function assertFlags(findings: Finding[], paths: string[], message?: RegExp): void {
    assert.deepEqual(findings.map(f => f.path).sort(), [...paths].sort(), JSON.stringify(findings, null, 1));
    for (const f of findings) {
        if (f.path) assert.ok(f.message.includes(f.path), f.message);
        if (message) assert.match(f.message, message);
    }
}

function copyDir(from: string, to: string): void {
    fs.cpSync(from, to, { recursive: true });
}

/** The project's files, without dependencies, renders or git internals. */
function projectFiles(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap(e => {
        if (["node_modules", "out", ".git", "bin"].includes(e.name)) return [];
        const p = path.join(dir, e.name);
        return e.isDirectory() ? projectFiles(p) : [p];
    });
}

function checkValuesCli(...args: string[]) {
    return spawnSync(process.execPath, ["--import", "tsx", path.join(PROJECT_DIR, "scripts/check-chart-values.ts"), ...args], { encoding: "utf8", cwd: PROJECT_DIR });
}

describe("chart values checker", () => {
    let tmp: string;

    before(async () => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "chart-values-"));
        for (const stack of ["dev", "prod"]) {
            const { outDir } = await renderedStack(stack);
            const releases: ReleaseEntry[] = JSON.parse(fs.readFileSync(path.join(outDir, "helm/releases.json"), "utf8"));
            const values = Object.fromEntries(releases.map(r => [r.name, YAML.parse(fs.readFileSync(path.join(outDir, "helm", r.values), "utf8"))]));
            stacks[stack] = { outDir, releases, values };
        }
    });

    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    it("finds both rendered stacks clean: every release checked against its chart's keys, schema types and program config", () => {
        for (const stack of ["dev", "prod"]) {
            const results = checkRenderDir(stacks[stack].outDir);
            assert.equal(results.length, 7, stack);
            for (const r of results) assert.deepEqual([r.label, r.findings, r.notes], [r.label, [], []], `${stack}: ${r.label}`);
        }
    });

    describe("turns red on a mistake in the chart values, naming the key path", () => {
        it("a key the chart does not define, at the top or nested (a typo)", () => {
            assertFlags(findingsAfter("dev", "grafana", v => set(v, "replicasCount", 2)), ["replicasCount"], /^unknown key/);
            assertFlags(findingsAfter("dev", "mimir", v => set(v, "ingester.persistentVolume.sizee", "10Gi")), ["ingester.persistentVolume.sizee"], /^unknown key/);
        });

        it("a map where the chart expects a scalar, and a scalar where it expects a map", () => {
            assertFlags(findingsAfter("dev", "grafana", v => set(v, "replicas", { count: 1 })), ["replicas"], /expects a scalar, got a map/);
            assertFlags(findingsAfter("prod", "tempo", v => set(v, "ingester", "big")), ["ingester"], /expects a map, got a scalar/);
        });

        it("a value outside the schema's enum, of the wrong JSON type, off the pattern or below the minimum", () => {
            assertFlags(findingsAfter("dev", "otel-gateway", v => set(v, "mode", "sidecar")), ["mode"], /allows only "daemonset"/);
            assertFlags(findingsAfter("dev", "loki", v => set(v, "backend.replicas", "three")), ["backend.replicas"], /expects integer or null, got string/);
            assertFlags(findingsAfter("dev", "otel-agent", v => set(v, "presets.kubernetesAttributes.enabled", "true")), ["presets.kubernetesAttributes.enabled"], /expects boolean/);
            assertFlags(findingsAfter("dev", "otel-gateway", v => set(v, "rollout.rollingUpdate.maxSurge", true)), ["rollout.rollingUpdate.maxSurge"], /string or integer/);
            assertFlags(findingsAfter("dev", "alertmanager", v => set(v, "config.route.group_wait", "30 seconds")), ["config.route.group_wait"], /pattern/);
            assertFlags(findingsAfter("dev", "alertmanager", v => v.config.route.group_by.push("bad-label")), ["config.route.group_by[5]"], /pattern/);
            assertFlags(findingsAfter("dev", "alertmanager", v => set(v, "replicaCount", -1)), ["replicaCount"], /at least 0/);
        });

        it("a schema rule inside a recursive definition (Alertmanager's nested routes)", () => {
            assertFlags(findingsAfter("prod", "alertmanager", v => { v.config.route.routes[1].group_interval = "1minute"; }), ["config.route.routes[1].group_interval"], /pattern/);
        });

        it("a key a closed schema object does not list: both the key set and the schema say so", () => {
            const f = findingsAfter("dev", "otel-agent", v => set(v, "presets.kubernetesAttributes.extractAllPodLabel", true));
            assertFlags(f, ["presets.kubernetesAttributes.extractAllPodLabel", "presets.kubernetesAttributes.extractAllPodLabel"]);
            assert.match(f[1].message, /^schema: unknown key .* allows no other keys under presets\.kubernetesAttributes$/);
            const port = Object.keys(stacks.dev.values["otel-gateway"].ports)[0];
            assertFlags(findingsAfter("dev", "otel-gateway", v => { v.ports[port].containerPorts = 1; }), [`ports.${port}.containerPorts`], /allows no other keys/);
        });

        it("a lifecycle hook with two handlers (the schema wants exactly one), but not one with one", () => {
            assertFlags(findingsAfter("dev", "otel-gateway", v => set(v, "lifecycleHooks.postStart", { exec: { command: ["true"] }, httpGet: { port: 8080 } })),
                ["lifecycleHooks.postStart"], /exactly one of exec, httpGet, got 2/);
            assertFlags(findingsAfter("dev", "otel-gateway", v => set(v, "lifecycleHooks.postStart", { exec: { command: ["true"] } })), []);
        });

        it("a probe field Kubernetes does not define, in charts that copy probes with toYaml", () => {
            assertFlags(findingsAfter("dev", "loki", v => set(v, "loki.readinessProbe.initialDelaySecond", 5)), ["loki.readinessProbe.initialDelaySecond"],
                /did you mean initialDelaySeconds\? \(a Kubernetes Probe\)/);
            assertFlags(findingsAfter("dev", "grafana", v => set(v, "livenessProbe.httpGet.paht", "/x")), ["livenessProbe.httpGet.paht"], /a Kubernetes Probe/);
            assertFlags(findingsAfter("dev", "mimir", v => set(v, "ingester.readinessProbe.httpGet.port", { name: "http" })), ["ingester.readinessProbe.httpGet.port"],
                /expects an int or string, got a map/);
        });

        it("a security context field Kubernetes does not define, at any depth", () => {
            assertFlags(findingsAfter("dev", "otel-gateway", v => set(v, "securityContext.runAsUsr", 1000)), ["securityContext.runAsUsr"], /a Kubernetes SecurityContext\/PodSecurityContext/);
            assertFlags(findingsAfter("prod", "otel-gateway", v => set(v, "podSecurityContext.seccompProfile", { typ: "RuntimeDefault" })),
                ["podSecurityContext.seccompProfile.typ"], /did you mean type\?/);
            assertFlags(findingsAfter("prod", "otel-gateway", v => set(v, "podSecurityContext.sysctls", [{ nam: "x", value: "1" }])), ["podSecurityContext.sysctls[0].nam"]);
        });

        it("a mandatory key left unset", () => {
            assertFlags(findingsAfter("dev", "otel-agent", v => { delete v.image.repository; }), ["image.repository"], /must be set/);
            assertFlags(findingsAfter("dev", "loki", v => { delete v.loki.schemaConfig; }), ["loki.schemaConfig"], /must be set/);
        });

        it("a chart version the project carries no reference for", () => {
            const release = stacks.dev.releases.find(r => r.name === "tempo")!;
            const { findings } = checkReleaseValues({ ...release, version: "2.2.5" }, stacks.dev.values.tempo);
            assertFlags(findings, [""], /^no reference for chart tempo version 2\.2\.5; versions with a reference: 2\.2\.4$/);
        });
    });

    describe("turns red on a key the program does not define in the config the values produce", () => {
        it("Mimir: an unknown key, a scalar for a block, an unknown key set to null (a known one set to null passes)", () => {
            assertFlags(findingsAfter("dev", "mimir", v => set(v, "mimir.structuredConfig.limits.max_global_series_per_usr", 10)), ["limits.max_global_series_per_usr"],
                /^mimir 3\.1\.2 config: unknown key .* \(from mimir\.structuredConfig\)$/);
            assertFlags(findingsAfter("dev", "mimir", v => set(v, "mimir.structuredConfig.server", "x")), ["server"], /expects a block, got a scalar/);
            assertFlags(findingsAfter("dev", "mimir", v => {
                set(v, "mimir.structuredConfig.limits.max_global_series_per_user", null);
                set(v, "mimir.structuredConfig.limits.no_such_limit", null);
            }), ["limits.no_such_limit"]);
            assertFlags(findingsAfter("prod", "mimir", v => { v.mimir.structuredConfig.limits["a.b"] = 1; }), ['limits["a.b"]']);
        });

        it("Loki: a config section key, the renamed storage keys, a string where a boolean goes", () => {
            assertFlags(findingsAfter("dev", "loki", v => set(v, "loki.limits_config.retention_periodd", "1d")), ["limits_config.retention_periodd"],
                /did you mean retention_period\? \(from loki\.limits_config\)/);
            // s3ForcePathStyle is written as s3forcepathstyle, which Loki knows; bucketnamez is copied as is.
            assertFlags(findingsAfter("dev", "loki", v => set(v, "loki.storage.s3.bucketnamez", "x")), ["common.storage.s3.bucketnamez"], /from loki\.storage\.s3/);
            assertFlags(findingsAfter("dev", "loki", v => set(v, "loki.structuredConfig.analytics.reporting_enabled", "false")), ["analytics.reporting_enabled"],
                /expects a boolean, got the string "false"/);
        });

        it("Tempo: a key in the monolithic chart's config text, and in tempo-distributed's pass-through maps", () => {
            assertFlags(findingsAfter("dev", "tempo", v => { v.config = `${v.config}\nstream_over_grpc_enabled: true\n`; }), ["stream_over_grpc_enabled"], /tempo 2\.10\.8 config: .*\(from config\)/);
            assertFlags(findingsAfter("prod", "tempo", v => set(v, "overrides.defaults.ingestion.rate_limit_bytez", 1)), ["overrides.defaults.ingestion.rate_limit_bytez"], /tempo 2\.10\.7/);
            assertFlags(findingsAfter("prod", "tempo", v => set(v, "metricsGenerator.config.processor.service_graphz", {})), ["metrics_generator.processor.service_graphz"]);
        });

        it("notes a config text that is not YAML instead of checking it", () => {
            const release = stacks.dev.releases.find(r => r.name === "tempo")!;
            const { findings, notes } = checkReleaseValues(release, { ...stacks.dev.values.tempo, config: "server: [" });
            assert.deepEqual([findings, notes], [[], ["config is not YAML once its template actions are set aside: its keys are not checked"]]);
        });
    });

    describe("render folders and the CLI", () => {
        it("reads a render folder's manifest: a release without a reference, a missing values file; no manifest is bad usage", () => {
            const dir = path.join(tmp, "broken");
            copyDir(path.join(stacks.dev.outDir, "helm"), path.join(dir, "helm"));
            const releases = stacks.dev.releases.map(r => (r.name === "tempo" ? { ...r, version: "2.2.5" } : r.name === "grafana" ? { ...r, values: "gone.yaml" } : r));
            fs.writeFileSync(path.join(dir, "helm/releases.json"), JSON.stringify(releases));
            const red = checkRenderDir(dir).filter(r => r.findings.length > 0);
            assert.deepEqual(red.map(r => [r.label, r.findings.map(f => f.message)]), [
                ["grafana (grafana 12.11.1)", ["values file missing: gone.yaml"]],
                ["tempo (tempo 2.2.5)", ["no reference for chart tempo version 2.2.5; versions with a reference: 2.2.4"]],
            ]);
            assert.throws(() => checkRenderDir(path.join(tmp, "nothing")), RenderDirError);
        });

        it("exits 0 on the clean renders, 1 naming the key on a finding, 2 on bad usage", () => {
            const dir = path.join(tmp, "typo");
            copyDir(path.join(stacks.dev.outDir, "helm"), path.join(dir, "helm"));
            const file = path.join(dir, "helm/grafana.values.yaml");
            fs.writeFileSync(file, YAML.stringify({ ...stacks.dev.values.grafana, replicasCount: 2 }));
            const clean = checkValuesCli(stacks.dev.outDir, stacks.prod.outDir);
            assert.equal(clean.status, 0, clean.stdout + clean.stderr);
            assert.match(clean.stdout, /14 releases clean, 0 with problems/);
            const red = checkValuesCli(dir);
            assert.equal(red.status, 1);
            assert.match(red.stdout, /FAIL .*grafana \(grafana 12\.11\.1\)\n {5}- unknown key replicasCount\n/);
            assert.equal(checkValuesCli().status, 2);
            assert.equal(checkValuesCli(path.join(tmp, "nothing")).status, 2);
        });
    });

    describe("reference data", () => {
        it("carries a key set with its source commit for exactly the pinned charts, and types where the chart ships a schema", () => {
            const files = fs.readdirSync(CHART_REFERENCE_DIR).sort();
            const pinned = Object.values(CHARTS).map(c => `${c.chart}-${c.version}`);
            assert.deepEqual(files.filter(f => f.endsWith(".keys.json")), [...new Set(pinned)].map(p => `${p}.keys.json`).sort());
            assert.deepEqual(files.filter(f => f.endsWith(".types.json")), ["alertmanager-1.42.0.types.json", "loki-18.11.0.types.json", "opentelemetry-collector-0.170.0.types.json"]);
            assert.deepEqual(files.filter(f => !/\.(keys|types)\.json$/.test(f)), []);
            for (const c of Object.values(CHARTS)) {
                const ref = chartKeys(c.chart, c.version);
                assert.deepEqual([ref.chart, ref.version], [c.chart, c.version]);
                assert.match(ref.source, / @ ([0-9a-f]{40}|tag \S+)/, c.chart);
            }
            assert.deepEqual(Object.keys(podObjects().objects), ["Probe", "SecurityContext", "PodSecurityContext"]);
        });

        it("keeps only facts from a schema: no descriptions, defaults, titles or examples", () => {
            for (const f of fs.readdirSync(CHART_REFERENCE_DIR).filter(x => x.endsWith(".types.json"))) {
                const ref = JSON.parse(fs.readFileSync(path.join(CHART_REFERENCE_DIR, f), "utf8"));
                assert.match(ref.source, / @ [0-9a-f]{40}$/, f);
                const fields = new Set(Object.values(ref.types as Record<string, object>).flatMap(n => Object.keys(n)));
                assert.deepEqual([...fields].filter(k => !["type", "enum", "closed", "pattern", "minimum", "oneOfRequired", "like"].includes(k)), [], f);
            }
        });

        it("derives those facts from a schema: $ref, recursion, allOf, type-only anyOf, oneOf of required keys, closed objects", () => {
            const types = deriveTypes({
                $schema: "http://json-schema.org/draft-07/schema#", description: "dropped", type: "object", additionalProperties: false,
                definitions: { route: { type: "object", properties: { wait: { type: "string", pattern: "^[0-9]+s$", default: "30s" }, routes: { type: "array", items: { $ref: "#/definitions/route" } } } } },
                properties: {
                    route: { $ref: "#/definitions/route" },
                    replicas: { anyOf: [{ type: "string" }, { type: "integer" }], minimum: 1, title: "dropped" },
                    mode: { allOf: [{ type: "string" }, { enum: ["a", "b"] }], examples: ["a"] },
                    hook: { type: "object", oneOf: [{ required: ["exec"] }, { required: ["sleep"] }] },
                    ports: { type: "object", patternProperties: { ".*": { type: "object", properties: { port: { type: "integer" } } } } },
                },
            });
            assert.deepEqual(types, {
                "": { type: ["object"], closed: true },
                hook: { type: ["object"], oneOfRequired: [["exec"], ["sleep"]] },
                mode: { type: ["string"], enum: ["a", "b"] },
                ports: { type: ["object"] },
                "ports.*": { type: ["object"] },
                "ports.*.port": { type: ["integer"] },
                replicas: { type: ["string", "integer"], minimum: 1 },
                route: { type: ["object"] },
                "route.routes": { type: ["array"] },
                "route.routes[]": { like: "route" },
                "route.wait": { type: ["string"], pattern: "^[0-9]+s$" },
            });
            assert.throws(() => deriveTypes({ properties: { x: { type: "string", maxLength: 3 } } }), /x: unsupported keyword maxLength/);
            assert.throws(() => deriveTypes({ allOf: [{ additionalProperties: false, properties: { a: {} } }, { properties: { b: {} } }] }), /closed object merged .* property b/);
        });

        it("is the project's own: nothing in the tests, scripts, code or CI reads ../shared", () => {
            const files = projectFiles(PROJECT_DIR).filter(f => /(\.ts|\.json|\/run)$/.test(f) && f !== __filename);
            const readers = files.filter(f => /\.\.\/(\.\.\/)*shared\/|shared\/(reference|tools)/.test(fs.readFileSync(f, "utf8")));
            assert.deepEqual(readers.map(f => path.relative(PROJECT_DIR, f)), []);
        });
    });
});
