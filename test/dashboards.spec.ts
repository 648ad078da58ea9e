// The dashboards, for real: every PromQL query of every dashboard, with its variables substituted, runs on a real
// Prometheus that scrapes synthetic series named as the stack emits them (each alert's own firing fixture plus the
// series only dashboards read) and evaluates the stack's rule files; every metric a query names exists there
// (raw or recorded), every Mimir variable finds values, and every overview query returns data.
import { strict as assert } from "assert";
import { ChildProcess } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as path from "path";
import { parser as logql } from "@grafana/lezer-logql";
import * as YAML from "yaml";
import { DATASOURCE_UIDS } from "../components/render/backends/grafana";
import { DASHBOARDS, DashboardInput, renderDashboards } from "../components/render/dashboards/index";
import { alertDefinitions, ruleFiles, RulesInput } from "../components/render/rules/index";
import { LABELS } from "../components/render/rules/labels";
import { freePort, poll, start, stop } from "./helpers/processes";
import { writeRuleFiles } from "./helpers/rules";
import { tempDir } from "./helpers/temp";

const CONTENT: DashboardInput & Omit<RulesInput, "certificates"> = {
    runbookBaseUrl: "https://example.org/runbooks.md",
    slos: [{ name: "checkout-availability", service: "checkout", sli: "availability", objective: 0.999, windowDays: 30 }],
    red: { errorRatio: 0.05, latencyP95Seconds: 1, serviceLatencyP95Seconds: { search: 0.5 } },
    genAi: { prices: [{ model: "gpt-4o", inputUsdPerMillionTokens: 2.5, outputUsdPerMillionTokens: 10 }], dailyBudgetUsd: 50, latencyP95Seconds: 20 },
};
const CERTIFICATES = [{ certificate: "loki", kind: "server" as const, notAfter: "2027-12-01T00:00:00Z" }];
/** The values the test gives each variable: the fixtures' cluster, All (`.*`) for the multi-valued ones. */
const VARIABLES: Record<string, string> = { cluster: "obs", namespace: ".*", service: ".*", host: ".*", slo: ".*", __rate_interval: "1m", __auto: "1m", search: "" };

const C = { [LABELS.cluster]: "obs" };
/** Series only dashboards read (the alerts' fixtures cover the rest), named as the stack's components emit them. */
const EXTRA: string[] = [
    `otelcol_process_memory_rss_bytes{${sel({ ...C, job: "otel-agent", [LABELS.pod]: "otel-agent-abcde" })}}`,
    `otelcol_process_cpu_seconds_total{${sel({ ...C, job: "otel-agent", [LABELS.pod]: "otel-agent-abcde" })}}`,
    `otelcol_receiver_accepted_spans_total{${sel({ ...C, job: "otel-agent", receiver: "otlp", transport: "grpc" })}}`,
    `otelcol_receiver_accepted_metric_points_total{${sel({ ...C, job: "otel-agent", receiver: "otlp", transport: "grpc" })}}`,
    `otelcol_receiver_accepted_log_records_total{${sel({ ...C, job: "otel-agent", receiver: "otlp", transport: "grpc" })}}`,
    `alertmanager_alerts{${sel({ ...C, job: "alertmanager", state: "active" })}}`,
    `alertmanager_alerts_received_total{${sel({ ...C, job: "alertmanager", status: "firing" })}}`,
    `up{${sel({ ...C, job: "loki", [LABELS.pod]: "loki-0" })}}`,
    // What the ingest, series and network recording rules read (no alert fixture needs them).
    `loki_distributor_bytes_received_total{${sel({ ...C, job: "loki", tenant: "anonymous" })}}`,
    `tempo_distributor_spans_received_total{${sel({ ...C, job: "tempo", tenant: "single-tenant" })}}`,
    `cortex_distributor_received_samples_total{${sel({ ...C, job: "mimir", user: "anonymous" })}}`,
    `cortex_ingester_memory_series{${sel({ ...C, job: "mimir", [LABELS.pod]: "mimir-ingester-0" })}}`,
    ...["pagerduty", "slack"].map(integration => `alertmanager_notifications_total{${sel({ ...C, job: "alertmanager", integration })}}`),
    ...["pagerduty", "slack"].map(integration => `alertmanager_notifications_failed_total{${sel({ ...C, job: "alertmanager", integration })}}`),
    ...["receive", "transmit"].map(direction => `k8s_node_network_io_bytes_total{${sel({ ...C, [LABELS.node]: "ip-10-20-0-10", [LABELS.host]: "ip-10-20-0-10", interface: "eth0", direction })}}`),
    ...["STATUS_CODE_UNSET", "STATUS_CODE_ERROR"].map(status => `traces_spanmetrics_calls_total{${sel({ ...C, service: "checkout", span_name: "POST /checkout", span_kind: "SPAN_KIND_SERVER", status_code: status })}}`),
];

function sel(labels: Record<string, string>): string {
    return Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(",");
}

/** Every series the alerts' fixtures use, in exposition form, once each. */
function syntheticSeries(): string[] {
    const fromFixtures = alertDefinitions({ ...CONTENT, certificates: CERTIFICATES }).flatMap(d => d.fires.series.map(s => s.series.replace(/", /g, '",')));
    return [...new Set([...fromFixtures, ...EXTRA])].sort();
}

interface Query { dashboard: string; panel: string; expr: string }

/** Every Prometheus target of a dashboard (rows' nested panels too), and every Mimir variable query. */
function queriesOf(model: any): { targets: Query[]; variables: Query[]; logql: Query[]; other: number } {
    const targets: Query[] = [];
    const logqlTargets: Query[] = [];
    let other = 0;
    const walk = (panels: any[]) => {
        for (const p of panels ?? []) {
            walk(p.panels);
            for (const t of p.targets ?? []) {
                const ds = t.datasource ?? p.datasource;
                if (ds?.uid === DATASOURCE_UIDS.mimir) targets.push({ dashboard: model.uid, panel: p.title, expr: t.expr });
                else if (ds?.uid === DATASOURCE_UIDS.loki) logqlTargets.push({ dashboard: model.uid, panel: p.title, expr: t.expr });
                else other += 1;
            }
        }
    };
    walk(model.panels);
    const variables = (model.templating?.list ?? []).filter((v: any) => v.type === "query" && v.datasource?.uid === DATASOURCE_UIDS.mimir)
        .map((v: any) => ({ dashboard: model.uid, panel: `$${v.name}`, expr: v.query as string }));
    return { targets, variables, logql: logqlTargets, other };
}

function substitute(expr: string): string {
    return expr.replace(/\$(\w+)/g, (m, name: string) => {
        if (!(name in VARIABLES)) throw new Error(`no test value for variable ${m} in ${expr}`);
        return VARIABLES[name];
    });
}

/** A Prometheus API call: the HTTP status, and the JSON body (`status`, `data`, `error`). */
async function api(port: number, p: string): Promise<{ code: number; status: string; data?: any; error?: string }> {
    const res = await fetch(`http://127.0.0.1:${port}${p}`);
    return { ...(await res.json() as { status: string; data?: any; error?: string }), code: res.status };
}

describe("dashboards (real Prometheus)", function () {
    this.timeout(120000);
    const dashboards = renderDashboards(CONTENT);
    const procs: ChildProcess[] = [];
    const log: string[] = [];
    let sink: http.Server | undefined;
    let port = 0;

    before(async () => {
        const series = syntheticSeries();
        let scrapes = 0;
        sink = http.createServer((_req, res) => {
            scrapes += 1;
            // Every series rises by one per scrape: counters count, gauges and buckets are positive and monotonic.
            res.writeHead(200, { "Content-Type": "text/plain; version=0.0.4" }).end(series.map(s => `${s} ${scrapes}`).join("\n") + "\n");
        });
        await new Promise<void>(r => sink!.listen(0, "127.0.0.1", () => r()));
        const sinkPort = (sink.address() as net.AddressInfo).port;
        const dir = tempDir("dashboards");
        const rules = writeRuleFiles(ruleFiles({ ...CONTENT, certificates: CERTIFICATES }));
        port = await freePort();
        // The synthetic series keep their own job and cluster labels (honor_labels), as the stack's scrapes set them.
        fs.writeFileSync(path.join(dir, "prometheus.yml"), YAML.stringify({
            global: { scrape_interval: "1s", evaluation_interval: "1s" },
            rule_files: rules.paths,
            scrape_configs: [{ job_name: "synthetic", honor_labels: true, static_configs: [{ targets: [`127.0.0.1:${sinkPort}`] }] }],
        }));
        procs.push(start("prometheus", [`--config.file=${path.join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${path.join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`], "prometheus", log));
        // Ready once the recording rules over 5-minute rates have samples to work on.
        await poll("recorded service rates", 60000, async () => {
            const r = await api(port, `/api/v1/query?query=${encodeURIComponent("service:requests:rate5m")}`);
            return r.data?.result?.length > 0 && scrapes >= 6 ? true : undefined;
        });
    });

    after(async () => {
        for (const p of procs) await stop(p);
        sink?.close();
    });

    it("renders at least 12 dashboards with fixed uids, the cluster variable, and the overview first", () => {
        assert.ok(dashboards.length >= 12, `${dashboards.length} dashboards`);
        assert.deepEqual(dashboards.map(d => d.uid), DASHBOARDS.map(d => d.uid));
        for (const d of dashboards) {
            assert.match(d.uid, /^obs-[a-z-]+$/);
            const vars = (d.model.templating?.list ?? []).map(v => v.name);
            assert.ok(vars.includes("cluster") || d.uid === "obs-slos", `${d.uid} has $cluster`);
        }
        for (const uid of ["obs-red", "obs-llm", "obs-logs", "obs-overview"]) assert.ok(dashboards.find(d => d.uid === uid)!.model.templating!.list!.some(v => v.name === "service"), `${uid} has $service`);
        assert.ok(dashboards.find(d => d.uid === "obs-kubernetes")!.model.templating!.list!.some(v => v.name === "namespace"));
        // RED latency carries exemplars (Grafana links them to Tempo through the Mimir datasource).
        const red = JSON.stringify(dashboards.find(d => d.uid === "obs-red")!.model);
        assert.match(red, /"exemplar":true/);
    });

    it("runs every PromQL query of every dashboard without error, and every metric it names exists", async () => {
        const all = dashboards.map(d => queriesOf(d.model));
        const targets = all.flatMap(q => q.targets);
        assert.ok(targets.length >= 100, `${targets.length} PromQL targets`);
        const names = await api(port, "/api/v1/label/__name__/values");
        const known = new Set<string>(names.data);
        const failures: string[] = [];
        for (const q of targets) {
            const expr = substitute(q.expr);
            const r = await api(port, `/api/v1/query?query=${encodeURIComponent(expr)}`);
            if (r.code !== 200 || r.status !== "success") failures.push(`${q.dashboard} / ${q.panel}: ${r.error} in ${expr}`);
            const range = await api(port, `/api/v1/query_range?query=${encodeURIComponent(expr)}&start=${Math.floor(Date.now() / 1000) - 300}&end=${Math.floor(Date.now() / 1000)}&step=15`);
            if (range.code !== 200 || range.status !== "success") failures.push(`${q.dashboard} / ${q.panel} (range): ${range.error} in ${expr}`);
            for (const m of expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\{/g)) {
                if (m[1] !== "ALERTS" && !known.has(m[1])) failures.push(`${q.dashboard} / ${q.panel}: no series named ${m[1]} (a typo, or a metric the stack does not emit)`);
            }
        }
        assert.deepEqual(failures, []);
    });

    it("finds values for every Mimir variable", async () => {
        const failures: string[] = [];
        for (const v of dashboards.flatMap(d => queriesOf(d.model).variables)) {
            const m = /^label_values\((.+), ([a-zA-Z_][a-zA-Z0-9_]*)\)$/.exec(v.expr);
            if (!m) { failures.push(`${v.dashboard} ${v.panel}: not label_values(<selector>, <label>): ${v.expr}`); continue; }
            const r = await api(port, `/api/v1/label/${m[2]}/values?match[]=${encodeURIComponent(substitute(m[1]))}`);
            if (r.code !== 200 || !(r.data?.length > 0)) failures.push(`${v.dashboard} ${v.panel}: ${r.error ?? "no values"} for ${v.expr}`);
        }
        assert.deepEqual(failures, []);
    });

    it("returns data for every query of the overview", async () => {
        const empty: string[] = [];
        for (const q of queriesOf(dashboards[0].model).targets) {
            const r = await api(port, `/api/v1/query?query=${encodeURIComponent(substitute(q.expr))}`);
            if (!(r.data?.result?.length > 0)) empty.push(`${q.panel}: ${q.expr}`);
        }
        assert.deepEqual(empty, []);
    });

    it("parses every LogQL query with Grafana's LogQL grammar (no Loki runs here), and every target has a known datasource", () => {
        const all = dashboards.map(d => queriesOf(d.model));
        assert.equal(all.reduce((n, q) => n + q.other, 0), 0, "every target is on Mimir or Loki");
        const logqlQueries = all.flatMap(q => q.logql);
        assert.ok(logqlQueries.length >= 3);
        const broken = (expr: string) => { let bad = false; logql.parse(expr).iterate({ enter: n => { if (n.type.isError) bad = true; } }); return bad; };
        assert.deepEqual(logqlQueries.filter(q => broken(substitute(q.expr))).map(q => `${q.dashboard} / ${q.panel}: ${q.expr}`), []);
        assert.ok(broken('sum(count_over_time({k8s_cluster_name="obs"}[1m]'), "the check can fail");
    });

    it("the query check can fail: a misspelt recording rule and broken PromQL are caught", async () => {
        const r = await api(port, `/api/v1/query?query=${encodeURIComponent("sum(service:requests:rate5m{")}`);
        assert.equal(r.code, 400);
        assert.equal(r.status, "error");
        const names = new Set<string>((await api(port, "/api/v1/label/__name__/values")).data);
        assert.ok(!names.has("service:request:rate5m") && names.has("service:requests:rate5m"));
    });
});
