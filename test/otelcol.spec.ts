// The rendered collector configs against the real OpenTelemetry Collector: two distributions built by the Collector
// Builder from Go modules (`npm run build:otelcol`), otelcol-obs (otelcol/builder.yaml) for the agents and
// Alertmanager's forwarder, otelcol-obs-gateway (otelcol/gateway.builder.yaml) for the gateway, each at the release
// of the contrib image its role deploys. `validate` loads each config as the pods would: every component must exist
// and unmarshal.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { parseStackConfig } from "../components/config";
import { backendBase } from "../components/plan";
import { renderCollectors } from "../components/render/collector/index";
import { COLLECTOR_IMAGE, type OtelConfig } from "../components/render/collector/otel";
import { builderManifest, type Distribution, otelcolBinary, otelcolComponents, otelcolValidate } from "./helpers/otelcol";
import { renderedStack } from "./helpers/rendered";
import { tempDir } from "./helpers/temp";

const KINDS = ["receivers", "processors", "exporters", "extensions", "connectors"] as const;
/** Each rendered collector config and the distribution that runs it. */
const ROLES: ReadonlyArray<readonly [string, Distribution]> = [["agent", "agent"], ["alertmanager-forwarder", "agent"], ["gateway", "gateway"]];

/** A stack render's three collector configs, as files, with their distributions. */
async function configFiles(stack: string): Promise<Array<[string, Distribution]>> {
    const { outDir } = await renderedStack(stack);
    return ROLES.map(([r, d]) => [path.join(outDir, "collector", `${r}.yaml`), d]);
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

describe("the real collectors (otelcol-obs for the agents, otelcol-obs-gateway for the gateway)", function () {
    this.timeout(300000);
    const files: Array<[string, Distribution]> = [];
    before(async () => {
        otelcolBinary("agent");
        otelcolBinary("gateway");
        for (const stack of ["dev", "prod"]) files.push(...await configFiles(stack));
        files.push([remoteWriteGateway(), "gateway"]);
    });

    for (const d of ["agent", "gateway"] as const) {
        it(`${d}: one release, the image its role deploys, with exactly the components its rendered configs use`, () => {
            const m = builderManifest(d);
            assert.equal(m.version, COLLECTOR_IMAGE.tags[d], "the collector tested is the collector deployed");
            assert.deepEqual(m.modules.filter(x => x.version !== `v${m.version}`), [], "every module at the one release");
            const version = spawnSync(otelcolBinary(d), ["--version"], { encoding: "utf8" }).stdout;
            assert.match(version, new RegExp(`version ${m.version.replace(/\./g, "\\.")}\\b`));
            const built = otelcolComponents(d);
            // The binary lists each component by its name at this release: a config using a deprecated alias (otlphttp
            // for otlp_http, hostmetrics for host_metrics, ...; it loads, with a warning at start) does not match.
            const builtIds = KINDS.flatMap(k => (built[k] ?? []).map(c => `${k}/${c.name}`)).sort();
            const configs = files.filter(([, x]) => x === d).map(([f]) => YAML.parse(fs.readFileSync(f, "utf8")) as OtelConfig);
            assert.deepEqual(builtIds, [...new Set(configs.flatMap(componentsOf))].sort());
        });
    }

    it("validates every rendered config with its role's collector: agent, gateway and Alertmanager's forwarder of both stacks (prod's gateway reads Kafka), and a remote-write gateway", () => {
        for (const [file, d] of files) {
            const r = otelcolValidate(file, d);
            assert.equal(r.status, 0, `${file}:\n${r.output}`);
        }
    });

    it("refuses a misspelled component, a misspelled key and a wrong type in a copy of a rendered config", () => {
        const gateway = fs.readFileSync(files.find(([f]) => f.endsWith(path.join("dev", "collector", "gateway.yaml")))![0], "utf8");
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
            const r = otelcolValidate(file, "gateway");
            assert.notEqual(r.status, 0, `${what} passed validate`);
            assert.match(r.output, error, what);
        }
    });
});
