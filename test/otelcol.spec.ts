// The rendered collector configs against the real OpenTelemetry Collector: otelcol-obs, built by the Collector
// Builder from Go modules (otelcol/builder.yaml, `npm run build:otelcol`) at the release of the contrib image the
// charts deploy. Its `validate` loads each config as the pods would: every component must exist and unmarshal.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { parseStackConfig } from "../components/config";
import { backendBase } from "../components/plan";
import { renderCollectors } from "../components/render/collector/index";
import { COLLECTOR_IMAGE, type OtelConfig } from "../components/render/collector/otel";
import { builderManifest, NOT_BUILT, otelcolBinary, otelcolComponents, otelcolValidate, withStandIns } from "./helpers/otelcol";
import { renderedStack } from "./helpers/rendered";
import { tempDir } from "./helpers/temp";

const KINDS = ["receivers", "processors", "exporters", "extensions", "connectors"] as const;
const ROLES = ["agent", "gateway", "alertmanager-forwarder"] as const;

/** A stack render's three collector configs, as files. */
async function configFiles(stack: string): Promise<Record<string, string>> {
    const { outDir } = await renderedStack(stack);
    return Object.fromEntries(ROLES.map(r => [r, path.join(outDir, "collector", `${r}.yaml`)]));
}

/** The dev gateway with a remote-write fan-out target (no example stack sets one), written to a file. */
function remoteWriteGateway(): string {
    const target = JSON.stringify([{ name: "vm", url: "https://vm.example.com/api/v1/write", headers: { "X-Scope-OrgID": "obs" } }]);
    const base = backendBase(parseStackConfig("dev", { values: { adminCidrs: JSON.stringify(["198.51.100.10/32"]), remoteWriteTargets: target }, secrets: {}, awsRegion: "eu-west-1" }));
    const file = path.join(tempDir("otelcol"), "gateway-remote-write.yaml");
    fs.writeFileSync(file, YAML.stringify(renderCollectors(base).gateway.config));
    return file;
}

/** `kind/type` of every component a config defines. */
const componentsOf = (c: OtelConfig): string[] => KINDS.flatMap(k => Object.keys((c as unknown as Record<string, Record<string, unknown> | undefined>)[k] ?? {}).map(id => `${k}/${id.split("/")[0]}`));

describe("the real collector (otelcol-obs, built from otelcol/builder.yaml)", function () {
    this.timeout(300000);
    const files: string[] = [];
    before(async () => {
        otelcolBinary();
        for (const stack of ["dev", "prod"]) files.push(...Object.values(await configFiles(stack)));
        files.push(remoteWriteGateway());
    });

    it("is one release, the deployed image's, with exactly the components the rendered configs use", () => {
        const m = builderManifest();
        assert.equal(m.version, COLLECTOR_IMAGE.tag, "the collector tested is the collector deployed");
        assert.deepEqual(m.modules.filter(x => x.version !== `v${m.version}`), [], "every module at the one release");
        const version = spawnSync(otelcolBinary(), ["--version"], { encoding: "utf8" }).stdout;
        assert.match(version, new RegExp(`version ${m.version.replace(/\./g, "\\.")}\\b`));
        const built = otelcolComponents();
        // The binary lists each component by its name at this release: a config using a deprecated alias (otlphttp for
        // otlp_http, hostmetrics for host_metrics, ...; it loads, with a warning at start) does not match.
        const builtIds = KINDS.flatMap(k => (built[k] ?? []).map(c => `${k}/${c.name}`)).sort();
        const configs = files.map(f => YAML.parse(fs.readFileSync(f, "utf8")) as OtelConfig);
        const used = [...new Set(configs.flatMap(componentsOf))].sort();
        const lacking = Object.entries(NOT_BUILT).map(([type, x]) => `${x.kind}/${type}`);
        assert.deepEqual(lacking.filter(id => !used.includes(id)), [], "a stand-in only for a component the configs use");
        assert.deepEqual(builtIds, used.filter(id => !lacking.includes(id)));
        // The stand-ins are components the build has.
        assert.deepEqual([...new Set(configs.map(withStandIns).flatMap(componentsOf))].filter(id => !builtIds.includes(id)), []);
    });

    it("validates every rendered config: agent, gateway and Alertmanager's forwarder of both stacks, and a remote-write gateway", () => {
        for (const file of files) {
            const r = otelcolValidate(file);
            assert.equal(r.status, 0, `${file}:\n${r.output}`);
        }
    });

    it("refuses a misspelled component, a misspelled key and a wrong type in a copy of a rendered config", () => {
        const gateway = fs.readFileSync(files.find(f => f.endsWith(path.join("dev", "collector", "gateway.yaml")))!, "utf8");
        const dir = tempDir("otelcol");
        const mutants: [string, (c: Record<string, any>) => void, RegExp][] = [
            ["a component type the build lacks", c => { c.processors.tail_sampilng = c.processors.tail_sampling; delete c.processors.tail_sampling; for (const p of Object.values<any>(c.service.pipelines)) p.processors = p.processors.map((x: string) => (x === "tail_sampling" ? "tail_sampilng" : x)); }, /tail_sampilng/],
            ["a misspelled key", c => { c.exporters["otlp_grpc/tempo"].sending_queue.block_on_overfow = true; }, /block_on_overfow/],
            ["a queue sizer the collector does not know", c => { c.exporters["otlp_grpc/tempo"].sending_queue.sizer = "megabytes"; }, /megabytes|sizer/],
            ["a wrong value type", c => { c.processors.tail_sampling.decision_wait = "soon"; }, /decision_wait|soon/],
        ];
        for (const [what, mutate, error] of mutants) {
            const c = YAML.parse(gateway) as Record<string, any>;
            mutate(c);
            const file = path.join(dir, `${what.replace(/\W+/g, "-")}.yaml`);
            fs.writeFileSync(file, YAML.stringify(c));
            const r = otelcolValidate(file);
            assert.notEqual(r.status, 0, `${what} passed validate`);
            assert.match(r.output, error, what);
        }
    });
});
