// The collector tier as the real program renders it: configs that pass the validator, a validator that rejects
// each broken variant, sizing derived from the limits, sampling and redaction that do what docs/collector.md describes.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { parseStackConfig } from "../components/config";
import { backendBase } from "../components/plan";
import { BackendBase } from "../components/render/backends/index";
import { collectorContext, renderCollectors } from "../components/render/collector/index";
import {
    CARD_NUMBER_PATTERNS, EMAIL_PATTERN, GENAI_CONTENT_PATTERN, probeSpanConditions, samplingPolicies, SECRET_KEY_PATTERN,
} from "../components/render/collector/gateway";
import { AGENT_NAMESPACE, COLLECTOR_TLS_DIR, OtelConfig } from "../components/render/collector/otel";
import { validateCollectors } from "../components/render/collector/validate";
import { SERVER_IDENTITIES, serverDnsNames } from "../components/render/pki";
import { grafanaDatabaseValues } from "./helpers/grafana-database";
import { renderedStack } from "./helpers/rendered";
import { runTool, tempFile } from "./helpers/tools";

const OIDC = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";
type Pair = { agent: OtelConfig; gateway: OtelConfig };

function base(stack: string, values: Record<string, string> = {}): BackendBase {
    const extra: Record<string, string> = stack === "dev" ? { adminCidrs: JSON.stringify(["198.51.100.10/32"]) } : { oidcProviderArn: OIDC, domain: "obs.example.com", ...grafanaDatabaseValues() };
    const secrets = stack === "prod" ? { kubeconfig: "apiVersion: v1", pagerdutyRoutingKey: "routing-key", deadMansSwitchUrl: "https://hc-ping.example.com/beat" } : {};
    return backendBase(parseStackConfig(stack, { values: { ...extra, ...values }, secrets, awsRegion: "eu-west-1" }));
}

const clone = <T>(v: T): T => structuredClone(v);

describe("collector tier", () => {
    const pairs: Record<string, Pair> = {};
    const helm: Record<string, Record<string, any>> = {};
    before(async () => {
        for (const stack of ["dev", "prod"]) {
            const { outDir } = await renderedStack(stack);
            const read = (f: string) => YAML.parse(fs.readFileSync(path.join(outDir, f), "utf8"));
            pairs[stack] = { agent: read("collector/agent.yaml"), gateway: read("collector/gateway.yaml") };
            helm[stack] = { agent: read("helm/otel-agent.values.yaml"), gateway: read("helm/otel-gateway.values.yaml") };
        }
    });

    it("both stacks render agent and gateway configs that pass the validator, as the releases run them", () => {
        for (const stack of ["dev", "prod"]) {
            assert.deepEqual(validateCollectors(pairs[stack]), [], stack);
            // The files are the releases' alternateConfig: what the chart writes to the ConfigMap, unmerged.
            assert.deepEqual(helm[stack].agent.alternateConfig, pairs[stack].agent);
            assert.deepEqual(helm[stack].gateway.alternateConfig, pairs[stack].gateway);
            assert.equal(helm[stack].agent.mode, "daemonset");
            assert.equal(helm[stack].gateway.mode, "statefulset");
        }
        // Every exporter of the gateway verifies its backend against the stack CA (Mimir's OTLP included).
        for (const [id, e] of Object.entries(pairs.prod.gateway.exporters as Record<string, any>)) if (!id.startsWith("kafka")) assert.equal(e.tls?.ca_file, "/etc/otelcol/tls/ca.crt", id);
    });

    it("rejects each broken variant with the rule it breaks", () => {
        const cases: Array<{ what: string; edit: (p: Pair) => void; problem: RegExp }> = [
            { what: "undefined processor", edit: p => p.gateway.service.pipelines.logs.processors.splice(1, 0, "transform/x"), problem: /pipeline logs names processor transform\/x, which is not defined/ },
            { what: "unused exporter", edit: p => { p.gateway.exporters["otlp_grpc/spare"] = clone(p.gateway.exporters["otlp_grpc/tempo"]); }, problem: /exporter otlp_grpc\/spare is defined but no pipeline uses it/ },
            { what: "unused receiver", edit: p => { p.agent.service.pipelines.metrics.receivers = ["otlp", "host_metrics", "prometheus"]; }, problem: /receiver kubelet_stats is defined but no pipeline uses it/ },
            { what: "memory_limiter not first", edit: p => p.agent.service.pipelines.logs.processors.reverse(), problem: /agent: pipeline logs must start with memory_limiter/ },
            { what: "tail_sampling in the agent", edit: p => {
                p.agent.processors.tail_sampling = clone(p.gateway.processors.tail_sampling);
                p.agent.service.pipelines.traces.processors.splice(1, 0, "tail_sampling");
            }, problem: /agent: tail_sampling runs only in the gateway/ },
            { what: "tail_sampling on metrics", edit: p => p.gateway.service.pipelines.metrics.processors.splice(1, 0, "tail_sampling"), problem: /pipeline metrics runs tail_sampling on metrics/ },
            { what: "traces to the gateway not by trace ID", edit: p => { p.agent.service.pipelines.traces.exporters = ["otlp_grpc/gateway"]; delete p.agent.exporters.load_balancing; }, problem: /sends traces through otlp_grpc\/gateway; the gateway's tail_sampling needs them through load_balancing/ },
            { what: "balancing by service", edit: p => { p.agent.exporters.load_balancing.routing_key = "service"; }, problem: /must route by traceID/ },
            { what: "insecure exporter", edit: p => { (p.gateway.exporters["otlp_grpc/tempo"].tls as any).insecure = true; }, problem: /exporters\.otlp_grpc\/tempo\.tls\.insecure is true/ },
            { what: "unverified kubelet", edit: p => { p.agent.receivers.kubelet_stats.insecure_skip_verify = true; }, problem: /receivers\.kubelet_stats\.insecure_skip_verify is true/ },
            { what: "plaintext endpoint", edit: p => { p.gateway.exporters["otlp_http/loki"].endpoint = "http://loki.observability.svc:3100/otlp"; }, problem: /otlp_http\/loki sends in plaintext/ },
            { what: "gRPC exporter without CA", edit: p => { delete (p.gateway.exporters["otlp_grpc/tempo"].tls as any).ca_file; }, problem: /otlp_grpc\/tempo must verify the server against the stack CA/ },
            { what: "receiver without client certificates", edit: p => { delete (p.gateway.receivers.otlp as any).protocols.grpc.tls.client_ca_file; }, problem: /receiver otlp grpc must serve TLS and require client certificates/ },
            { what: "no queue", edit: p => { delete p.gateway.exporters["otlp_grpc/tempo"].sending_queue; }, problem: /otlp_grpc\/tempo needs sending_queue\.enabled: true/ },
            { what: "in-memory queue", edit: p => { delete (p.agent.exporters["otlp_grpc/gateway"].sending_queue as any).storage; }, problem: /otlp_grpc\/gateway needs a persistent queue/ },
            { what: "a batch processor ahead of the gateway's queues", edit: p => {
                p.gateway.processors.batch = { timeout: "5s" };
                p.gateway.service.pipelines.logs.processors.push("batch");
            }, problem: /gateway: pipeline logs runs batch, which answers the sender before the data is in the persistent queue/ },
            { what: "a queue counted in requests", edit: p => { (p.gateway.exporters["otlp_http/loki"].sending_queue as any).sizer = "requests"; }, problem: /otlp_http\/loki must size its queue in bytes/ },
            { what: "a queue larger than half its file", edit: p => {
                const q = p.agent.exporters["otlp_grpc/gateway"].sending_queue as any;
                q.queue_size = Math.floor((p.agent.extensions.file_storage.max_size as number) / 2) + 1;
            }, problem: /otlp_grpc\/gateway queue_size \d+ bytes must be at most half of file_storage's max_size/ },
            { what: "queue files without a cap", edit: p => { delete p.gateway.extensions["file_storage/queue"].max_size; }, problem: /extension file_storage\/queue must cap each queue file/ },
            { what: "a full queue that drops", edit: p => { (p.gateway.exporters["otlp_grpc/tempo"].sending_queue as any).block_on_overflow = false; }, problem: /otlp_grpc\/tempo must push back when its queue is full/ },
            { what: "no retries", edit: p => { (p.gateway.exporters["otlp_http/mimir"].retry_on_failure as any).enabled = false; }, problem: /otlp_http\/mimir needs retry_on_failure\.enabled: true/ },
            { what: "pprof on every interface", edit: p => { p.gateway.extensions.pprof.endpoint = "0.0.0.0:1777"; }, problem: /extension pprof must listen on loopback/ },
            { what: "no health check", edit: p => { p.gateway.service.extensions = p.gateway.service.extensions.filter(e => e !== "health_check"); }, problem: /health_check must be enabled on port 13133/ },
            { what: "extension not enabled", edit: p => { p.agent.service.extensions = p.agent.service.extensions.filter(e => e !== "zpages"); }, problem: /extension zpages is defined but not enabled/ },
            { what: "a {{ the chart's tpl would eat", edit: p => { p.gateway.processors["attributes/redact"].actions = [{ key: "x", value: "{{ .Release.Name }}", action: "upsert" }]; }, problem: /contains "\{\{"/ },
            { what: "remote write without WAL", edit: p => {
                p.gateway.exporters["prometheus_remote_write/vm"] = { endpoint: "https://vm.example.com/api/v1/write", remote_write_queue: { enabled: true }, retry_on_failure: { enabled: true } };
                p.gateway.service.pipelines.metrics.exporters.push("prometheus_remote_write/vm");
            }, problem: /prometheus_remote_write\/vm needs a wal\.directory/ },
        ];
        for (const c of cases) {
            const pair = clone(pairs.dev);
            c.edit(pair);
            const problems = validateCollectors(pair);
            assert.ok(problems.some(p => c.problem.test(p)), `${c.what}: ${JSON.stringify(problems)}`);
        }
    });

    it("sizes memory_limiter, GOMEMLIMIT, requests and the HPA from config", () => {
        for (const [stack, values] of [["dev", {}], ["prod", { gatewayMemoryLimitMiB: "3000", agentMemoryLimitMiB: "768", gatewayMinReplicas: "4", gatewayMaxReplicas: "12" }]] as const) {
            const b = base(stack, values);
            const { agent, gateway } = renderCollectors(b);
            for (const [r, limit] of [[agent, b.collector.agent.memoryLimitMiB], [gateway, b.collector.gateway.memoryLimitMiB]] as const) {
                const v = r.values as any;
                assert.equal(v.resources.limits.memory, limit % 1024 === 0 ? `${limit / 1024}Gi` : `${limit}Mi`);
                assert.equal((r.config.processors.memory_limiter as any).limit_mib, Math.floor(limit * 0.8));
                assert.equal((r.config.processors.memory_limiter as any).spike_limit_mib, Math.floor(limit * 0.2));
                assert.deepEqual((v.extraEnvs as { name: string }[]).filter(e => e.name === "GOMEMLIMIT"), [{ name: "GOMEMLIMIT", value: `${Math.floor(limit * 0.8)}MiB` }]);
                assert.equal(v.useGOMEMLIMIT, false, "the chart's own GOMEMLIMIT would set it twice");
            }
            const hpa = (gateway.values as any).autoscaling;
            assert.deepEqual([hpa.enabled, hpa.minReplicas, hpa.maxReplicas], [true, b.collector.gateway.minReplicas, b.collector.gateway.maxReplicas]);
        }
        assert.deepEqual([base("prod").collector.gateway.minReplicas, base("prod", { gatewayMinReplicas: "4" }).collector.gateway.minReplicas], [3, 4]);
    });

    it("sizes every queue in bytes from the disk it lives on, so a queue fills (and its alert fires) before the disk does", () => {
        const variants: Array<[string, Record<string, string>]> = [
            ["dev", {}], ["prod", {}], ["dev", { gatewayQueueVolumeGiB: "40", agentQueueMiB: "3000" }],
            ["dev", { remoteWriteTargets: JSON.stringify([{ name: "vm", url: "https://vm.example.com/api/v1/write" }]) }],
        ];
        for (const [stack, values] of variants) {
            const b = base(stack, values);
            const { agent, gateway } = renderCollectors(b);
            const what = `${stack} ${JSON.stringify(values)}`;
            // The gateway's volume, as the StatefulSet claims it.
            const claim = (gateway.values as any).statefulset.volumeClaimTemplates[0].spec.resources.requests.storage as string;
            const volume = Number(/^(\d+)Gi$/.exec(claim)![1]) * 1024 ** 3;
            const disks: Array<[OtelConfig, string, number]> = [[gateway.config, "file_storage/queue", volume], [agent.config, "file_storage", b.collector.agent.queueMiB * 1024 ** 2]];
            for (const [config, storage, disk] of disks) {
                const cap = config.extensions[storage].max_size as number;
                const queues = Object.values(config.exporters).map(e => e.sending_queue as Record<string, any> | undefined).filter(q => q?.storage === storage);
                const wals = Object.values(config.exporters).filter(e => (e.wal as Record<string, unknown> | undefined)?.directory).length;
                assert.ok(queues.length > 0, what);
                // Every queue file at its cap, plus a compaction copy and each WAL at a file's size, stay within 80% of the disk.
                assert.ok((queues.length + wals + 1) * cap <= 0.8 * disk, `${what}: ${queues.length} queues + ${wals} WALs of ${cap} bytes on ${disk}`);
                assert.ok((queues.length + wals + 2) * cap > 0.8 * disk, `${what}: the budget leaves a whole file unused`);
                for (const q of queues) {
                    assert.deepEqual([q!.sizer, q!.block_on_overflow, q!.queue_size], ["bytes", true, Math.floor(cap / 2)], what);
                }
            }
        }
        // 5 GiB (dev): three exporters, one compaction slot: 1 GiB files, 512 MiB queues.
        const dev = renderCollectors(base("dev")).gateway.config;
        assert.equal(dev.extensions["file_storage/queue"].max_size, 1024 ** 3);
        assert.equal((dev.exporters["otlp_grpc/tempo"].sending_queue as any).queue_size, 512 * 1024 ** 2);
    });

    it("tail-samples errors, slow traces, per-service/endpoint rates and a default rate for the rest", () => {
        const b = base("prod", { samplingRules: JSON.stringify([{ service: "checkout", percent: 50 }, { service: "search", endpoint: "/api/q", percent: 1 }]), samplingLatencyThresholdMs: "750" });
        const policies = renderCollectors(b).gateway.config.processors.tail_sampling.policies as any[];
        assert.deepEqual(policies.map(p => p.name), ["keep-errors", "keep-slow", "rate-checkout", "rate-search-/api/q", "rate-default"]);
        assert.deepEqual(policies[0].status_code.status_codes, ["ERROR"]);
        assert.equal(policies[1].latency.threshold_ms, 750);
        const search = policies[3].and.and_sub_policy;
        assert.deepEqual(search.map((s: any) => s.type), ["string_attribute", "string_attribute", "probabilistic"]);
        assert.deepEqual([search[1].string_attribute, search[2].probabilistic.sampling_percentage], [{ key: "http.route", values: ["/api/q"] }, 1]);
        // The default rate covers only services no rule names, so a rule's rate is really that service's rate.
        const rest = policies[4].and.and_sub_policy;
        assert.deepEqual(rest[0].string_attribute, { key: "service.name", values: ["checkout", "search"], invert_match: true });
        assert.equal(rest[1].probabilistic.sampling_percentage, 10, "prod default");
        assert.deepEqual(samplingPolicies({ decisionWaitSeconds: 1, latencyThresholdMs: 1, defaultPercent: 5, rules: [] }).at(-1),
            { name: "rate-default", type: "probabilistic", probabilistic: { sampling_percentage: 5 } });
        assert.ok(probeSpanConditions().includes('attributes["url.path"] == "/healthz"'));
    });

    it("redaction patterns delete credentials and GenAI content, mask card numbers and hash e-mail addresses", () => {
        // The patterns are RE2; these are also valid JavaScript (bar the (?i) flag, applied as "i").
        const secretKey = new RegExp(SECRET_KEY_PATTERN.replace("(?i)", ""), "i");
        // The attributes processor matches keys partially (MatchString), so the patterns anchor themselves.
        for (const k of ["db.password", "http.request.header.authorization", "aws.secret_access_key", "x-api-key", "auth.token", "API_KEY", "oauth.refresh_token", "client_secret"]) assert.ok(secretKey.test(k), k);
        for (const k of ["service.name", "http.route", "db.system", "gen_ai.usage.input_tokens", "tokenizer.name", "secretary.id"]) assert.ok(!secretKey.test(k), k);
        const genAi = new RegExp(GENAI_CONTENT_PATTERN);
        for (const k of ["gen_ai.prompt", "gen_ai.prompt.0.content", "gen_ai.input.messages", "gen_ai.completion.1.content", "gen_ai.tool.call.arguments"]) assert.ok(genAi.test(k), k);
        for (const k of ["gen_ai.request.model", "gen_ai.usage.output_tokens", "gen_ai.system", "app.gen_ai.prompt", "gen_ai.prompt_tokens"]) assert.ok(!genAi.test(k), k);
        const cards = CARD_NUMBER_PATTERNS.map(p => new RegExp(p));
        for (const v of ["paid with 4111 1111 1111 1111", "5500-0000-0000-0004", "card=378282246310005", "6011111111111117"]) assert.ok(cards.some(r => r.test(v)), v);
        for (const v of ["order 12345678", "trace 4bf92f3577b34da6", "2026-11-25T10:00:00Z"]) assert.ok(!cards.some(r => r.test(v)), v);
        assert.ok(new RegExp(EMAIL_PATTERN).test("user jane.doe+x@example.co.uk logged in"));
        const g = renderCollectors(base("dev")).gateway.config.processors as any;
        assert.equal(g["redaction/emails"].hash_function, "sha3");
        assert.equal(g["redaction/cards"].hash_function, undefined, "card numbers are masked, not hashed");
        assert.equal((renderCollectors(base("dev", { dropGenAiContent: "false" })).gateway.config.processors["attributes/redact"].actions as unknown[]).length, 1);
    });

    it("scrapes each backend endpoint from one job, only on its own node, verifying the server name", () => {
        const b = base("prod");
        const { agent } = renderCollectors(b);
        const jobs = (agent.config.receivers.prometheus as any).config.scrape_configs as any[];
        const keep = jobs.slice(1).map(j => new RegExp(`^${j.relabel_configs[0].regex}$`));
        const metrics = collectorContext(b).metrics;
        assert.ok(metrics.length >= 20);
        for (const m of metrics) assert.equal(keep.filter(r => r.test(`${m.service};${m.port}`)).length, 1, `${m.service} in exactly one job`);
        for (const j of jobs.slice(1)) {
            assert.deepEqual(j.relabel_configs[1], { source_labels: ["__meta_kubernetes_endpointslice_endpoint_node_name"], regex: "${env:OTEL_K8S_NODE_NAME}", action: "keep" });
            if (j.scheme === "https") {
                const id = SERVER_IDENTITIES.find(s => s.name === j.job_name)!;
                assert.ok(serverDnsNames(id).includes(j.tls_config.server_name), `${j.job_name}: ${j.tls_config.server_name} is a SAN`);
            }
        }
        assert.deepEqual(jobs[0].static_configs, [{ targets: ["127.0.0.1:8888"] }], "the agent scrapes itself on loopback");

        // promtool checks the jobs (Debian's Prometheus lacks Kubernetes discovery, so that one block becomes a static target;
        // the TLS files become empty temporary ones, the node name a fixed one).
        const tlsDir = path.dirname(tempFile("ca.crt", ""));
        for (const f of ["tls.crt", "tls.key", "client.crt", "client.key"]) fs.writeFileSync(path.join(tlsDir, f), "");
        const forPromtool = jobs.map(({ kubernetes_sd_configs: sd, ...j }) => (sd ? { ...j, static_configs: [{ targets: ["127.0.0.1:1"] }] } : j));
        const text = YAML.stringify({ scrape_configs: forPromtool }).replaceAll(COLLECTOR_TLS_DIR, tlsDir).replaceAll("${env:OTEL_K8S_NODE_NAME}", "ip-10-20-1-5.eu-west-1.compute.internal");
        const check = runTool("promtool", ["check", "config", tempFile("scrape.yml", text)], "prometheus");
        assert.equal(check.status, 0, `${check.stdout}${check.stderr}`);
    });

    it("every hop's names and labels line up: SANs, Secrets, selectors", async () => {
        const resources = (await renderedStack("dev")).run.resources as Array<{ type: string; inputs: Record<string, any> }>;
        const gw = SERVER_IDENTITIES.find(s => s.name === "otel-gateway")!;
        const agentId = SERVER_IDENTITIES.find(s => s.name === "otel-agent")!;
        const lb = pairs.dev.agent.exporters.load_balancing as any;
        assert.ok(serverDnsNames(gw).includes(lb.protocol.otlp.tls.server_name_override));
        assert.equal(lb.resolver.dns.hostname, "otel-gateway-headless.observability.svc.cluster.local");
        assert.ok(serverDnsNames(gw).includes((pairs.dev.agent.exporters["otlp_grpc/gateway"].endpoint as string).split(":")[0]));
        assert.ok(serverDnsNames(agentId, "obs.example.com").includes(`otel-agent.${AGENT_NAMESPACE}.svc`));
        assert.ok(serverDnsNames(agentId, "obs.example.com").includes("otlp.obs.example.com"));
        const byName = (type: string, name: string) => resources.find(r => r.type === type && r.inputs.metadata?.name === name);
        for (const [release, ns] of [["otel-agent", AGENT_NAMESPACE], ["otel-gateway", "observability"]]) {
            const secret = byName("kubernetes:core/v1:Secret", `${release}-tls`)!;
            assert.equal(secret.inputs.metadata.namespace, ns);
            const v = helm.dev[release === "otel-agent" ? "agent" : "gateway"];
            assert.equal(v.extraVolumes[0].secret.secretName, `${release}-tls`);
        }
        // The Services Pulumi adds select the chart's pods (its selector labels plus the mode's component label).
        const agentSvc = byName("kubernetes:core/v1:Service", "otel-agent")!;
        assert.deepEqual(agentSvc.inputs.spec.selector, { "app.kubernetes.io/name": "opentelemetry-collector", "app.kubernetes.io/instance": "otel-agent", component: "agent-collector" });
        assert.deepEqual([agentSvc.inputs.spec.type, agentSvc.inputs.spec.loadBalancerSourceRanges, agentSvc.inputs.spec.internalTrafficPolicy], ["LoadBalancer", ["198.51.100.0/24"], "Local"]);
        const headless = byName("kubernetes:core/v1:Service", "otel-gateway-headless")!;
        assert.equal(headless.inputs.spec.clusterIP, "None");
        assert.equal(headless.inputs.spec.selector.component, "statefulset-collector");
        const pdb = byName("kubernetes:policy/v1:PodDisruptionBudget", "otel-gateway")!;
        assert.deepEqual(pdb.inputs.spec.selector.matchLabels, headless.inputs.spec.selector);
        const ns = byName("kubernetes:core/v1:Namespace", AGENT_NAMESPACE)!;
        assert.equal(ns.inputs.metadata.labels["pod-security.kubernetes.io/enforce"], "privileged");
        assert.equal(byName("kubernetes:core/v1:Namespace", "observability")!.inputs.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted", "the agents' exception stays in their namespace");
    });
});

describe("the agent's host.name", () => {
    it("names the node: the env detector, first among the detectors (the first wins), reads it from the node name", () => {
        const { agent } = renderCollectors(base("dev"));
        const detection = (agent.config.processors as Record<string, any>).resource_detection;
        assert.equal(detection.detectors[0], "env");
        assert.equal(detection.override, false, "telemetry that names its own host keeps it");
        const env = (agent.values.extraEnvs as { name: string; value?: string }[]);
        assert.deepEqual(env.find(e => e.name === "OTEL_RESOURCE_ATTRIBUTES"), { name: "OTEL_RESOURCE_ATTRIBUTES", value: "host.name=$(OTEL_K8S_NODE_NAME)" });
        // The gateway's own host is its pod: it gets no such variable.
        assert.ok(!(renderCollectors(base("dev")).gateway.values.extraEnvs as { name: string }[]).some(e => e.name === "OTEL_RESOURCE_ATTRIBUTES"));
    });
});
