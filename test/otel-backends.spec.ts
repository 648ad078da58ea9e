// The real OTLP backends of the end-to-end tests, each over TLS with a throwaway CA: telemetrygen sends traces to
// Jaeger v2 (with client certificates required), metrics to VictoriaMetrics and logs to VictoriaLogs, and each test
// reads back exactly what was sent. The binaries come from `bash scripts/build-e2e-tools.sh`; without them these
// tests fail with that hint.
import { strict as assert } from "assert";
import {
    BackendTls, JaegerBackend, VictoriaBackend, jaegerServices, jaegerTrace, jaegerTraceIds, makeTestPki, request,
    runTelemetrygen, startJaeger, startVictoriaLogs, startVictoriaMetrics, tail, telemetrygenTlsArgs, TestPki,
    vlQuery, vmExport, vmQuery, vmSeries,
} from "./helpers/otel-backends";
import { poll } from "./helpers/processes";

describe("OTLP backends over TLS (Jaeger v2, VictoriaMetrics, VictoriaLogs, fed by telemetrygen)", function () {
    this.timeout(60000);
    let pki: TestPki;
    let serverTls: BackendTls;
    const run = Date.now().toString(36);

    before(() => {
        pki = makeTestPki();
        serverTls = { cert: pki.serverCert, key: pki.serverKey, ca: pki.ca };
    });

    describe("Jaeger v2 (OTLP/gRPC in, api/v3 out, client certificates required)", () => {
        let jaeger: JaegerBackend | undefined;
        after(async () => { await jaeger?.stop(); });

        it("stores exactly the 20 traces telemetrygen sent, with their spans, service and attributes", async () => {
            const tls: BackendTls = { ...serverTls, clientCa: pki.ca, clientCert: pki.clientCert, clientKey: pki.clientKey };
            jaeger = await startJaeger({ tls });
            const j = jaeger;
            // Without a client certificate the TLS handshake is refused.
            await assert.rejects(request({ baseUrl: j.baseUrl, tls: { ...tls, clientCert: undefined, clientKey: undefined } }, "/api/v3/services"));

            // 10 traces over OTLP/gRPC and 10 over OTLP/HTTP, both with the client certificate.
            const service = `e2e-traces-${run}`;
            const common = [...telemetrygenTlsArgs(tls), "--service", service, "--traces", "10", "--child-spans", "2", "--rate", "0",
                "--telemetry-attributes", `e2e.run="${run}"`, "--otlp-attributes", `deployment.environment="e2e"`];
            await runTelemetrygen(["traces", "--otlp-endpoint", `127.0.0.1:${j.otlpGrpcPort}`, ...common]);
            await runTelemetrygen(["traces", "--otlp-http", "--otlp-endpoint", `127.0.0.1:${j.otlpHttpPort}`, ...common]);

            const ids = await poll("20 traces in Jaeger", 20000, async () => {
                const found = await jaegerTraceIds(j, service, 100, 600000);
                return found.length >= 20 ? found : undefined;
            }).catch(async e => { throw new Error(`${e.message}; found ${(await jaegerTraceIds(j, service, 100, 600000)).length}\n${tail(j.log)}`); });
            assert.equal(ids.length, 20, `exactly the 20 traces sent: ${ids.join(" ")}`);
            assert.ok(ids.every(id => /^[0-9a-f]{32}$/.test(id)), `trace ids are 32 hex digits: ${ids[0]}`);
            assert.ok((await jaegerServices(j)).includes(service));

            for (const id of ids) {
                const spans = await jaegerTrace(j, id);
                assert.equal(spans.length, 3, `trace ${id}: a root span and 2 children`);
                assert.ok(spans.every(s => s.traceId === id && s.service === service), `trace ${id}: its spans, of ${service}`);
                assert.ok(spans.every(s => s.attributes["e2e.run"] === run), `trace ${id}: span attributes kept: ${JSON.stringify(spans[0].attributes)}`);
                assert.equal(spans[0].resource["deployment.environment"], "e2e");
                const roots = spans.filter(s => !s.parentSpanId);
                assert.equal(roots.length, 1, `trace ${id}: one root`);
                assert.ok(spans.filter(s => s.parentSpanId).every(s => s.parentSpanId === roots[0].spanId), `trace ${id}: children of the root`);
            }
            assert.deepEqual(await jaegerTrace(j, "0123456789abcdef0123456789abcdef"), [], "an unknown trace id reads back as none");
        });
    });

    describe("VictoriaMetrics (OTLP/HTTP in at /opentelemetry/v1/metrics)", () => {
        let vm: VictoriaBackend | undefined;
        after(async () => { await vm?.stop(); });

        it("has the series of the Sum telemetrygen sent, with its resource and data point attributes as labels", async () => {
            vm = await startVictoriaMetrics({ tls: serverTls });
            const v = vm;
            const plain = await request({ baseUrl: `http://127.0.0.1:${v.port}` }, "/health").catch((e: Error) => e);
            assert.ok(plain instanceof Error || plain.status === 400, `plain HTTP is refused: ${JSON.stringify(plain)}`);

            const service = `e2e-metrics-${run}`;
            await runTelemetrygen(["metrics", "--otlp-http", "--otlp-endpoint", `127.0.0.1:${v.port}`, "--otlp-http-url-path", "/opentelemetry/v1/metrics",
                ...telemetrygenTlsArgs(serverTls), "--service", service, "--metrics", "5", "--rate", "0",
                "--metric-type", "Sum", "--otlp-metric-name", "http.server.requests", "--telemetry-attributes", `e2e.run="${run}"`]);

            const match = `{__name__=~"http.server.requests.*", service.name="${service}"}`;
            // A new series is searchable only after VictoriaMetrics' 10 s (+jitter) update of its current-hour index.
            const series = await poll("the series in VictoriaMetrics", 25000, async () => {
                const s = await vmSeries(v, match);
                return s.length > 0 ? s : undefined;
            }).catch(e => { throw new Error(`${e.message}\n${tail(v.log)}`); });
            assert.equal(series.length, 1, JSON.stringify(series));
            // OTLP names as they are (no -opentelemetry.usePrometheusNaming): resource, scope and data point attributes as labels.
            assert.deepEqual(series[0], { __name__: "http.server.requests", "service.name": service, "e2e.run": run, "scope.name": "unknown", "scope.version": "unknown" });

            const samples = await vmQuery(v, `http.server.requests{service.name="${service}"}`);
            assert.equal(samples.length, 1, JSON.stringify(samples));
            assert.equal(samples[0].metric["service.name"], service);
            const exported = await vmExport(v, match);
            assert.deepEqual(exported.map(e => [...e.values].sort()), [[0, 1, 2, 3, 4]], "the 5 data points telemetrygen sent (values 0..4)");
        });
    });

    describe("VictoriaLogs (OTLP/HTTP in at /insert/opentelemetry/v1/logs)", () => {
        let vl: VictoriaBackend | undefined;
        after(async () => { await vl?.stop(); });

        it("has exactly the 25 log records telemetrygen sent, body as _msg and attributes as fields", async () => {
            vl = await startVictoriaLogs({ tls: serverTls });
            const v = vl;
            const service = `e2e-logs-${run}`;
            await runTelemetrygen(["logs", "--otlp-http", "--otlp-endpoint", `127.0.0.1:${v.port}`, "--otlp-http-url-path", "/insert/opentelemetry/v1/logs",
                ...telemetrygenTlsArgs(serverTls), "--service", service, "--logs", "25", "--rate", "0",
                "--body", `e2e log line ${run}`, "--severity-text", "Warn", "--severity-number", "13", "--telemetry-attributes", `e2e.run="${run}"`]);

            const query = `service.name:="${service}"`;
            const rows = await poll("25 logs in VictoriaLogs", 20000, async () => {
                const r = await vlQuery(v, query);
                return r.length >= 25 ? r : undefined;
            }).catch(async e => { throw new Error(`${e.message}; found ${(await vlQuery(v, query).catch(() => [])).length}\n${tail(v.log)}`); });
            assert.equal(rows.length, 25);
            assert.ok(rows.every(r => r._msg === `e2e log line ${run}` && r["e2e.run"] === run && r.severity_text === "Warn" && r.severity_number === "13"), JSON.stringify(rows[0]));
            const count = await vlQuery(v, `${query} | stats count() as n`);
            assert.deepEqual(count, [{ n: "25" }]);
        });
    });
});
