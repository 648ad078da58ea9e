// Real OTLP backends for end-to-end tests, on 127.0.0.1 only and over TLS when given a certificate: Jaeger v2 (traces),
// VictoriaMetrics (metrics), VictoriaLogs (logs), and telemetrygen to send to them. They are Go programs built,
// pinned, by `bash scripts/build-e2e-tools.sh` into .cache/e2e-tools/bin; a missing one fails the test with that hint
// (tests never skip). Every server keeps its output for the failure message, writes its data and config to a
// tempDir (removed at the end of the run) and is stopped by the spec's own `after` hook through `stop()`.
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import * as net from "net";
import * as path from "path";
import { freePort, poll, stop as stopProcess } from "./processes";
import { tempDir } from "./temp";
import { opensslPki } from "./pki";
import { CA_USES, CLIENT_USES, SERVER_USES } from "../../components/render/pki";

/** Where scripts/build-e2e-tools.sh puts the binaries (<repo>/.cache/e2e-tools/bin, or $E2E_TOOLS_DIR/bin as there). */
export const E2E_TOOLS_BIN = path.join(process.env.E2E_TOOLS_DIR || path.resolve(__dirname, "..", "..", ".cache", "e2e-tools"), "bin");
export type E2ETool = "jaeger" | "victoria-metrics" | "victoria-logs" | "telemetrygen" | "amtool";

/** The path of a built tool; a missing one fails with the command that builds it. */
export function e2eTool(name: E2ETool): string {
    const file = path.join(E2E_TOOLS_BIN, name);
    try {
        fs.accessSync(file, fs.constants.X_OK);
    } catch {
        throw new Error(`${name} is not built (${file} is missing): run \`bash scripts/build-e2e-tools.sh\` from the repository root`);
    }
    return file;
}

/** TLS for a started backend: the server's certificate and key (PEM files), and what the helpers' own queries use. */
export interface BackendTls {
    cert: string;
    key: string;
    /** Require client certificates signed by this CA (Jaeger only: VictoriaMetrics/VictoriaLogs have mTLS only in their enterprise builds). */
    clientCa?: string;
    /** The CA that the helpers' queries trust (the one that signed `cert`); defaults to `cert` itself (self-signed). */
    ca?: string;
    /** The client certificate and key that the helpers' queries present (needed with `clientCa`). */
    clientCert?: string;
    clientKey?: string;
    /** The name the helpers' queries verify the server certificate by (default: the address, 127.0.0.1). */
    servername?: string;
}

/** What the query helpers need to reach a backend. */
export interface Endpoint {
    baseUrl: string;
    tls?: BackendTls;
}

export interface Backend extends Endpoint {
    process: ChildProcess;
    /** Everything the process printed so far (capped), for failure messages. */
    log: string[];
    stop(): Promise<void>;
}

export interface JaegerBackend extends Backend {
    otlpGrpcPort: number;
    otlpHttpPort: number;
    queryPort: number;
    queryGrpcPort: number;
    configFile: string;
}

export interface VictoriaBackend extends Backend {
    port: number;
}

/** Starts a built tool; its output goes to `log` (capped), and a spawn error is logged rather than thrown. */
function launch(tool: E2ETool, args: string[], log: string[]): ChildProcess {
    const p = spawn(e2eTool(tool), args, { stdio: ["ignore", "pipe", "pipe"] });
    const keep = (d: Buffer) => { if (log.length < 2000) log.push(String(d)); };
    p.stdout!.on("data", keep);
    p.stderr!.on("data", keep);
    p.on("error", e => { failedToSpawn.add(p); log.push(`spawn ${tool}: ${e}\n`); });
    return p;
}
const failedToSpawn = new WeakSet<ChildProcess>();

/** The last part of a log, for failure messages. */
export function tail(log: string[], chars = 4000): string {
    return log.join("").slice(-chars);
}

/** Waits until `ready` returns true; fails at once (with the output) when the process exits, or after `timeoutMs`. */
async function waitReady(what: string, p: ChildProcess, log: string[], timeoutMs: number, ready: () => Promise<boolean>): Promise<void> {
    let exited = false;
    const result = await poll(what, timeoutMs, async () => {
        if (p.exitCode !== null || p.signalCode !== null || failedToSpawn.has(p)) { exited = true; return true; }
        return (await ready()) ? true : undefined;
    }).catch(async e => {
        await stopProcess(p);
        throw new Error(`${e.message}\n--- ${what} output ---\n${tail(log)}`);
    });
    if (exited || !result) throw new Error(`${what} exited (${p.exitCode ?? p.signalCode})\n--- output ---\n${tail(log)}`);
}

function tcpOpen(port: number): Promise<boolean> {
    return new Promise(resolve => {
        const s = net.connect({ host: "127.0.0.1", port }, () => { s.destroy(); resolve(true); });
        s.once("error", () => resolve(false));
        s.setTimeout(2000, () => { s.destroy(); resolve(false); });
    });
}

export interface HttpResult { status: number; body: string }

/** GET (or POST) over http or https, trusting `tls.ca` (and presenting the client certificate, if any). */
export function request(ep: Endpoint, pathAndQuery: string, opts: { method?: string; body?: string; headers?: Record<string, string>; timeoutMs?: number } = {}): Promise<HttpResult> {
    const url = new URL(pathAndQuery, ep.baseUrl);
    const tls = ep.tls;
    return new Promise((resolve, reject) => {
        const options: https.RequestOptions = {
            method: opts.method ?? "GET",
            headers: opts.headers,
            timeout: opts.timeoutMs ?? 10000,
        };
        if (url.protocol === "https:" && tls) {
            options.ca = fs.readFileSync(tls.ca ?? tls.cert);
            if (tls.servername) options.servername = tls.servername;
            if (tls.clientCert && tls.clientKey) {
                options.cert = fs.readFileSync(tls.clientCert);
                options.key = fs.readFileSync(tls.clientKey);
            }
        }
        const req = (url.protocol === "https:" ? https : http).request(url, options, res => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
            res.on("error", reject);
        });
        req.on("timeout", () => req.destroy(new Error(`timeout: ${opts.method ?? "GET"} ${url}`)));
        req.on("error", reject);
        req.end(opts.body);
    });
}

/** GET that must answer 200 with JSON. */
async function getJson<T>(ep: Endpoint, pathAndQuery: string): Promise<T> {
    const r = await request(ep, pathAndQuery);
    if (r.status !== 200) throw new Error(`GET ${pathAndQuery}: HTTP ${r.status}: ${r.body.slice(0, 1000)}`);
    return JSON.parse(r.body) as T;
}

function scheme(tls?: BackendTls): string {
    return tls ? "https" : "http";
}

// ---------------------------------------------------------------------------------------------------------------
// Jaeger v2

/** The Jaeger v2 config (an OpenTelemetry Collector config): OTLP in, memory storage, jaeger_query on HTTP and gRPC. */
export function jaegerConfig(ports: { otlpGrpcPort: number; otlpHttpPort: number; queryPort: number; queryGrpcPort: number }, tls?: BackendTls): string {
    const serverTls = tls ? {
        cert_file: tls.cert,
        key_file: tls.key,
        ...(tls.clientCa ? { client_ca_file: tls.clientCa } : {}),
    } : undefined;
    const withTls = (endpoint: string) => ({ endpoint, ...(serverTls ? { tls: serverTls } : {}) });
    const config = {
        service: {
            extensions: ["jaeger_storage", "jaeger_query"],
            pipelines: { traces: { receivers: ["otlp"], processors: [], exporters: ["jaeger_storage_exporter"] } },
            // No internal metrics endpoint (its default port 8888 could clash).
            telemetry: { metrics: { level: "none" }, logs: { level: "info" } },
        },
        extensions: {
            jaeger_storage: { backends: { memstore: { memory: { max_traces: 100000 } } } },
            jaeger_query: {
                storage: { traces: "memstore" },
                // On by default in v2: Jaeger would send its own query spans to localhost:4317 (and retry on stop).
                enable_tracing: false,
                http: withTls(`127.0.0.1:${ports.queryPort}`),
                grpc: withTls(`127.0.0.1:${ports.queryGrpcPort}`),
            },
        },
        receivers: {
            otlp: {
                protocols: {
                    grpc: withTls(`127.0.0.1:${ports.otlpGrpcPort}`),
                    http: withTls(`127.0.0.1:${ports.otlpHttpPort}`),
                },
            },
        },
        exporters: { jaeger_storage_exporter: { trace_storage: "memstore" } },
    };
    // JSON is YAML: no YAML dependency needed to write it.
    return JSON.stringify(config, null, 2);
}

/** Starts Jaeger v2 (all in one process, memory storage) from a generated config; resolves once it answers queries. */
export async function startJaeger(opts: { tls?: BackendTls; timeoutMs?: number; ports?: Pick<JaegerBackend, "otlpGrpcPort" | "otlpHttpPort" | "queryPort" | "queryGrpcPort"> } = {}): Promise<JaegerBackend> {
    // `ports`: the same addresses again (a restart, as of a backend that was down), with empty storage.
    const ports = opts.ports ?? { otlpGrpcPort: await freePort(), otlpHttpPort: await freePort(), queryPort: await freePort(), queryGrpcPort: await freePort() };
    const configFile = path.join(tempDir("jaeger"), "jaeger.yaml");
    fs.writeFileSync(configFile, jaegerConfig(ports, opts.tls));
    const log: string[] = [];
    const p = launch("jaeger", ["--config", configFile], log);
    const j: JaegerBackend = {
        ...ports, configFile, process: p, log,
        baseUrl: `${scheme(opts.tls)}://127.0.0.1:${ports.queryPort}`,
        tls: opts.tls,
        stop: () => stopProcess(p),
    };
    await waitReady("jaeger", p, log, opts.timeoutMs ?? 30000, async () =>
        await tcpOpen(ports.otlpGrpcPort) && await tcpOpen(ports.otlpHttpPort) && (await request(j, "/api/v3/services")).status === 200);
    return j;
}

/** A span as read back from Jaeger: ids in hex, attributes flattened to plain values. */
export interface JaegerSpan {
    traceId: string;
    spanId: string;
    parentSpanId: string;
    name: string;
    kind: string | number;
    service: string;
    startTimeUnixNano: string;
    endTimeUnixNano: string;
    attributes: Record<string, unknown>;
    resource: Record<string, unknown>;
    scope: string;
    status?: unknown;
}

interface OtlpKeyValue { key: string; value: OtlpAnyValue }
interface OtlpAnyValue {
    stringValue?: string; boolValue?: boolean; intValue?: string | number; doubleValue?: number; bytesValue?: string;
    arrayValue?: { values?: OtlpAnyValue[] }; kvlistValue?: { values?: OtlpKeyValue[] };
}
interface OtlpTraces {
    resourceSpans?: Array<{
        resource?: { attributes?: OtlpKeyValue[] };
        scopeSpans?: Array<{ scope?: { name?: string }; spans?: Array<Record<string, unknown> & { attributes?: OtlpKeyValue[] }> }>;
    }>;
}

/** An OTLP/JSON AnyValue as a plain value (ints stay strings when OTLP/JSON sends them so, as int64 does). */
export function otlpValue(v: OtlpAnyValue | undefined): unknown {
    if (!v) return undefined;
    if (v.stringValue !== undefined) return v.stringValue;
    if (v.boolValue !== undefined) return v.boolValue;
    if (v.intValue !== undefined) return Number(v.intValue);
    if (v.doubleValue !== undefined) return v.doubleValue;
    if (v.bytesValue !== undefined) return v.bytesValue;
    if (v.arrayValue) return (v.arrayValue.values ?? []).map(otlpValue);
    if (v.kvlistValue) return otlpAttributes(v.kvlistValue.values);
    return undefined;
}

export function otlpAttributes(kvs: OtlpKeyValue[] | undefined): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const kv of kvs ?? []) out[kv.key] = otlpValue(kv.value);
    return out;
}

/** Flattens an OTLP/JSON traces document (as api/v3 returns) into spans. */
export function otlpSpans(doc: OtlpTraces): JaegerSpan[] {
    const spans: JaegerSpan[] = [];
    for (const rs of doc.resourceSpans ?? []) {
        const resource = otlpAttributes(rs.resource?.attributes);
        for (const ss of rs.scopeSpans ?? []) {
            for (const s of ss.spans ?? []) {
                spans.push({
                    traceId: String(s.traceId ?? ""),
                    spanId: String(s.spanId ?? ""),
                    parentSpanId: String(s.parentSpanId ?? ""),
                    name: String(s.name ?? ""),
                    kind: s.kind as string | number,
                    service: String(resource["service.name"] ?? ""),
                    startTimeUnixNano: String(s.startTimeUnixNano ?? ""),
                    endTimeUnixNano: String(s.endTimeUnixNano ?? ""),
                    attributes: otlpAttributes(s.attributes),
                    resource,
                    scope: ss.scope?.name ?? "",
                    status: s.status,
                });
            }
        }
    }
    return spans;
}

/** The service names Jaeger has seen (`GET /api/v3/services`). */
export async function jaegerServices(j: Endpoint): Promise<string[]> {
    const body = await getJson<{ services?: string[] }>(j, "/api/v3/services");
    return (body.services ?? []).slice().sort();
}

/** Every span of one trace (`GET /api/v3/traces/<id>`); [] when Jaeger does not have it. */
export async function jaegerTrace(j: Endpoint, traceIdHex: string): Promise<JaegerSpan[]> {
    const r = await request(j, `/api/v3/traces/${encodeURIComponent(traceIdHex.toLowerCase())}`);
    if (r.status === 404) return [];
    if (r.status !== 200) throw new Error(`GET /api/v3/traces/${traceIdHex}: HTTP ${r.status}: ${r.body.slice(0, 1000)}`);
    return otlpSpans((JSON.parse(r.body) as { result?: OtlpTraces }).result ?? {});
}

/** The ids (hex) of up to `limit` traces of `service` that started within the last `lookbackMs`
 *  (`GET /api/v3/traces?query.service_name=…`; a 404 there means none). */
export async function jaegerTraceIds(j: Endpoint, service: string, limit = 100, lookbackMs = 3600000): Promise<string[]> {
    const now = Date.now();
    const q = new URLSearchParams({
        "query.service_name": service,
        "query.start_time_min": new Date(now - lookbackMs).toISOString(),
        "query.start_time_max": new Date(now + 60000).toISOString(),
        "query.num_traces": String(limit),
    });
    const r = await request(j, `/api/v3/traces?${q}`);
    if (r.status === 404) return [];
    if (r.status !== 200) throw new Error(`GET /api/v3/traces?${q}: HTTP ${r.status}: ${r.body.slice(0, 1000)}`);
    const ids = new Set(otlpSpans((JSON.parse(r.body) as { result?: OtlpTraces }).result ?? {}).map(s => s.traceId));
    return [...ids].sort();
}

// ---------------------------------------------------------------------------------------------------------------
// VictoriaMetrics and VictoriaLogs

function victoriaTlsArgs(tool: string, tls?: BackendTls): string[] {
    if (!tls) return [];
    if (tls.clientCa) throw new Error(`${tool}: client certificates (-mtls) are an enterprise feature; the open-source build cannot require them`);
    return ["-tls", `-tlsCertFile=${tls.cert}`, `-tlsKeyFile=${tls.key}`];
}

async function startVictoria(tool: "victoria-metrics" | "victoria-logs", extra: string[], opts: { tls?: BackendTls; args?: string[]; timeoutMs?: number }): Promise<VictoriaBackend> {
    const port = await freePort();
    const dir = tempDir(tool);
    const log: string[] = [];
    const args = [
        `-httpListenAddr=127.0.0.1:${port}`, `-storageDataPath=${path.join(dir, "data")}`, "-retentionPeriod=1d",
        ...extra, ...victoriaTlsArgs(tool, opts.tls), ...(opts.args ?? []),
    ];
    const p = launch(tool, args, log);
    const b: VictoriaBackend = { port, process: p, log, baseUrl: `${scheme(opts.tls)}://127.0.0.1:${port}`, tls: opts.tls, stop: () => stopProcess(p) };
    await waitReady(tool, p, log, opts.timeoutMs ?? 30000, async () => (await request(b, "/health")).status === 200);
    return b;
}

/** VictoriaMetrics single node, fresh samples queryable after 1 s. OTLP/HTTP at /opentelemetry/v1/metrics,
 *  remote write at /api/v1/write. `args` adds flags (e.g. -opentelemetry.usePrometheusNaming). */
export function startVictoriaMetrics(opts: { tls?: BackendTls; args?: string[]; timeoutMs?: number } = {}): Promise<VictoriaBackend> {
    return startVictoria("victoria-metrics", ["-search.latencyOffset=1s"], opts);
}

export interface PromSample { metric: Record<string, string>; value: [number, string] }

/** An instant query (`/api/v1/query`): the result vector. */
export async function vmQuery(vm: Endpoint, promql: string): Promise<PromSample[]> {
    const body = await getJson<{ status: string; data: { result: PromSample[] } }>(vm, `/api/v1/query?${new URLSearchParams({ query: promql })}`);
    return body.data.result;
}

/** The series matching a selector over the last `lookbackMs` (`/api/v1/series`): their label sets. */
export async function vmSeries(vm: Endpoint, match: string, lookbackMs = 3600000): Promise<Array<Record<string, string>>> {
    const q = new URLSearchParams({ "match[]": match, start: String(Math.floor((Date.now() - lookbackMs) / 1000)) });
    const body = await getJson<{ status: string; data: Array<Record<string, string>> }>(vm, `/api/v1/series?${q}`);
    return body.data;
}

export interface ExportedSeries { metric: Record<string, string>; values: number[]; timestamps: number[] }

/** The raw samples of the matching series over the last `lookbackMs` (`/api/v1/export`, one JSON line per series). */
export async function vmExport(vm: Endpoint, match: string, lookbackMs = 3600000): Promise<ExportedSeries[]> {
    const now = Date.now();
    const q = new URLSearchParams({ "match[]": match, start: String(Math.floor((now - lookbackMs) / 1000)), end: String(Math.ceil(now / 1000) + 60) });
    const r = await request(vm, `/api/v1/export?${q}`);
    if (r.status !== 200) throw new Error(`GET /api/v1/export?${q}: HTTP ${r.status}: ${r.body.slice(0, 1000)}`);
    return r.body.split("\n").filter(l => l.trim() !== "").map(l => JSON.parse(l) as ExportedSeries);
}

/** VictoriaLogs single node. OTLP/HTTP at /insert/opentelemetry/v1/logs, LogsQL at /select/logsql/query. */
export function startVictoriaLogs(opts: { tls?: BackendTls; args?: string[]; timeoutMs?: number } = {}): Promise<VictoriaBackend> {
    return startVictoria("victoria-logs", [], opts);
}

/** A LogsQL query (`/select/logsql/query`): one parsed object per JSON line. */
export async function vlQuery(vl: Endpoint, logsql: string, limit?: number): Promise<Array<Record<string, string>>> {
    const q = new URLSearchParams({ query: logsql, ...(limit !== undefined ? { limit: String(limit) } : {}) });
    const r = await request(vl, `/select/logsql/query?${q}`);
    if (r.status !== 200) throw new Error(`LogsQL ${logsql}: HTTP ${r.status}: ${r.body.slice(0, 1000)}`);
    return r.body.split("\n").filter(l => l.trim() !== "").map(l => JSON.parse(l) as Record<string, string>);
}

// ---------------------------------------------------------------------------------------------------------------
// telemetrygen and test certificates

/** The telemetrygen flags that trust `tls.ca` (and present the client certificate when there is one). */
export function telemetrygenTlsArgs(tls: BackendTls): string[] {
    const args = ["--ca-cert", tls.ca ?? tls.cert];
    if (tls.clientCert && tls.clientKey) args.push("--mtls", "--client-cert", tls.clientCert, "--client-key", tls.clientKey);
    return args;
}

/** Runs telemetrygen (`traces|metrics|logs …`) to completion; fails with its output when it exits non-zero. */
export function runTelemetrygen(args: string[], timeoutMs = 60000): Promise<string> {
    const bin = e2eTool("telemetrygen");
    return new Promise((resolve, reject) => {
        const p = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        p.stdout.on("data", d => { out += d; });
        p.stderr.on("data", d => { out += d; });
        const timer = setTimeout(() => p.kill("SIGKILL"), timeoutMs);
        p.on("error", e => { clearTimeout(timer); reject(e); });
        p.on("close", (code, signal) => {
            clearTimeout(timer);
            if (code === 0) resolve(out);
            else reject(new Error(`telemetrygen ${args.join(" ")} failed (${code ?? signal}${signal === "SIGKILL" ? `, killed after ${timeoutMs} ms` : ""}):\n${out.slice(-4000)}`));
        });
    });
}

export interface TestPki {
    dir: string;
    ca: string;
    caKey: string;
    /** Server certificate for 127.0.0.1 and localhost (SAN IP:127.0.0.1, DNS:localhost). */
    serverCert: string;
    serverKey: string;
    /** Client certificate (extendedKeyUsage clientAuth). */
    clientCert: string;
    clientKey: string;
}

/** A throwaway CA with a server and a client certificate (EC P-256, valid 1 day), made with openssl. */
export function makeTestPki(): TestPki {
    const { dir, make } = opensslPki("pki");
    const ca = make("ca", "/CN=obs-e2e-test-ca", CA_USES);
    const server = make("server", "/CN=localhost", SERVER_USES, "ca", ["127.0.0.1", "localhost"]);
    const client = make("client", "/CN=obs-e2e-test-client", CLIENT_USES, "ca");
    return { dir, ca: ca.certFile, caKey: ca.keyFile, serverCert: server.certFile, serverKey: server.keyFile, clientCert: client.certFile, clientKey: client.keyFile };
}
