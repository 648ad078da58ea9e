// Prod that survives a zone, as the rendered values say it: zone-aware replication of the ingesters and Mimir's
// store-gateways pinned to the configured zones, every other replicated workload spread over them, the data path
// under its PriorityClass; dev (one host) none of it.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { ConfigError, parseStackConfig } from "../components/config";
import { backendBase } from "../components/plan";
import { DATA_PATH_PRIORITY, DATA_PATH_PRIORITY_CLASS, ZONE_LABEL } from "../components/render/backends/common";
import { renderStoringBackend } from "../components/render/backends/index";
import { grafanaDatabaseValues } from "./helpers/grafana-database";
import { renderedStack } from "./helpers/rendered";

type Values = Record<string, any>;
const ZONES = ["eu-west-1a", "eu-west-1b", "eu-west-1c"];
const OIDC = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";
const SECRETS = { kubeconfig: "apiVersion: v1", pagerdutyRoutingKey: "routing-key", deadMansSwitchUrl: "https://hc-ping.example.com/beat" };
const prodConfig = (values: Record<string, string> = {}) =>
    parseStackConfig("prod", { values: { oidcProviderArn: OIDC, domain: "obs.example.com", ...grafanaDatabaseValues(), ...values }, secrets: SECRETS, awsRegion: "eu-west-1" });

/** The zone a chart zone entry is pinned to. */
const pinned = (zone: Values) => zone.nodeSelector[ZONE_LABEL];
const spreadOverZones = (constraints: unknown): boolean => {
    const list = typeof constraints === "string" ? YAML.parse(constraints) : Array.isArray(constraints) ? constraints : constraints ? [constraints] : [];
    return list.some((c: Values) => c.topologyKey === ZONE_LABEL && c.maxSkew === 1 && c.whenUnsatisfiable === "DoNotSchedule");
};

describe("prod survives a zone", () => {
    const values: Record<string, Record<string, Values>> = {};
    const resources: Record<string, Values[]> = {};
    before(async () => {
        for (const stack of ["dev", "prod"]) {
            const { outDir } = await renderedStack(stack);
            const dir = path.join(outDir, "helm");
            values[stack] = Object.fromEntries(fs.readdirSync(dir).filter(f => f.endsWith(".values.yaml"))
                .map(f => [f.replace(".values.yaml", ""), YAML.parse(fs.readFileSync(path.join(dir, f), "utf8"))]));
            resources[stack] = JSON.parse(fs.readFileSync(path.join(outDir, "resources.json"), "utf8"));
        }
    });

    it("replicates the ingesters and Mimir's store-gateways across the zones, each zone's StatefulSet pinned to it", () => {
        const { mimir, loki, tempo } = values.prod;
        // prod's Mimir is on Kafka: two ingester zones, each a whole copy of the partitions (3 ingesters each).
        assert.deepEqual(mimir.ingester.zoneAwareReplication.zones.map(pinned), ZONES.slice(0, 2));
        assert.deepEqual(mimir.ingester.zoneAwareReplication.zones.map((z: Values) => z.name), ["zone-a", "zone-b"]);
        assert.equal(mimir.ingester.replicas, 6);
        assert.deepEqual(mimir.store_gateway.zoneAwareReplication.zones.map(pinned), ZONES);
        assert.equal(mimir.store_gateway.replicas, 3);
        assert.equal(mimir.rollout_operator.enabled, true, "zone StatefulSets update OnDelete: the rollout-operator rolls them");
        assert.deepEqual([loki.ingester.zoneAwareReplication.zoneA, loki.ingester.zoneAwareReplication.zoneB, loki.ingester.zoneAwareReplication.zoneC].map(pinned), ZONES);
        assert.equal(loki.ingester.replicas, 3);
        assert.deepEqual(tempo.ingester.zoneAwareReplication.zones.map(pinned), ZONES);

        // Without Kafka, Mimir's ingesters replicate classically: one per zone, RF 3.
        const classic = renderStoringBackend("mimir", { ...backendBase(prodConfig({ kafka: "off" })), buckets: {}, identities: { mimir: { roleArn: "r" }, loki: { roleArn: "r" }, tempo: { roleArn: "r" } } });
        const v = classic.values as Values;
        assert.deepEqual([v.ingester.zoneAwareReplication.zones.map(pinned), v.ingester.replicas], [ZONES, 3]);
    });

    it("spreads every other replicated workload over the zones, and gives the data path its PriorityClass", () => {
        const p = values.prod;
        const spread: Array<[string, Values]> = [
            ...["distributor", "querier", "query_frontend", "query_scheduler", "ruler"].map(c => [`mimir ${c}`, p.mimir[c]] as [string, Values]),
            ...["distributor", "querier", "queryFrontend", "queryScheduler", "indexGateway"].map(c => [`loki ${c}`, p.loki[c]] as [string, Values]),
            ...["distributor", "querier", "queryFrontend", "metricsGenerator"].map(c => [`tempo ${c}`, p.tempo[c]] as [string, Values]),
            ["alertmanager", p.alertmanager], ["otel-gateway", p["otel-gateway"]], ["grafana", p.grafana],
            ...["chunks-cache", "index-cache", "metadata-cache", "results-cache"].map(c => [`mimir ${c}`, p.mimir[c]] as [string, Values]),
            ...["chunksCache", "resultsCache"].map(c => [`loki ${c}`, p.loki[c]] as [string, Values]),
        ];
        for (const [what, v] of spread) {
            assert.ok(v.replicas > 1 || v.replicaCount > 1 || what === "otel-gateway", `${what} is replicated`);
            assert.ok(spreadOverZones(v.topologySpreadConstraints), `${what}: ${JSON.stringify(v.topologySpreadConstraints)}`);
        }
        const dataPath: Array<[string, Values]> = [
            ["mimir distributor", p.mimir.distributor], ["mimir ingester", p.mimir.ingester], ["loki distributor", p.loki.distributor], ["loki ingester", p.loki.ingester],
            ["tempo distributor", p.tempo.distributor], ["tempo ingester", p.tempo.ingester], ["alertmanager", p.alertmanager],
            ["otel-gateway", p["otel-gateway"]], ["otel-agent", p["otel-agent"]],
        ];
        for (const [what, v] of dataPath) assert.equal(v.priorityClassName, DATA_PATH_PRIORITY_CLASS, what);
        assert.equal(p.mimir.querier.priorityClassName, undefined, "the read path keeps the default priority");
        const classes = resources.prod.filter(r => r.type === "kubernetes:scheduling.k8s.io/v1:PriorityClass");
        assert.deepEqual(classes.map(r => [r.inputs.metadata.name, r.inputs.value, r.inputs.globalDefault]), [[DATA_PATH_PRIORITY_CLASS, DATA_PATH_PRIORITY, false]]);
    });

    it("dev (one host) has no zones, no spread over zones and no PriorityClass", () => {
        const text = JSON.stringify(values.dev);
        assert.doesNotMatch(text, new RegExp(ZONE_LABEL.replace(/\./g, "\\.")));
        assert.doesNotMatch(text, new RegExp(DATA_PATH_PRIORITY_CLASS));
        assert.equal(values.dev.mimir.rollout_operator.enabled, false);
        assert.equal(resources.dev.filter(r => r.type === "kubernetes:scheduling.k8s.io/v1:PriorityClass").length, 0);
    });

    it("reads three zones of the stack's region, in prod only", () => {
        assert.deepEqual(prodConfig({ availabilityZones: JSON.stringify(["eu-west-1b", "eu-west-1c", "eu-west-1a"]) }).zones, ["eu-west-1b", "eu-west-1c", "eu-west-1a"]);
        const problems = (f: () => unknown) => { try { f(); return []; } catch (e) { return (e as ConfigError).problems.map(p => `${p.key.replace("observability-stack:", "")}=${JSON.stringify(p.value)}: ${p.message}`); } };
        assert.deepEqual(problems(() => prodConfig({ availabilityZones: JSON.stringify(["eu-west-1a", "eu-west-1b"]) })), ['availabilityZones=["eu-west-1a","eu-west-1b"]: 2 distinct zones given']);
        assert.deepEqual(problems(() => prodConfig({ availabilityZones: JSON.stringify(["eu-west-1a", "eu-west-1b", "us-east-1a"]) })), ['availabilityZones="us-east-1a": not in the stack\'s region eu-west-1']);
        assert.deepEqual(problems(() => prodConfig({ availabilityZones: JSON.stringify(["eu-west-1a", "eu-west-1a", "eu-west-1b"]) })), ['availabilityZones=["eu-west-1a","eu-west-1a","eu-west-1b"]: 2 distinct zones given']);
        assert.deepEqual(problems(() => parseStackConfig("dev", { values: { adminCidrs: JSON.stringify(["198.51.100.10/32"]), availabilityZones: JSON.stringify(ZONES) }, secrets: {}, awsRegion: "eu-west-1" })),
            [`availabilityZones=${JSON.stringify(ZONES)}: only read in prod on an existing cluster (dev runs on one host)`]);
    });
});
