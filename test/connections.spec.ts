// The TLS census over both rendered stacks: no plaintext connection, every client verifies the stack CA by a name the
// server's certificate carries and presents a certificate where one is required; each way of breaking that turns red.
import * as assert from "assert/strict";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { Census, censusMarkdown, CensusInput, tlsCensus } from "../components/render/connections/census";
import { BLOCK_RULES, get, tlsCapableBlocks } from "../components/render/connections/dskit";
import { NAMESPACE } from "../components/render/pki";
import { keyReference } from "../offline/references";
import { renderedStack } from "./helpers/rendered";

type Resource = CensusInput["resources"][number];
type Any = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const stacks: Record<string, Resource[]> = {};
const census = (resources: readonly Resource[], reference = keyReference): Census => tlsCensus({ namespace: NAMESPACE, resources, reference });
const release = (rs: Resource[], name: string): Any => (rs.find(r => r.type === "kubernetes:helm.sh/v3:Release" && (r.inputs as Any).name === name)!.inputs as Any).values;
/** Every finding of a census: its own problems and each connection's. */
const findings = (c: Census) => [...c.problems, ...c.connections.flatMap(x => x.problems.map(p => `${x.client} → ${x.server}: ${x.via}: ${p}`))];

describe("TLS census (rendered stacks)", () => {
    before(async () => {
        for (const stack of ["dev", "prod"]) stacks[stack] = (await renderedStack(stack)).run.resources as Resource[];
    });

    it("finds no plaintext connection and no problem in either stack, and writes the table the render shows", async () => {
        for (const stack of ["dev", "prod"]) {
            const c = census(stacks[stack]);
            assert.deepEqual(findings(c), [], stack);
            assert.ok(c.servers.every(s => s.tls), stack);
            // Each server the stack runs, and a client of each kind, is in the table.
            const keys = c.servers.map(s => s.key);
            for (const k of ["mimir:http", "mimir:grpc", "mimir:gossip", "loki:http", "loki:grpc", "tempo:http", "tempo:grpc", "tempo:gossip", "tempo:otlp-grpc",
                "alertmanager:http", "alertmanager:gossip", "grafana:http", "otel-agent:otlp-grpc", "otel-gateway:otlp-grpc"]) assert.ok(keys.includes(k), `${stack}: ${k}`);
            const via = c.connections.map(x => x.via).join("\n");
            for (const v of [/frontend_worker\.query_scheduler_grpc_client_config/, /ruler\.alertmanager_client/, /remote_write\[0\]/, /datasource Mimir/, /exporters\.otlp_http\/mimir/,
                /job grafana/, /alertmanager config exporters\.otlp_grpc\/gateway/, /ServersTransport/, /cluster-tls\.yml/]) assert.match(via, v, stack);
            assert.ok(c.connections.length >= (stack === "dev" ? 35 : 50), `${stack}: ${c.connections.length} connections`);
            const { outDir } = await renderedStack(stack);
            assert.equal(fs.readFileSync(path.join(outDir, "connections.md"), "utf8"), censusMarkdown(stack, c));
        }
        const prod = census(stacks.prod);
        for (const k of ["mimir:memcached", "loki:memcached", "tempo:memcached"]) assert.equal(prod.servers.find(s => s.key === k)?.clientAuth, "required", k);
        assert.match(prod.connections.map(x => x.via).join("\n"), /frontend\.tail_proxy_url/);
    });

    it("turns red when any one dskit client block of a running component loses TLS", () => {
        let mutated = 0;
        for (const stack of ["dev", "prod"]) {
            for (const conn of census(stacks[stack]).connections) {
                const m = / (mimir|loki|tempo) config ([a-z_.]+)$/.exec(conn.via);
                if (!m) continue;
                const rs = structuredClone(stacks[stack]);
                const values = release(rs, conn.client);
                const config = values.mimir?.structuredConfig ?? values.loki?.structuredConfig ?? values.tempo?.structuredConfig;
                if (conn.client === "tempo" && stack === "dev") {
                    const cfg = YAML.parse(values.config);
                    (get(cfg, m[2]) as Any).tls_enabled = false;
                    values.config = YAML.stringify(cfg);
                } else {
                    const block = get(config, m[2]) as Any;
                    if (!block) continue; // written by the chart outside the values (none today)
                    if (m[2] === "frontend.tail_proxy_url") config.frontend.tail_proxy_url = config.frontend.tail_proxy_url.replace("https:", "http:");
                    else block.tls_enabled = false;
                }
                const after = census(rs).connections.find(x => x.via === conn.via)!;
                assert.ok(after.problems.length > 0, `${stack}: ${conn.via} without TLS stays green`);
                mutated++;
            }
        }
        assert.ok(mutated >= 40, `${mutated} blocks mutated`);
    });

    // Each case breaks one client or one server of the rendered prod (or dev) stack; the census must name it.
    const cases: { what: string; stack: "dev" | "prod"; edit: (rs: Resource[]) => void; finding: RegExp }[] = [
        { what: "a server name outside the certificate", stack: "prod", edit: rs => { release(rs, "mimir").mimir.structuredConfig.ingester_client.grpc_client_config.tls_server_name = "mimir.example.com"; }, finding: /ingester_client.*not among the certificate's SANs/ },
        { what: "no client certificate to a gRPC server", stack: "dev", edit: rs => { delete release(rs, "loki").loki.structuredConfig.ingester_client.grpc_client_config.tls_cert_path; }, finding: /ingester_client.*presents no client certificate/ },
        { what: "a client trusting another CA", stack: "prod", edit: rs => { release(rs, "loki").loki.structuredConfig.frontend.grpc_client_config.tls_ca_path = "/etc/ssl/certs/ca-certificates.crt"; }, finding: /frontend\.grpc_client_config.*not the stack CA/ },
        { what: "the ruler's Alertmanager over http", stack: "dev", edit: rs => { release(rs, "mimir").mimir.structuredConfig.ruler.alertmanager_url = "http://alertmanager.observability.svc:9093"; }, finding: /ruler\.alertmanager_client: client without TLS to a TLS server/ },
        { what: "remote write without a CA", stack: "prod", edit: rs => { delete release(rs, "tempo").metricsGenerator.config.storage.remote_write[0].tls_config; }, finding: /remote_write\[0\]: verifies against system roots/ },
        { what: "a datasource not verifying", stack: "dev", edit: rs => { release(rs, "grafana").datasources["datasources.yaml"].datasources[0].jsonData.tlsSkipVerify = true; }, finding: /datasource Mimir.*client without TLS/ },
        { what: "a gateway exporter without TLS", stack: "prod", edit: rs => { delete release(rs, "otel-gateway").alternateConfig.exporters["otlp_http/mimir"].tls; }, finding: /otlp_http\/mimir: client without TLS to a TLS server/ },
        { what: "a scrape over http", stack: "dev", edit: rs => { release(rs, "otel-agent").alternateConfig.receivers.prometheus.config.scrape_configs.find((j: Any) => j.job_name === "grafana").scheme = "http"; }, finding: /job grafana: client without TLS/ },
        { what: "the ingress without its ServersTransport", stack: "dev", edit: rs => { rs.splice(rs.findIndex(r => r.type.endsWith(":ServersTransport")), 1); }, finding: /ServersTransport.*client without TLS/ },
        { what: "Alertmanager peers without client TLS", stack: "prod", edit: rs => { const v = release(rs, "alertmanager"); const c = YAML.parse(v.templates["cluster-tls.yml"]); delete c.tls_client_config; v.templates["cluster-tls.yml"] = YAML.stringify(c); }, finding: /alertmanager → alertmanager:gossip.*client without TLS/ },
        { what: "a memcached exporter without TLS", stack: "prod", edit: rs => { release(rs, "mimir").memcachedExporter.extraArgs = {}; }, finding: /memcached-exporter → mimir:memcached.*client without TLS/ },
        { what: "Mimir's HTTP server in plain text", stack: "prod", edit: rs => { delete release(rs, "mimir").mimir.structuredConfig.server.http_tls_config; }, finding: /^mimir:http serves plaintext$/ },
        { what: "Grafana in plain HTTP", stack: "dev", edit: rs => { release(rs, "grafana")["grafana.ini"].server.protocol = "http"; }, finding: /^grafana:http serves plaintext$/ },
        { what: "Alertmanager's web server without TLS", stack: "dev", edit: rs => { delete release(rs, "alertmanager").extraArgs["web.config.file"]; }, finding: /^alertmanager:http serves plaintext$/ },
        { what: "a memcached without TLS", stack: "prod", edit: rs => { release(rs, "loki").chunksCache.extraArgs = {}; }, finding: /^loki:memcached serves plaintext$/ },
        { what: "Tempo's gossip in plain text (dev)", stack: "dev", edit: rs => { const v = release(rs, "tempo"); const c = YAML.parse(v.config); c.memberlist.tls_enabled = false; v.config = YAML.stringify(c); }, finding: /^tempo:gossip serves plaintext$/ },
        { what: "an agent receiver without TLS", stack: "dev", edit: rs => { delete release(rs, "otel-agent").alternateConfig.receivers.otlp.protocols.http.tls; }, finding: /^otel-agent:otlp-http serves plaintext$/ },
        { what: "a release without its certificate", stack: "dev", edit: rs => { release(rs, "grafana").extraSecretMounts.pop(); }, finding: /grafana does not mount its certificate/ },
        // Each side presents only its own certificate: a client its client pair (client_auth), a server its server pair.
        { what: "a gRPC client presenting its server certificate", stack: "dev", edit: rs => { release(rs, "loki").loki.structuredConfig.ingester_client.grpc_client_config.tls_cert_path = "/etc/observability/tls/tls.crt"; }, finding: /ingester_client.*presents \/etc\/observability\/tls\/tls\.crt, not a client certificate/ },
        { what: "the ruler presenting Mimir's server certificate to Alertmanager", stack: "prod", edit: rs => { release(rs, "mimir").mimir.structuredConfig.ruler.alertmanager_client.tls_cert_path = "/etc/observability/tls/tls.crt"; }, finding: /ruler\.alertmanager_client: presents .*tls\.crt, not a client certificate/ },
        { what: "a memcached exporter presenting the server certificate", stack: "prod", edit: rs => { release(rs, "mimir").memcachedExporter.extraArgs["memcached.tls.cert-file"] = "/etc/observability/tls/tls.crt"; }, finding: /memcached-exporter → mimir:memcached.*not a client certificate/ },
        { what: "Alertmanager peers presenting the server certificate", stack: "prod", edit: rs => { const v = release(rs, "alertmanager"); const c = YAML.parse(v.templates["cluster-tls.yml"]); c.tls_client_config.cert_file = "/etc/observability/tls/tls.crt"; v.templates["cluster-tls.yml"] = YAML.stringify(c); }, finding: /alertmanager → alertmanager:gossip.*not a client certificate/ },
        { what: "remote write presenting Tempo's server certificate", stack: "prod", edit: rs => { release(rs, "tempo").metricsGenerator.config.storage.remote_write[0].tls_config.cert_file = "/etc/observability/tls/tls.crt"; }, finding: /remote_write\[0\]: presents .*tls\.crt, not a client certificate/ },
        { what: "a gateway exporter presenting its server certificate", stack: "prod", edit: rs => { release(rs, "otel-gateway").alternateConfig.exporters["otlp_http/mimir"].tls.cert_file = "/etc/otelcol/tls/tls.crt"; }, finding: /otlp_http\/mimir: presents \/etc\/otelcol\/tls\/tls\.crt, not a client certificate/ },
        { what: "gossip serving the client certificate", stack: "dev", edit: rs => { release(rs, "mimir").mimir.structuredConfig.memberlist.tls_cert_path = "/etc/observability/tls/client.crt"; }, finding: /^mimir:gossip serves \/etc\/observability\/tls\/client\.crt, not a server certificate/ },
        { what: "Alertmanager's web server serving the client certificate", stack: "dev", edit: rs => { const v = release(rs, "alertmanager"); const c = YAML.parse(v.templates["web.yml"]); c.tls_server_config.cert_file = "/etc/observability/tls/client.crt"; v.templates["web.yml"] = YAML.stringify(c); }, finding: /^alertmanager:http serves .*client\.crt, not a server certificate/ },
        // A component switched on later is in the census at once: Mimir's own Alertmanager dials without TLS.
        { what: "Mimir's own Alertmanager switched on", stack: "prod", edit: rs => { release(rs, "mimir").alertmanager.enabled = true; }, finding: /alertmanager\.alertmanager_client: client without TLS to a TLS server/ },
    ];
    for (const c of cases) {
        it(`turns red: ${c.what}`, () => {
            const rs = structuredClone(stacks[c.stack]);
            c.edit(rs);
            const found = findings(census(rs));
            assert.ok(found.some(f => c.finding.test(f)), `${c.what}: ${JSON.stringify(found)}`);
        });
    }

    it("refuses a TLS-capable block the rules do not classify, and classifies every block of today's references", () => {
        for (const [program, version] of [["mimir", "3.1.2"], ["loki", "3.7.6"], ["tempo", "2.10.8"], ["tempo", "2.10.7"]]) {
            const blocks = tlsCapableBlocks(keyReference(program, version).keys);
            assert.ok(blocks.length > 10, `${program} ${version}`);
            for (const b of blocks) assert.ok(BLOCK_RULES[program].some(([re]) => re.test(b)), `${program} ${version}: ${b} has no rule`);
        }
        const withNew = (program: string, version: string) => {
            const ref = keyReference(program, version);
            return program === "mimir" ? { ...ref, keys: { ...ref.keys, "new_component.grpc_client_config.tls_enabled": "boolean" } } : ref;
        };
        const found = census(stacks.dev, withNew).problems;
        assert.deepEqual(found, ["mimir: mimir 3.1.2 block new_component.grpc_client_config can dial with TLS, and the census does not know whether it runs: classify it in components/render/connections/dskit.ts"]);
    });
});
