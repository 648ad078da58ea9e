// The backend releases as the real program renders them for both stacks: what would break a deploy that
// "works" (ignored values, retention that never deletes, static keys, unverified TLS, unbounded containers).
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { CHARTS, TLS_DIR } from "../components/render/backends/common";
import { parseCpu, parseMemory } from "../components/render/capacity";
import { grafanaDatabaseValues } from "./helpers/grafana-database";
import { renderedStack } from "./helpers/rendered";

type Res = { type: string; name: string; parent: string | null; inputs: Record<string, any> };
type Values = Record<string, any>;
interface Stack { resources: Res[]; releases: { name: string; chart: string; version: string; repository: string; values: string }[]; values: Record<string, Values>; summary: string }

const REFERENCE = path.resolve(__dirname, "../reference/charts");

/** Every container `resources` map in a values tree, with its path (not RBAC rules, PVC templates or collector configs). */
function resourceMaps(v: unknown, at = ""): [string, any][] {
    if (Array.isArray(v)) return v.flatMap((x, i) => resourceMaps(x, `${at}[${i}]`));
    if (v === null || typeof v !== "object") return [];
    return Object.entries(v).flatMap(([k, x]) => (k === "alternateConfig" || k === "volumeClaimTemplates" ? [] : k === "resources" && x && typeof x === "object" && !Array.isArray(x)
        ? [[`${at}${k}`, x] as [string, any]] : resourceMaps(x, `${at}${k}.`)));
}

function get(v: Values, dotted: string): any {
    return dotted.split(".").reduce((o: any, k) => (o === undefined || o === null ? undefined : o[k]), v);
}

describe("backend releases (rendered stacks)", () => {
    const stacks: Record<string, Stack> = {};
    before(async () => {
        for (const stack of ["dev", "prod"]) {
            const { outDir } = await renderedStack(stack);
            const releases = JSON.parse(fs.readFileSync(path.join(outDir, "helm/releases.json"), "utf8"));
            const values = Object.fromEntries(releases.map((r: { name: string; values: string }) =>
                [r.name, YAML.parse(fs.readFileSync(path.join(outDir, "helm", r.values), "utf8"))]));
            stacks[stack] = {
                resources: JSON.parse(fs.readFileSync(path.join(outDir, "resources.json"), "utf8")),
                releases, values, summary: fs.readFileSync(path.join(outDir, "summary.md"), "utf8"),
            };
        }
    });

    it("pins every chart to an exact version with a reference, from its 2026 home", () => {
        const otel = ["opentelemetry-collector", "opentelemetry-collector"];
        const expected = { dev: ["alertmanager", "grafana", "loki", "mimir-distributed", ...otel, "tempo"], prod: ["alertmanager", "grafana", "loki", "mimir-distributed", ...otel, "tempo-distributed"] };
        for (const stack of ["dev", "prod"] as const) {
            const { releases, resources } = stacks[stack];
            assert.deepEqual(releases.map(r => r.chart).sort(), expected[stack]);
            for (const r of releases) {
                const pin = Object.values(CHARTS).find(c => c.chart === r.chart)!;
                assert.deepEqual([r.version, r.repository], [pin.version, pin.repository], r.name);
                assert.match(r.version, /^\d+\.\d+\.\d+$/);
                assert.ok(fs.existsSync(path.join(REFERENCE, `${r.chart}-${r.version}.keys.json`)), `${r.chart} ${r.version} has a reference`);
            }
            // Real Helm installs (hooks, lookup) on the cluster's provider, in the backends' namespace.
            const rel = resources.filter(r => r.type === "kubernetes:helm.sh/v3:Release");
            assert.equal(rel.length, 7);
            assert.ok(rel.every(r => r.inputs.namespace === (r.inputs.name === "otel-agent" ? "observability-agents" : "observability") && r.inputs.atomic === true));
        }
        assert.equal(stacks.dev.values.loki.deploymentMode, "Monolithic");
        assert.equal(stacks.prod.values.loki.deploymentMode, "Distributed");
    });

    it("retention: each backend keeps data exactly as long as its bucket's lifecycle allows, minus the margin (both stacks)", () => {
        const retention = { dev: { metrics: 15, logs: 7, traces: 3 }, prod: { metrics: 90, logs: 30, traces: 14 } };
        for (const stack of ["dev", "prod"] as const) {
            const { values, resources } = stacks[stack];
            const expiry = (store: string) => {
                const lc = resources.find(r => r.type.endsWith(":BucketLifecycleConfiguration") && r.name === `obs-${stack}-s3-${store}`)!;
                return lc.inputs.rules.find((x: any) => x.id === "expire-after-retention").expiration.days as number;
            };
            const margin = expiry("loki-chunks") - retention[stack].logs;
            assert.equal(margin, 7, "lifecycleMarginDays default");
            const days = (d: string, unit: "h" | "d") => { const m = new RegExp(`^(\\d+)${unit}$`).exec(d); assert.ok(m, d); return unit === "h" ? Number(m[1]) / 24 : Number(m[1]); };

            const loki = days(values.loki.loki.limits_config.retention_period, "h");
            assert.equal(values.loki.loki.compactor.retention_enabled, true);
            assert.equal(values.loki.loki.compactor.delete_request_store, "s3");
            const tempoConfig = stack === "dev" ? YAML.parse(values.tempo.config).compactor.compaction.block_retention : values.tempo.compactor.config.compaction.block_retention;
            const tempo = days(tempoConfig, "h");
            const mimir = days(values.mimir.mimir.structuredConfig.limits.compactor_blocks_retention_period, "d");

            assert.deepEqual({ metrics: mimir, logs: loki, traces: tempo }, retention[stack]);
            assert.equal(expiry("mimir-blocks"), mimir + margin);
            assert.equal(expiry("loki-chunks"), loki + margin);
            assert.equal(expiry("tempo-traces"), tempo + margin);
        }
    });

    it("stores in the stack's buckets with no static credentials: one IRSA role per backend, in dev (the k3s host's issuer) and prod", () => {
        for (const stack of ["dev", "prod"] as const) {
            const { values, resources } = stacks[stack];
            const text = JSON.stringify(values);
            // (prod Grafana's [security] secret_key is read from its mounted Secret: a $__file reference, no key.)
            assert.doesNotMatch(text, /"(access_?key(_id)?|secret_?(access_)?key|accessKeyId|secretAccessKey)":"(?!\$__file\{\/etc\/grafana\/)[^"]/i, "no static key anywhere");
            const bucket = (store: string) => resources.find(r => r.type === "aws:s3/bucket:Bucket" && r.name === `obs-${stack}-s3-${store}`)!;
            assert.ok(bucket("loki-chunks"));
            assert.equal(values.loki.loki.storage.type, "s3");
            assert.equal(values.mimir.mimir.structuredConfig.common.storage.backend, "s3");
            assert.equal(values.mimir.minio.enabled, false);
            assert.equal(stack === "dev" ? YAML.parse(values.tempo.config).storage.trace.backend : values.tempo.storage.trace.backend, "s3");
            const roles = resources.filter(r => r.type === "aws:iam/role:Role" && r.name.endsWith("-irsa"));
            for (const backend of ["loki", "tempo", "mimir"]) {
                const annotations = values[backend].serviceAccount.annotations;
                assert.match(annotations["eks.amazonaws.com/role-arn"], /^arn:aws:iam::\d{12}:role\//);
                const role = roles.find(r => r.name === `obs-${stack}-${backend}-irsa`)!;
                const trust = JSON.parse(role.inputs.assumeRolePolicy).Statement[0];
                assert.deepEqual(Object.values(trust.Condition.StringEquals), [`system:serviceaccount:observability:${values[backend].serviceAccount.name}`, "sts.amazonaws.com"]);
                // The role may touch only this backend's buckets.
                const policy = resources.find(r => r.type === "aws:iam/rolePolicy:RolePolicy" && r.name === `obs-${stack}-${backend}-irsa`)!;
                const arns: string[] = JSON.parse(policy.inputs.policy).Statement.flatMap((s: any) => [].concat(s.Resource));
                assert.ok(arns.length > 0 && arns.every(a => a.includes(`-${backend}-`) || a.startsWith("arn:aws:kms")), `${backend}: ${arns.join(", ")}`);
            }
            assert.equal(roles.length, 3);
        }
    });

    it("TLS: servers use their mounted certificate, internal clients verify a name the certificate carries", () => {
        for (const stack of ["dev", "prod"] as const) {
            const { values, resources } = stacks[stack];
            const sans = (identity: string): string[] =>
                resources.find(r => r.type === "tls:index/certRequest:CertRequest" && r.name === `obs-${stack}-pki-server-${identity}-csr`)!.inputs.dnsNames;
            const secret = (name: string) => resources.find(r => r.type === "kubernetes:core/v1:Secret" && r.inputs.metadata.name === name);
            const configs: Record<string, Values> = {
                loki: { ...values.loki.loki, ...values.loki.loki.structuredConfig },
                mimir: values.mimir.mimir.structuredConfig,
                tempo: stack === "dev" ? YAML.parse(values.tempo.config) : { ...values.tempo.tempo.structuredConfig },
            };
            for (const [backend, cfg] of Object.entries(configs)) {
                assert.ok(secret(`${backend}-tls`), `${backend}-tls Secret`);
                assert.equal(cfg.server.grpc_tls_config.cert_file, `${TLS_DIR}/tls.crt`, `${backend} gRPC TLS`);
                const clients = [cfg.ingester_client?.grpc_client_config, cfg.memberlist, cfg.querier?.frontend_worker?.grpc_client_config ?? cfg.frontend_worker?.grpc_client_config].filter(Boolean);
                assert.ok(clients.length >= 2, backend);
                for (const c of clients) {
                    assert.equal(c.tls_enabled, true, backend);
                    assert.ok(sans(backend).includes(c.tls_server_name), `${backend}: ${c.tls_server_name} is a SAN`);
                }
            }
            assert.equal(values.loki.loki.server.http_tls_config.client_ca_file, `${TLS_DIR}/ca.crt`);
            assert.equal(values.loki.loki.readinessProbe.httpGet.scheme, "HTTPS");
            // Grafana verifies every HTTPS datasource against the CA, with the server name from the URL.
            const datasources: Values[] = values.grafana.datasources["datasources.yaml"].datasources;
            const https = datasources.filter(d => d.url.startsWith("https://"));
            assert.ok(https.some(d => d.type === "loki"));
            for (const d of https) {
                assert.equal(d.jsonData.tlsAuthWithCACert, true, d.name);
                assert.equal(d.jsonData.serverName, new URL(d.url).hostname);
                assert.ok(sans(d.uid).includes(d.jsonData.serverName), `${d.name}: server name is a SAN`);
                assert.match(d.secureJsonData.tlsCACert, /^\$__file\{/, "CA read from the mounted Secret, not inline");
            }
            assert.equal(secret("alertmanager-tls")!.inputs.stringData, "[secret]");
        }
        assert.equal(stacks.prod.values.tempo.defaults.readinessProbe.httpGet.scheme, "HTTPS");
        assert.equal(stacks.prod.values.tempo.tempo.readinessProbe, null, "the plain-HTTP chart probe is deleted (real null)");
        assert.ok(stacks.dev.values.tempo.config.includes("client_ca_file"), "OTLP receivers verify client certificates");
    });

    it("every container of every release has CPU and memory requests and limits, limits ≥ requests", () => {
        for (const stack of ["dev", "prod"] as const) {
            for (const [release, values] of Object.entries(stacks[stack].values)) {
                const maps = resourceMaps(values);
                assert.ok(maps.length > 0, release);
                for (const [at, r] of maps) {
                    for (const kind of ["cpu", "memory"] as const) {
                        const parse = kind === "cpu" ? parseCpu : parseMemory;
                        assert.ok(r.requests?.[kind] && r.limits?.[kind], `${stack} ${release} ${at}: ${kind} request and limit`);
                        assert.ok(parse(r.limits[kind]) >= parse(r.requests[kind]), `${stack} ${release} ${at}: ${kind} limit below request`);
                    }
                }
            }
        }
    });

    it("no container of a pinned chart is left without resources: each resources key is set or its component is off", () => {
        // Components these charts keep off by default (so the values need not mention them).
        const offByDefault: Record<string, string[]> = {
            loki: ["tableManager", "gateway.metrics", "chunksCache.l2"],
            // ruler_querier/_query_frontend/_query_scheduler run only with ruler.remoteEvaluationDedicatedQueryPath.
            "mimir-distributed": ["metaMonitoring.grafanaAgent", "ruler_querier", "ruler_query_frontend", "ruler_query_scheduler"],
            // backendWorker runs only with backendScheduler, which the values switch off.
            "tempo-distributed": ["backendWorker", "adminApi", "enterpriseFederationFrontend", "enterpriseGateway", "memcachedBloom", "memcachedFrontendSearch", "memcachedParquetFooter", "queryFrontend.query", "defaults"],
            tempo: [],
            grafana: [],
            alertmanager: [],
            "opentelemetry-collector": [],
        };
        const missing: string[] = [];
        for (const stack of ["dev", "prod"] as const) {
            for (const rel of stacks[stack].releases) {
                const keys = JSON.parse(fs.readFileSync(path.join(REFERENCE, `${rel.chart}-${rel.version}.keys.json`), "utf8")).keys as Record<string, string>;
                const values = stacks[stack].values[rel.name];
                for (const p of Object.keys(keys).filter(k => /(^|\.)resources$/.test(k))) {
                    const component = p.replace(/\.?resources$/, "");
                    const c = component === "" ? values : get(values, component);
                    const off = c !== undefined && (c.enabled === false || c.replicas === 0);
                    const offDefault = offByDefault[rel.chart].some(o => component === o || component.startsWith(o + "."));
                    const set = get(values, p);
                    if (!(off || offDefault || (set?.requests && set?.limits))) missing.push(`${stack} ${rel.name}: ${p}`);
                }
            }
        }
        assert.deepEqual(missing, [], "resources keys neither set nor disabled");
    });

    it("prod: replication factor 3, PodDisruptionBudgets and anti-affinity; dev: one replica each", () => {
        const p = stacks.prod.values;
        assert.equal(p.loki.loki.commonConfig.replication_factor, 3);
        assert.equal(p.mimir.mimir.structuredConfig.ingester.ring.replication_factor, 3);
        for (const [release, component] of [["loki", "ingester"], ["loki", "distributor"], ["mimir", "ingester"], ["mimir", "store_gateway"], ["tempo", "ingester"], ["tempo", "distributor"]]) {
            const c = p[release][component];
            // prod's Mimir is on Kafka: two ingester zones, each a whole copy of the partitions.
            assert.equal(c.replicas, release === "mimir" && component === "ingester" ? 6 : 3, `${release} ${component}`);
            const pdb = c.podDisruptionBudget;
            assert.ok(pdb && (pdb.maxUnavailable === 1 || pdb.enabled === true), `${release} ${component} PDB`);
            const affinity = typeof c.affinity === "string" ? YAML.parse(c.affinity) : c.affinity;
            const term = affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0];
            assert.equal(term.topologyKey, "kubernetes.io/hostname");
            assert.equal(term.labelSelector.matchLabels["app.kubernetes.io/instance"], release);
        }
        assert.equal(p.alertmanager.replicaCount, 3);
        const d = stacks.dev.values;
        assert.equal(d.loki.singleBinary.replicas, 1);
        assert.equal(d.mimir.mimir.structuredConfig.ingester.ring.replication_factor, 1);
        assert.equal(d.mimir.ingester.zoneAwareReplication.enabled, false);
        assert.equal(d.mimir.rollout_operator.enabled, false);
        // Classic architecture: Kafka's settings are deleted with real nulls, not dropped.
        assert.equal(d.mimir.mimir.structuredConfig.ingest_storage.kafka.address, null);
        assert.equal(d.mimir.kafka.enabled, false);
    });

    it("dev's summed requests fit the host with at least 20% headroom, as the render reports", () => {
        const m = /requests ([\d.]+) CPU \/ ([\d.]+) GiB of ([\d.]+) CPU \/ ([\d.]+) GiB allocatable \(headroom (\d+)% CPU, (\d+)% memory/.exec(stacks.dev.summary);
        assert.ok(m, stacks.dev.summary);
        const [cpu, mem, cpuAlloc, memAlloc] = m.slice(1, 5).map(Number);
        assert.ok(cpu <= 0.8 * cpuAlloc && mem <= 0.8 * memAlloc, m[0]);
        assert.ok(Number(m[5]) >= 20 && Number(m[6]) >= 20);
        assert.match(stacks.prod.summary, /requests [\d.]+ CPU \/ [\d.]+ GiB \(spread over/);
    });

    it("Grafana: the admin password is a RandomPassword in a Secret, referenced by name and never rendered", () => {
        for (const stack of ["dev", "prod"] as const) {
            const { values, resources } = stacks[stack];
            assert.equal(resources.filter(r => r.type === "random:index/randomPassword:RandomPassword" && r.name.endsWith("-grafana-admin")).length, 1);
            assert.deepEqual(values.grafana.admin, { existingSecret: "grafana-admin", userKey: "admin-user", passwordKey: "admin-password" });
            assert.equal(values.grafana.adminPassword, undefined);
            const admin = resources.find(r => r.type === "kubernetes:core/v1:Secret" && r.inputs.metadata.name === "grafana-admin")!;
            assert.equal(admin.inputs.stringData, "[secret]");
            assert.doesNotMatch(JSON.stringify(values), /offline-password-/);
            const uids = values.grafana.datasources["datasources.yaml"].datasources.map((d: Values) => d.uid).sort();
            assert.deepEqual(uids, ["alertmanager", "loki", "mimir", "tempo"]);
        }
    });

    it("Mimir's ruler sends to the Alertmanager release; Tempo's generator remote-writes to Mimir with exemplars", () => {
        for (const stack of ["dev", "prod"] as const) {
            const { values } = stacks[stack];
            const ruler = values.mimir.mimir.structuredConfig.ruler;
            assert.equal(ruler.alertmanager_url, "https://alertmanager.observability.svc:9093");
            assert.equal(ruler.alertmanager_client.tls_server_name, "alertmanager.observability.svc");
            assert.equal(values.alertmanager.fullnameOverride, "alertmanager");
            const gen = stack === "dev" ? YAML.parse(values.tempo.config).metrics_generator : values.tempo.metricsGenerator.config;
            assert.deepEqual(gen.storage.remote_write, [{
                url: "https://mimir-distributor.observability.svc:8080/api/v1/push", send_exemplars: true,
                tls_config: { ca_file: `${TLS_DIR}/ca.crt`, cert_file: `${TLS_DIR}/client.crt`, key_file: `${TLS_DIR}/client.key`, server_name: "mimir-distributor.observability.svc", insecure_skip_verify: false, min_version: "TLS12" },
            }]);
            assert.ok(values.mimir.mimir.structuredConfig.limits.max_global_exemplars_per_user > 0);
            const overrides = stack === "dev" ? YAML.parse(values.tempo.config).overrides : values.tempo.overrides;
            assert.deepEqual(overrides.defaults.metrics_generator.processors, ["service-graphs", "span-metrics"]);
        }
    });
});

describe("planned storing releases", () => {
    const { parseStackConfig } = require("../components/config") as typeof import("../components/config");
    const { planStack } = require("../components/plan") as typeof import("../components/plan");
    const { fillPlaceholders, renderStoringBackend } = require("../components/render/backends/index") as typeof import("../components/render/backends/index");
    const prod = parseStackConfig("prod", {
        values: { oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE", domain: "obs.example.com", ...grafanaDatabaseValues() },
        secrets: { kubeconfig: "k", pagerdutyRoutingKey: "p", deadMansSwitchUrl: "https://hc-ping.example.com/beat" },
        awsRegion: "eu-west-1",
    });
    const names: Record<string, string> = { "loki-chunks": "b-chunks", "loki-ruler": "b-ruler", "tempo-traces": "b-traces", "mimir-blocks": "b-blocks", "mimir-alertmanager": "b-am" };

    it("are rendered once with placeholders, filled with the real names and roles into what a render of them gives", () => {
        const plan = planStack(prod);
        for (const backend of ["loki", "tempo", "mimir"] as const) {
            const planned = JSON.stringify(plan.backends[backend].values);
            assert.match(planned, new RegExp(`<role:${backend}>`), `${backend}: the IRSA role is a placeholder`);
            const roleArn = `arn:aws:iam::123456789012:role/${backend}`;
            const filled = fillPlaceholders(plan.backends[backend].values, backend, names, roleArn);
            const direct = renderStoringBackend(backend, { ...plan.base, buckets: names, identities: { loki: { roleArn }, tempo: { roleArn }, mimir: { roleArn } } }).values;
            assert.deepEqual(filled, direct, backend);
            assert.doesNotMatch(JSON.stringify(filled), /<(role:)?[a-z0-9-]+>/);
        }
    });

    it("refuses to fill a planned release when a bucket name or the role is missing", () => {
        const plan = planStack(prod);
        const { "loki-ruler": _ruler, ...withoutRuler } = names;
        assert.throws(() => fillPlaceholders(plan.backends.loki.values, "loki", withoutRuler, "arn:aws:iam::123456789012:role/loki"), /placeholder <loki-ruler>/);
        assert.throws(() => fillPlaceholders(plan.backends.loki.values, "loki", names), /placeholder <role:loki>/);
    });
});

describe("Pod Security restricted and service accounts: the value paths the pinned charts read", () => {
    const { evaluatePod } = require("../offline/pod-security") as typeof import("../offline/pod-security");
    const values: Record<string, Record<string, Values>> = {};
    const charts: Record<string, Record<string, string>> = {};
    before(async () => {
        for (const stack of ["dev", "prod"]) {
            const { outDir } = await renderedStack(stack);
            const releases: { name: string; chart: string; values: string }[] = JSON.parse(fs.readFileSync(path.join(outDir, "helm/releases.json"), "utf8"));
            const mine = releases.filter(r => !r.name.startsWith("otel-"));
            values[stack] = Object.fromEntries(mine.map(r => [r.name, YAML.parse(fs.readFileSync(path.join(outDir, "helm", r.values), "utf8"))]));
            charts[stack] = Object.fromEntries(mine.map(r => [r.name, r.chart]));
        }
    });

    // Learned from `helm template` of each pinned chart (docs/architecture.md, "Pod Security"): per pod template, the
    // value of its pod securityContext and those of its containers; values that must hold (components whose
    // containers have no settable context off, tokens not mounted, no RBAC). Mimir and Tempo-distributed merge or
    // coalesce a component's own context over these: the values set none (checked below).
    const MIMIR = ["distributor", "ingester", "querier", "query_frontend", "query_scheduler", "store_gateway", "compactor", "ruler"];
    const CHARTS_READ: Record<string, { pods: [string, string[]][]; must: Record<string, unknown> }> = {
        alertmanager: {
            // extraContainers: the metrics-forwarder sidecar (the chart copies the container as given).
            pods: [["podSecurityContext", ["securityContext", "extraContainers.0.securityContext"]]],
            must: { "configmapReload.enabled": false, automountServiceAccountToken: false },
        },
        grafana: {
            pods: [["securityContext", ["containerSecurityContext"]]],
            must: {
                "initChownData.enabled": false, "imageRenderer.enabled": false, "testFramework.enabled": false,
                ...Object.fromEntries(["dashboards", "datasources", "alerts", "notifiers", "plugins"].map(s => [`sidecar.${s}.enabled`, false])),
                automountServiceAccountToken: false, "serviceAccount.automountServiceAccountToken": false, "rbac.create": false,
            },
        },
        loki: {
            pods: [["loki.podSecurityContext", ["loki.containerSecurityContext"]], ["memcached.podSecurityContext", ["memcached.containerSecurityContext", "memcachedExporter.containerSecurityContext"]]],
            must: {
                "gateway.enabled": false, "lokiCanary.enabled": false, "test.enabled": false, "minio.enabled": false, "sidecar.rules.enabled": false, "rollout_operator.enabled": false,
                "serviceAccount.automountServiceAccountToken": false, "defaults.automountServiceAccountToken": false, "rbac.namespaced": true,
            },
        },
        "mimir-distributed": {
            // prod's rollout-operator (zone StatefulSets) has its own pod and container contexts.
            pods: [
                ["rbac.podSecurityContext", [...MIMIR.map(c => `${c}.containerSecurityContext`), "memcached.containerSecurityContext", "memcachedExporter.containerSecurityContext"]],
                ["rollout_operator.podSecurityContext", ["rollout_operator.securityContext"]],
            ],
            must: {
                ...Object.fromEntries(["minio", "gateway", "kafka", "alertmanager", "overrides_exporter", "continuous_test"].map(c => [`${c}.enabled`, false])),
                "serviceAccount.create": false, "extraObjects.0.kind": "ServiceAccount", "extraObjects.0.automountServiceAccountToken": false,
            },
        },
        tempo: {
            pods: [["securityContext", ["tempo.securityContext"]]],
            must: { "tempoQuery.enabled": false, "serviceAccount.automountServiceAccountToken": false },
        },
        "tempo-distributed": {
            pods: [["tempo.podSecurityContext", ["tempo.securityContext"]]],
            must: { "minio.enabled": false, "gateway.enabled": false, "serviceAccount.automountServiceAccountToken": false },
        },
    };

    /** Every key of a values tree that holds a security context, as a dotted path. */
    const contextPaths = (v: unknown, at = ""): string[] => (v === null || typeof v !== "object" ? [] : Object.entries(v).flatMap(([k, x]) =>
        /securityContext$/i.test(k) ? [`${at}${k}`] : contextPaths(x, `${at}${k}.`)));

    it("every pod of the five releases meets restricted with the contexts its chart reads, and no other context is set", () => {
        for (const stack of ["dev", "prod"] as const) {
            for (const [release, v] of Object.entries(values[stack])) {
                const read = CHARTS_READ[charts[stack][release]];
                assert.ok(read, `${stack} ${release}: a chart with a table entry`);
                for (const [pod, containers] of read.pods) {
                    // A pod of an optional component that is off (dev's rollout-operator) has no context to check.
                    if (get(v, `${pod.split(".")[0]}.enabled`) === false) continue;
                    const spec = { securityContext: get(v, pod), containers: containers.map(c => ({ name: c, securityContext: get(v, c) })) };
                    assert.ok(spec.securityContext && containers.every(c => get(v, c)), `${stack} ${release}: ${pod} and ${containers.join(", ")} are set`);
                    assert.deepEqual(evaluatePod(spec).map(x => `${x.container ?? pod}: ${x.field} ${x.message}`), [], `${stack} ${release}`);
                    assert.ok(spec.securityContext.runAsUser > 0 && spec.securityContext.fsGroup > 0, `${stack} ${release}: ${pod} names its user and fsGroup`);
                }
                const allowed = read.pods.flatMap(([pod, cs]) => [pod, ...cs]);
                assert.deepEqual(contextPaths(v).filter(p => !allowed.includes(p)), [], `${stack} ${release}: no other context overrides these`);
            }
        }
    });

    it("no token where nothing calls the Kubernetes API, no RBAC, the components without a settable context off", () => {
        for (const stack of ["dev", "prod"] as const) {
            for (const [release, v] of Object.entries(values[stack])) {
                const { must } = CHARTS_READ[charts[stack][release]];
                for (const [p, want] of Object.entries(must)) assert.equal(get(v, p), want, `${stack} ${release}: ${p}`);
            }
            // Mimir's own ServiceAccount is the one its pods use, and carries the IRSA annotation in prod.
            const mimir = values[stack].mimir;
            assert.deepEqual(mimir.extraObjects[0].metadata.name, mimir.serviceAccount.name);
            assert.deepEqual(mimir.extraObjects[0].metadata.annotations, mimir.serviceAccount.annotations);
        }
    });
});

describe("Mimir's OTLP translation", () => {
    it("matches what the rules and dashboards query: unit suffixes on, the label vocabulary's attributes promoted", async () => {
        const { PROMOTED_RESOURCE_ATTRIBUTES } = require("../components/render/rules/labels") as typeof import("../components/render/rules/labels");
        for (const stack of ["dev", "prod"]) {
            const { outDir } = await renderedStack(stack);
            const values = YAML.parse(fs.readFileSync(path.join(outDir, "helm/mimir.values.yaml"), "utf8"));
            const limits = values.mimir.structuredConfig.limits;
            assert.equal(limits.otel_metric_suffixes_enabled, true, stack);
            assert.deepEqual(limits.promote_otel_resource_attributes.split(","), [...PROMOTED_RESOURCE_ATTRIBUTES], stack);
        }
    });
});
