// Alertmanager routing, checked by the real amtool (config and a routing table) and delivered end to end: a real
// Prometheus evaluates the rendered rule files over synthetic series and a real Alertmanager runs the rendered
// config with its API URLs and credential files pointed at local sinks (127.0.0.1 only).
import { strict as assert } from "assert";
import { ChildProcess } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as path from "path";
import * as YAML from "yaml";
import { AlertmanagerConfigOptions, alertmanagerConfig, INTEGRATIONS, Integration, RECEIVER_CREDENTIAL_FILE } from "../components/render/backends/alertmanager";
import { Values } from "../components/render/backends/common";
import type { OtelConfig } from "../components/render/collector/otel";
import { validateCollectorConfig } from "../components/render/collector/validate";
import { tlsCensus } from "../components/render/connections/census";
import { get } from "../components/render/connections/dskit";
import { keyReference } from "../offline/references";
import { ruleFiles } from "../components/render/rules/index";
import { writeRuleFiles } from "./helpers/rules";
import { freePort, poll, start, stop } from "./helpers/processes";
import { renderedStack } from "./helpers/rendered";
import { tempDir } from "./helpers/temp";
import { e2eTool } from "./helpers/otel-backends";
import { runTool, tempFile } from "./helpers/tools";

const ALL: AlertmanagerConfigOptions = {
    stack: "dev",
    integrations: INTEGRATIONS,
    maintenance: [{ weekdays: ["saturday"], startTime: "02:00", endTime: "04:00", location: "Europe/Paris" }],
};

/**
 * Debian's Alertmanager is 0.25; the webhook's `url_file` needs 0.26 (the chart runs 0.34). For 0.25 only, the
 * dead-man's-switch URL is read from its file and written inline; every other setting is as rendered.
 */
function forDebianAlertmanager(config: Values, deadmansswitchUrl: string): Values {
    const copy = JSON.parse(JSON.stringify(config)) as { receivers: { webhook_configs?: Values[] }[] };
    for (const r of copy.receivers) {
        for (const w of r.webhook_configs ?? []) {
            delete w.url_file;
            w.url = deadmansswitchUrl;
        }
    }
    return copy as unknown as Values;
}

function amtool(args: string[]) {
    return runTool("amtool", args, "prometheus-alertmanager");
}

describe("Alertmanager routing (amtool)", () => {
    it("passes amtool check-config with any set of integrations, reading every credential from a file", () => {
        const sets: Integration[][] = [[], ["slack"], ["pagerduty", "slack"], ["opsgenie"], [...INTEGRATIONS]];
        for (const integrations of sets) {
            const config = forDebianAlertmanager(alertmanagerConfig({ ...ALL, integrations }), "http://127.0.0.1:9/heartbeat");
            const r = amtool(["check-config", tempFile("alertmanager.yml", YAML.stringify(config))]);
            assert.equal(r.status, 0, `${integrations.join(",")}: ${r.stdout}${r.stderr}`);
            const rendered = JSON.stringify(alertmanagerConfig({ ...ALL, integrations }));
            for (const i of integrations) assert.ok(rendered.includes(`/etc/alertmanager/receivers/${RECEIVER_CREDENTIAL_FILE[i]}`), i);
            assert.doesNotMatch(rendered, /"(api_url|routing_key|service_key|api_key|url)":/, "no inline credential or URL");
        }
        // The check can fail: a route to a receiver that does not exist is rejected.
        const broken = { ...alertmanagerConfig({ ...ALL, integrations: [] }), route: { receiver: "nobody" } };
        assert.notEqual(amtool(["check-config", tempFile("broken.yml", YAML.stringify(broken))]).status, 0);
    });

    it("routes each label set to the expected receivers", () => {
        const table: { integrations: readonly Integration[]; labels: string[]; receivers: string }[] = [
            { integrations: INTEGRATIONS, labels: ["alertname=HighErrorRate", "severity=critical", "service=checkout"], receivers: "pagerduty,opsgenie,slack" },
            { integrations: INTEGRATIONS, labels: ["alertname=HighLatency", "severity=warning", "service=checkout"], receivers: "slack" },
            { integrations: INTEGRATIONS, labels: ["alertname=ServiceTrafficStopped", "severity=info"], receivers: "null" },
            { integrations: INTEGRATIONS, labels: ["alertname=Watchdog", "severity=info"], receivers: "deadmansswitch" },
            { integrations: INTEGRATIONS, labels: ["alertname=SomethingUnlabelled"], receivers: "null" },
            { integrations: ["pagerduty", "slack"], labels: ["alertname=KubeNodeNotReady", "severity=critical"], receivers: "pagerduty,slack" },
            { integrations: ["opsgenie"], labels: ["alertname=KubeNodeNotReady", "severity=critical"], receivers: "opsgenie" },
            { integrations: ["slack"], labels: ["alertname=Watchdog", "severity=info"], receivers: "null" },
            { integrations: [], labels: ["alertname=KubeNodeNotReady", "severity=critical"], receivers: "null" },
        ];
        for (const row of table) {
            const file = tempFile("alertmanager.yml", YAML.stringify(forDebianAlertmanager(alertmanagerConfig({ ...ALL, integrations: row.integrations }), "http://127.0.0.1:9/")));
            const r = amtool(["config", "routes", "test", `--config.file=${file}`, `--verify.receivers=${row.receivers}`, ...row.labels]);
            assert.equal(r.status, 0, `${row.labels.join(" ")} with ${row.integrations.join(",") || "nothing"}: expected ${row.receivers}, got ${r.stdout.trim()}`);
        }
        // The check can fail: a wrong expectation is reported.
        const file = tempFile("alertmanager.yml", YAML.stringify(forDebianAlertmanager(alertmanagerConfig(ALL), "http://127.0.0.1:9/")));
        assert.notEqual(amtool(["config", "routes", "test", `--config.file=${file}`, "--verify.receivers=slack", "severity=critical"]).status, 0);
    });
});

describe("Alertmanager routing of the rendered stacks (amtool)", () => {
    // The chart's Alertmanager's own amtool (v0.34, built from Go modules): the rendered file as the release runs it,
    // url_file and all (Debian's amtool 0.25 predates url_file).
    const amtool034 = (args: string[]) => runTool(e2eTool("amtool"), args, "(npm run build:e2e-tools)");
    it("routes as each stack's secrets say: dev tells nobody, prod pages PagerDuty and its dead-man's switch, and has no Slack", async () => {
        const table = {
            dev: [[["alertname=HighErrorRate", "severity=critical"], "null"], [["alertname=Watchdog", "severity=info"], "null"]],
            prod: [[["alertname=HighErrorRate", "severity=critical"], "pagerduty"], [["alertname=HighLatency", "severity=warning"], "null"], [["alertname=Watchdog", "severity=info"], "deadmansswitch"]],
        } as const;
        for (const stack of ["dev", "prod"] as const) {
            const file = path.join((await renderedStack(stack)).outDir, "alertmanager", "alertmanager.yaml");
            const check = amtool034(["check-config", file]);
            assert.equal(check.status, 0, check.stdout + check.stderr);
            for (const [labels, receivers] of table[stack]) {
                const r = amtool034(["config", "routes", "test", `--config.file=${file}`, `--verify.receivers=${receivers}`, ...labels]);
                assert.equal(r.status, 0, `${stack} ${labels.join(" ")}: expected ${receivers}, got ${r.stdout.trim()}`);
            }
        }
    });
});

interface Received { path: string; body: string }

/**
 * The local sink: records every POST, and serves synthetic component metrics that count up on each scrape; cluster
 * `down` has a Loki that panics too, and its only node is not Ready (KubeClusterDown).
 */
function startSink(): Promise<{ server: http.Server; port: number; received: Received[] }> {
    const received: Received[] = [];
    let scrapes = 0;
    const server = http.createServer((req, res) => {
        let body = "";
        req.on("data", d => { body += d; });
        req.on("end", () => {
            if (req.method === "GET" && req.url?.startsWith("/metrics/")) {
                scrapes += 1;
                const cluster = 'k8s_cluster_name="e2e"';
                const metrics = {
                    "/metrics/mimir": `cortex_ingester_tsdb_wal_corruptions_total{${cluster},k8s_pod_name="mimir-ingester-0"} ${scrapes}\ncortex_compactor_runs_failed_total{${cluster}} ${scrapes}\n`,
                    "/metrics/loki": `loki_panic_total{${cluster},k8s_pod_name="loki-0"} ${scrapes}\n`,
                    "/metrics/down": `loki_panic_total{job="loki",k8s_cluster_name="down",k8s_pod_name="loki-0"} ${scrapes}\nk8s_node_condition_ready{k8s_cluster_name="down",k8s_node_name="node-1"} 0\n`,
                }[req.url] ?? "";
                res.writeHead(200, { "Content-Type": "text/plain; version=0.0.4" }).end(metrics);
                return;
            }
            received.push({ path: req.url ?? "", body });
            // Opsgenie and PagerDuty answer 202 with JSON; Slack and webhooks 200.
            res.writeHead(req.url?.startsWith("/pagerduty") || req.url?.startsWith("/opsgenie") ? 202 : 200, { "Content-Type": "application/json" }).end("{}");
        });
    });
    return new Promise(resolve => server.listen(0, "127.0.0.1", () => resolve({ server, port: (server.address() as net.AddressInfo).port, received })));
}

/** The alerts an Alertmanager holds that match every matcher (`/api/v2/alerts`), with their status. */
function alertsIn(port: number, ...matchers: string[]): Promise<any[]> {
    const query = matchers.map(m => `filter=${encodeURIComponent(m)}`).join("&");
    return fetch(`http://127.0.0.1:${port}/api/v2/alerts?${query}`).then(res => res.json() as Promise<any[]>);
}

describe("alert delivery, end to end (Prometheus + Alertmanager on 127.0.0.1)", function () {
    this.timeout(120000);
    const procs: ChildProcess[] = [];
    let sink: Awaited<ReturnType<typeof startSink>> | undefined;
    const log: string[] = [];

    after(async () => {
        for (const p of procs.reverse()) await stop(p);
        sink?.server.close();
    });

    it("delivers a critical to PagerDuty, Opsgenie and Slack, a warning to Slack only, the inhibited warning to nobody, Watchdog to the dead-man's switch, a down cluster's component alerts to nobody, and in a maintenance window only Watchdog", async () => {
        sink = await startSink();
        const base = `http://127.0.0.1:${sink.port}`;
        const dir = tempDir("e2e");
        /**
         * One Alertmanager's config: the rendered one with its credential files in its own folder, the vendors' APIs
         * at the sink under `prefix`, and (test only) one-second grouping so the run takes seconds.
         */
        const alertmanagerFor = (prefix: string, maintenance: AlertmanagerConfigOptions["maintenance"]): string => {
            const own = path.join(dir, prefix || "main");
            fs.mkdirSync(own);
            const credentials: Record<Integration, string> = { pagerduty: "e2e-routing-key", opsgenie: "e2e-api-key", slack: `${base}${prefix}/slack`, deadmansswitch: `${base}${prefix}/deadmansswitch` };
            for (const i of INTEGRATIONS) fs.writeFileSync(path.join(own, RECEIVER_CREDENTIAL_FILE[i]), credentials[i]);
            const rendered = alertmanagerConfig({ stack: "e2e", integrations: INTEGRATIONS, maintenance, credentialDir: own, apiUrls: { pagerduty: `${base}${prefix}/pagerduty`, opsgenie: `${base}${prefix}/opsgenie/` } });
            const am = forDebianAlertmanager(rendered, credentials.deadmansswitch) as { route: Values };
            Object.assign(am.route, { group_wait: "1s", group_interval: "1s" });
            fs.writeFileSync(path.join(own, "alertmanager.yml"), YAML.stringify(am));
            return path.join(own, "alertmanager.yml");
        };
        // The second Alertmanager is in a maintenance window all week long: it must tell only the dead-man's switch.
        const configs = [alertmanagerFor("", []), alertmanagerFor("/maintenance", [{ weekdays: ["sunday:saturday"], startTime: "00:00", endTime: "24:00", location: "UTC" }])];

        // The rendered rule files, with every `for` set to 0 so alerts fire at their first true evaluation (each
        // alert's `for` and condition are tested by promtool in rules-catalogue.spec.ts).
        const files = ruleFiles({
            runbookBaseUrl: "https://example.org/runbooks.md", slos: [],
            red: { errorRatio: 0.05, latencyP95Seconds: 1, serviceLatencyP95Seconds: {} },
            genAi: { prices: [], latencyP95Seconds: 20 }, certificates: [],
        }).map(f => ({ ...f, groups: f.groups.map(g => ({ ...g, rules: g.rules.map(r => ("alert" in r ? { ...r, for: "0s" } : r)) })) }));
        const rules = writeRuleFiles(files);

        const [promPort, amPort, clusterPort, mutedPort, mutedClusterPort] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
        const scrape = (job: string) => ({ job_name: job, metrics_path: `/metrics/${job}`, static_configs: [{ targets: [`127.0.0.1:${sink!.port}`] }] });
        fs.writeFileSync(path.join(dir, "prometheus.yml"), YAML.stringify({
            global: { scrape_interval: "1s", evaluation_interval: "1s" },
            rule_files: rules.paths,
            alerting: { alertmanagers: [{ static_configs: [{ targets: [`127.0.0.1:${amPort}`, `127.0.0.1:${mutedPort}`] }] }] },
            // Cluster down's series carry their own job (as the stack's collectors set it).
            scrape_configs: [scrape("mimir"), scrape("loki"), { ...scrape("down"), honor_labels: true }],
        }));
        const check = runTool("promtool", ["check", "config", path.join(dir, "prometheus.yml")], "prometheus");
        assert.equal(check.status, 0, check.stdout + check.stderr);

        for (const [config, web, cluster] of [[configs[0], amPort, clusterPort], [configs[1], mutedPort, mutedClusterPort]] as const) {
            procs.push(start("prometheus-alertmanager", [`--config.file=${config}`, `--storage.path=${path.join(path.dirname(config), "data")}`,
                `--web.listen-address=127.0.0.1:${web}`, `--cluster.listen-address=127.0.0.1:${cluster}`], "prometheus-alertmanager", log));
        }
        // Prometheus drops what fires before it has discovered Alertmanager and resends only after its resend delay
        // (1 m by default): start it once Alertmanager answers, and resend every 2 s (test only).
        for (const port of [amPort, mutedPort]) {
            await poll("Alertmanager ready", 30000, async () => ((await fetch(`http://127.0.0.1:${port}/-/ready`)).ok ? true : undefined));
        }
        procs.push(start("prometheus", [`--config.file=${path.join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${path.join(dir, "prom")}`,
            `--web.listen-address=127.0.0.1:${promPort}`, "--rules.alert.resend-delay=2s"], "prometheus", log));

        const at = (prefix: string, alert: string) => sink!.received.some(r => r.path.startsWith(prefix) && r.body.includes(alert));
        const deadline = Date.now() + 60000;
        while (Date.now() < deadline && !(at("/pagerduty", "MimirIngesterWalCorrupted") && at("/opsgenie", "MimirIngesterWalCorrupted")
            && at("/slack", "MimirIngesterWalCorrupted") && at("/slack", "LokiPanics") && at("/deadmansswitch", "Watchdog") && at("/maintenance/deadmansswitch", "Watchdog") && at("/pagerduty", "KubeClusterDown"))) {
            await new Promise(r => setTimeout(r, 250));
        }
        // A few more seconds for anything that should not arrive.
        await new Promise(r => setTimeout(r, 4000));
        const seen = sink.received.map(r => `${r.path.split("/").slice(1, r.path.startsWith("/maintenance") ? 3 : 2).join("/")}:${(/"(MimirIngesterWalCorrupted|LokiPanics|MimirCompactorFailing|Watchdog)/.exec(r.body) ?? [])[1] ?? "other"}`);
        const why = `received: ${[...new Set(seen)].join(", ")}\n${log.join("").slice(-3000)}`;

        assert.ok(at("/pagerduty", "MimirIngesterWalCorrupted"), `critical reaches PagerDuty; ${why}`);
        assert.ok(at("/opsgenie", "MimirIngesterWalCorrupted"), `critical reaches Opsgenie; ${why}`);
        assert.ok(at("/slack", "MimirIngesterWalCorrupted"), `critical reaches Slack; ${why}`);
        assert.ok(at("/slack", "LokiPanics"), `warning reaches Slack; ${why}`);
        assert.ok(!at("/pagerduty", "LokiPanics") && !at("/opsgenie", "LokiPanics"), `warning pages nobody; ${why}`);
        assert.ok(!sink.received.some(r => r.body.includes("MimirCompactorFailing")), `the warning inhibited by Mimir's critical reaches nobody; ${why}`);
        // ... because it is inhibited, not because it never fired: Alertmanager holds it as suppressed by the critical.
        const held = await alertsIn(amPort, 'alertname="MimirCompactorFailing"');
        assert.equal(held.length, 1, `MimirCompactorFailing reached Alertmanager; ${why}`);
        assert.equal(held[0].status.state, "suppressed");
        assert.equal(held[0].status.inhibitedBy.length, 1, "inhibited by one alert (MimirIngesterWalCorrupted)");
        assert.ok(at("/deadmansswitch", "Watchdog"), `Watchdog beats the dead-man's switch; ${why}`);
        assert.ok(!sink.received.some(r => !r.path.endsWith("/deadmansswitch") && r.body.includes('"Watchdog"')), `Watchdog goes nowhere else; ${why}`);
        // A cluster that is down pages once (KubeClusterDown) and its component alerts are held back.
        assert.ok(at("/pagerduty", "KubeClusterDown"), `KubeClusterDown pages; ${why}`);
        assert.ok(!sink.received.some(r => r.body.includes("(loki, cluster down)")), `cluster down's LokiPanics reaches nobody; ${why}`);
        const downPanics = await alertsIn(amPort, 'alertname="LokiPanics"', 'k8s_cluster_name="down"');
        assert.equal(downPanics.length, 1, `cluster down's LokiPanics reached Alertmanager; ${why}`);
        assert.equal(downPanics[0].status.state, "suppressed");
        // Maintenance mutes every notification but the dead-man's switch.
        assert.ok(at("/maintenance/deadmansswitch", "Watchdog"), `Watchdog is never muted; ${why}`);
        assert.deepEqual([...new Set(sink.received.filter(r => r.path.startsWith("/maintenance/")).map(r => r.path))], ["/maintenance/deadmansswitch"], `a maintenance window mutes the rest; ${why}`);
        const pd = JSON.parse(sink.received.find(r => r.path.startsWith("/pagerduty") && r.body.includes("MimirIngesterWalCorrupted"))!.body);
        assert.equal(pd.routing_key, "e2e-routing-key", "the routing key is read from its file");
        const og = sink.received.find(r => r.path.startsWith("/opsgenie") && r.body.includes("MimirIngesterWalCorrupted"))!;
        assert.equal(JSON.parse(og.body).priority, "P1");
    });
});

describe("Alertmanager's metrics (pushed by a sidecar, never scraped)", () => {
    it("no collector scrapes port 9093; the sidecar scrapes loopback as the server's SAN, once per pod, and sends to the gateway with the pod's client certificate", async () => {
        for (const stack of ["dev", "prod"] as const) {
            const dir = (await renderedStack(stack)).outDir;
            const read = (f: string) => YAML.parse(fs.readFileSync(path.join(dir, "collector", f), "utf8")) as OtelConfig;
            for (const role of ["agent", "gateway"]) {
                const jobs = Object.values(read(`${role}.yaml`).receivers).flatMap(r => (get(r, "config.scrape_configs") as Values[] | undefined) ?? []);
                assert.ok(jobs.length > 0, `${stack} ${role} scrapes something`);
                assert.ok(!jobs.some(j => j.job_name === "alertmanager" || JSON.stringify(j).includes(":9093")), `${stack} ${role} scrapes Alertmanager`);
            }
            const fwd = read("alertmanager-forwarder.yaml");
            assert.deepEqual(validateCollectorConfig("forwarder", fwd), []);
            const [job] = get(fwd.receivers.prometheus, "config.scrape_configs") as Values[];
            assert.deepEqual(get(job, "static_configs"), [{ targets: ["127.0.0.1:9093"], labels: { namespace: "observability", service: "alertmanager", pod: "${env:POD_NAME}" } }]);
            assert.equal(get(job, "tls_config.server_name"), "alertmanager.observability.svc");
            assert.deepEqual(get(job, "relabel_configs"), [{ target_label: "instance", replacement: "${env:POD_IP}:9093" }]);
            const census = tlsCensus({ namespace: "observability", resources: (await renderedStack(stack)).run.resources as never, reference: keyReference });
            const pushes = census.connections.filter(c => c.client === "alertmanager" && c.server !== "alertmanager:gossip");
            assert.deepEqual(pushes.map(c => [c.server, c.clientCertFile, c.problems.length]), [["otel-gateway:otlp-grpc", "/etc/observability/tls/client.crt", 0]]);
            // The validator is not a rubber stamp: without its queue the sidecar's config is refused.
            const unqueued = structuredClone(fwd);
            delete unqueued.exporters["otlp_grpc/gateway"].sending_queue;
            assert.deepEqual(validateCollectorConfig("forwarder", unqueued), ["forwarder: exporter otlp_grpc/gateway needs sending_queue.enabled: true"]);
        }
    });
});
