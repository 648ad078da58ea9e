// End to end on 127.0.0.1 (`npm run e2e:collector`): the rendered agent and gateway configs run in the real collector
// (otelcol-obs), one agent and two gateways, with TLS material issued like the stack's PKI (same SANs, same usages)
// and only addresses, ports and file paths rewritten (test/helpers/collector-e2e.ts). Applications send OTLP over
// mTLS to the agent, which balances traces by trace ID over the two gateways (a static resolver); the gateways
// tail-sample, redact and export to real backends: Jaeger v2 for traces, VictoriaMetrics for metrics (OTLP, and a
// second one as the remote-write fan-out target), VictoriaLogs for logs.
import { strict as assert } from "assert";
import { collectorMetric } from "./helpers/collector-e2e";
import { type Harness, startHarness } from "./helpers/collector-harness";
import { jaegerTrace, jaegerTraceIds, vlQuery, vmSeries } from "./helpers/otel-backends";
import { attributes, otlpPost, type TestSpan, trace, traceRequest } from "./helpers/otlp-client";
import { poll } from "./helpers/processes";

/** The test stack: dev's collectors with a default rate, two per-service rules, a short decision wait, a fan-out target. */
const SAMPLING = { percent: 25, decisionWaitSeconds: 2, latencyThresholdMs: 1000 };
const RULES = [{ service: "checkout", percent: 100 }, { service: "noisy", percent: 0 }];
const RATE_TRACES = 2000;

/** Binomial bounds: `n` trials at rate `p`, ±5 standard deviations (a false alarm once in ~3.5 million runs). */
function binomialBounds(n: number, p: number): [number, number] {
    const sd = Math.sqrt(n * p * (1 - p));
    return [Math.floor(n * p - 5 * sd), Math.ceil(n * p + 5 * sd)];
}

describe("collector end to end: the rendered agent and two gateways in the real collector, real backends", function () {
    this.timeout(600000);
    let h: Harness;
    before(async () => {
        h = await startHarness({
            gateways: 2,
            values: {
                samplingPercent: String(SAMPLING.percent),
                samplingDecisionWaitSeconds: String(SAMPLING.decisionWaitSeconds),
                samplingLatencyThresholdMs: String(SAMPLING.latencyThresholdMs),
                samplingRules: JSON.stringify(RULES),
                remoteWriteTargets: JSON.stringify([{ name: "fanout", url: "https://vm.example.com/api/v1/write" }]),
            },
        });
    });
    after(async () => { await h?.stop(); });

    const send = async (services: Record<string, readonly TestSpan[]>) => {
        const r = await otlpPost(h.agent.ports.otlpHttp, "/v1/traces", traceRequest(services), h.app);
        assert.equal(r.status, 200, `agent refused traces: ${r.error ?? r.body}\n${h.agent.log.join("").slice(-2000)}`);
    };

    it("refuses an application without a certificate, with another CA's, or with the stack's own; accepts a listed client's", async () => {
        // A service the sampling test does not query: its kept traces must be exactly the ones it sent.
        const body = traceRequest({ "mtls-check": trace({ spans: 1 }) });
        const port = h.agent.ports.otlpHttp;
        assert.equal((await otlpPost(port, "/v1/traces", body, h.app)).status, 200);
        for (const [what, tls] of [
            ["no certificate", { ca: h.app.ca, servername: h.app.servername }],
            ["another CA's certificate", { ...h.app, cert: h.pki.stranger.cert, key: h.pki.stranger.key }],
            ["the stack's own client certificate (not an OTLP client)", { ...h.app, cert: h.pki["client-otel-gateway"].cert, key: h.pki["client-otel-gateway"].key }],
        ] as const) {
            const r = await otlpPost(port, "/v1/traces", body, tls);
            assert.equal(r.status, undefined, `${what}: answered HTTP ${r.status}`);
            assert.match(String(r.error), /certificate|handshake|socket hang up|ECONNRESET|alert/i, what);
        }
    });

    it("tail-samples, drops probes, redacts and keeps every kept trace whole across both gateways", async () => {
        const sent = {
            rate: Array.from({ length: RATE_TRACES }, () => trace({ spans: 3 })),
            errors: Array.from({ length: 100 }, () => trace({ spans: 3, error: true })),
            slow: Array.from({ length: 100 }, () => trace({ spans: 3, durationMs: SAMPLING.latencyThresholdMs + 500 })),
            checkout: Array.from({ length: 100 }, () => trace({ spans: 3 })),
            noisy: Array.from({ length: 200 }, () => trace({ spans: 3 })),
            noisyErrors: Array.from({ length: 20 }, () => trace({ spans: 3, error: true })),
            probes: ["/healthz", "/readyz", "/livez", "/health"].flatMap(p => Array.from({ length: 10 }, () => trace({ spans: 1, name: `GET ${p}`, attributes: { "url.path": p } }))),
            secrets: Array.from({ length: 20 }, () => trace({
                spans: 3,
                attributes: {
                    "payment.note": "card 4111 1111 1111 1111 charged", "user.password": "hunter2", "api_key": "sk-live-123", "db.credentials": "u:p",
                    "user.email": "alice@example.com", "gen_ai.prompt": "tell me a secret", "gen_ai.completion": "no", "http.route": "/pay",
                },
            })),
        };
        // Children first, roots in later requests: every span of a trace must still reach the same gateway.
        const batches: Record<string, TestSpan[]>[] = [];
        const add = (service: string, traces: TestSpan[][]) => {
            for (let i = 0; i < traces.length; i += 100) {
                const chunk = traces.slice(i, i + 100);
                batches.push({ [service]: chunk.flatMap(t => t.slice(1)) });
                batches.push({ [service]: chunk.map(t => t[0]) });
            }
        };
        add("shop-web", [...sent.rate, ...sent.errors, ...sent.slow]);
        add("checkout", [...sent.checkout, ...sent.probes, ...sent.secrets]);
        add("noisy", [...sent.noisy, ...sent.noisyErrors]);
        for (const b of batches) if (Object.values(b)[0].length > 0) await send(b);

        // Everything decided and exported: the kept traces stop growing.
        const keptIds = async () => new Set([
            ...await jaegerTraceIds(h.jaeger, "shop-web", 10000), ...await jaegerTraceIds(h.jaeger, "checkout", 10000), ...await jaegerTraceIds(h.jaeger, "noisy", 10000),
        ]);
        let last = -1;
        const kept = await poll("the kept traces to settle", 120000, async () => {
            const ids = await keptIds();
            const settled = ids.size > 0 && ids.size === last;
            last = ids.size;
            await new Promise(r => setTimeout(r, 4000));
            return settled ? ids : undefined;
        });
        const ids = (ts: TestSpan[][]) => ts.map(t => t[0].traceId);
        const keptOf = (ts: TestSpan[][]) => ids(ts).filter(id => kept.has(id));

        assert.equal(keptOf(sent.errors).length, sent.errors.length, "every trace with an error is kept");
        assert.equal(keptOf(sent.noisyErrors).length, sent.noisyErrors.length, "errors are kept even where a rule keeps nothing");
        assert.equal(keptOf(sent.slow).length, sent.slow.length, "every trace slower than the threshold is kept");
        assert.equal(keptOf(sent.checkout).length, sent.checkout.length, "checkout's rule keeps 100%");
        assert.equal(keptOf(sent.noisy).length, 0, "noisy's rule keeps 0%");
        const [lo, hi] = binomialBounds(RATE_TRACES, SAMPLING.percent / 100);
        const rate = keptOf(sent.rate).length;
        assert.ok(rate >= lo && rate <= hi, `default rate: ${rate} of ${RATE_TRACES} kept, expected ${lo}..${hi} (${SAMPLING.percent}% ± 5 sd)`);
        assert.equal(keptOf(sent.probes).length, 0, "health and readiness spans are dropped");

        // Every kept trace arrives whole, and both gateways carried traffic.
        const sentSpans = new Map(Object.values(sent).flat().map(t => [t[0].traceId, t.length]));
        const incomplete: string[] = [];
        for (const id of kept) {
            const spans = await jaegerTrace(h.jaeger, id);
            if (spans.length !== sentSpans.get(id)) incomplete.push(`${id}: ${spans.length} of ${sentSpans.get(id)}`);
        }
        assert.deepEqual(incomplete, [], "kept traces with missing spans");
        for (const g of h.gateways) assert.ok(await collectorMetric(g, "otelcol_receiver_accepted_spans") > 0, `${g.name} received no spans`);

        // Redaction on what Jaeger stored.
        for (const id of ids(sent.secrets)) {
            const root = (await jaegerTrace(h.jaeger, id)).find(s => s.attributes["http.route"] === "/pay");
            assert.ok(root, `secret trace ${id} kept`);
            const a = root.attributes;
            for (const gone of ["user.password", "api_key", "db.credentials", "gen_ai.prompt", "gen_ai.completion"]) assert.ok(!(gone in a), `${gone} still on the span`);
            assert.doesNotMatch(String(a["payment.note"]), /4111/, "card number");
            assert.ok(typeof a["user.email"] === "string" && !String(a["user.email"]).includes("@"), `e-mail not hashed: ${String(a["user.email"])}`);
        }
        console.log(`      e2e: ${rate}/${RATE_TRACES} default-rate traces kept at ${SAMPLING.percent}% (bounds ${lo}..${hi}); ${kept.size} traces kept in all, every one complete`);
    });

    it("guards metric cardinality, fans metrics out to the remote-write target, and redacts logs", async () => {
        const now = String(BigInt(Date.now()) * 1_000_000n);
        const metrics = {
            resourceMetrics: [{
                resource: { attributes: attributes({ "service.name": "shop-web" }) },
                scopeMetrics: [{ scope: { name: "e2e" }, metrics: [{
                    name: "e2e.orders", gauge: { dataPoints: [{ timeUnixNano: now, asInt: "7", attributes: attributes({ route: "/orders", "user.id": "42", "client.address": "203.0.113.9", "session.id": "s1" }) }] },
                }] }],
            }],
        };
        const mr = await otlpPost(h.agent.ports.otlpHttp, "/v1/metrics", metrics, h.app);
        assert.equal(mr.status, 200, mr.error ?? mr.body);
        const logs = {
            resourceLogs: [{
                resource: { attributes: attributes({ "service.name": "shop-web" }) },
                scopeLogs: [{ scope: { name: "e2e" }, logRecords: [{
                    timeUnixNano: now, severityText: "INFO", body: { stringValue: "order e2e-log-1 placed" },
                    attributes: attributes({ "order.id": "e2e-log-1", password: "hunter2", "customer.email": "bob@example.com", "card": "5500 0000 0000 0004" }),
                }] }],
            }],
        };
        const lr = await otlpPost(h.agent.ports.otlpHttp, "/v1/logs", logs, h.app);
        assert.equal(lr.status, 200, lr.error ?? lr.body);

        const series = await poll("e2e.orders in VictoriaMetrics", 90000, async () => {
            const s = await vmSeries(h.vm, '{__name__=~"e2e.orders.*"}');
            return s.length > 0 ? s : undefined;
        });
        for (const s of series) {
            assert.equal(s.route, "/orders");
            for (const gone of ["user.id", "client.address", "session.id"]) assert.ok(!(gone in s), `cardinality guard left ${gone}: ${JSON.stringify(s)}`);
        }
        const fanned = await poll("the metric at the remote-write target", 90000, async () => {
            const s = await vmSeries(h.vmFanout, '{__name__=~"e2e_orders.*"}');
            return s.length > 0 ? s : undefined;
        });
        for (const s of fanned) for (const gone of ["user_id", "client_address", "session_id"]) assert.ok(!(gone in s), `fan-out has ${gone}: ${JSON.stringify(s)}`);

        const rows = await poll("the log in VictoriaLogs", 60000, async () => {
            const r = await vlQuery(h.vl, '"order.id":"e2e-log-1"');
            return r.length > 0 ? r : undefined;
        });
        assert.equal(rows.length, 1);
        assert.ok(!("password" in rows[0]), "password attribute in the stored log");
        assert.ok(!String(rows[0]["customer.email"]).includes("@"), `e-mail not hashed: ${rows[0]["customer.email"]}`);
        assert.doesNotMatch(String(rows[0].card), /5500/, "card number in the stored log");
    });
});
