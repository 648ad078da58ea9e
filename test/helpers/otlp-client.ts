// A small OTLP/HTTP (JSON) client for end-to-end tests: the test's applications, with exact trace IDs, durations,
// statuses and attributes, sent over mTLS like an application holding an `otlpClients` certificate.
import { randomBytes } from "crypto";
import * as https from "https";

export type AttrValue = string | number | boolean;

/** OTLP JSON attributes (`KeyValue[]`). */
export function attributes(a: Readonly<Record<string, AttrValue>>): object[] {
    return Object.entries(a).map(([key, v]) => ({
        key,
        value: typeof v === "string" ? { stringValue: v } : typeof v === "boolean" ? { boolValue: v } : Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v },
    }));
}

export const newTraceId = () => randomBytes(16).toString("hex");
export const newSpanId = () => randomBytes(8).toString("hex");

export interface TestSpan {
    readonly traceId: string;
    readonly spanId: string;
    readonly parentSpanId?: string;
    readonly name: string;
    /** Start and duration in milliseconds (start relative to now). */
    readonly startMs: number;
    readonly durationMs: number;
    readonly error?: boolean;
    readonly attributes?: Readonly<Record<string, AttrValue>>;
}

/** A trace of `spans` spans (a root and its children) of one service, `durationMs` long. */
export function trace(o: { spans: number; durationMs?: number; error?: boolean; attributes?: Readonly<Record<string, AttrValue>>; name?: string }): TestSpan[] {
    const traceId = newTraceId();
    const root: TestSpan = { traceId, spanId: newSpanId(), name: o.name ?? "GET /orders", startMs: 0, durationMs: o.durationMs ?? 20, error: o.error, attributes: o.attributes };
    const children = Array.from({ length: o.spans - 1 }, (_, i): TestSpan => ({
        traceId, spanId: newSpanId(), parentSpanId: root.spanId, name: `child-${i}`, startMs: 1, durationMs: Math.max(1, (o.durationMs ?? 20) - 2),
    }));
    return [root, ...children];
}

/** `ExportTraceServiceRequest` JSON: one resource (service) with its spans. */
export function traceRequest(services: Readonly<Record<string, readonly TestSpan[]>>): object {
    const now = BigInt(Date.now()) * 1_000_000n;
    return {
        resourceSpans: Object.entries(services).map(([service, spans]) => ({
            resource: { attributes: attributes({ "service.name": service }) },
            scopeSpans: [{
                scope: { name: "e2e" },
                spans: spans.map(s => ({
                    traceId: s.traceId, spanId: s.spanId, ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
                    name: s.name, kind: 2,
                    startTimeUnixNano: String(now + BigInt(s.startMs) * 1_000_000n),
                    endTimeUnixNano: String(now + BigInt(s.startMs + s.durationMs) * 1_000_000n),
                    attributes: attributes(s.attributes ?? {}),
                    status: s.error ? { code: 2, message: "boom" } : { code: 0 },
                })),
            }],
        })),
    };
}

/** Client TLS of a test application: its certificate (or none), the CA it verifies the server with, the server's name. */
export interface ClientTls {
    readonly ca: string;
    readonly servername: string;
    readonly cert?: string;
    readonly key?: string;
}

/** POSTs an OTLP JSON request to `https://127.0.0.1:<port><path>`; the HTTP status, or the TLS/connection error. */
export function otlpPost(port: number, path: string, body: object, tls: ClientTls): Promise<{ status?: number; error?: string; body?: string }> {
    return new Promise(resolve => {
        const data = JSON.stringify(body);
        const req = https.request({
            host: "127.0.0.1", port, path, method: "POST",
            headers: { "content-type": "application/json", "content-length": Buffer.byteLength(data) },
            ca: tls.ca, servername: tls.servername, cert: tls.cert, key: tls.key, minVersion: "TLSv1.2", timeout: 15000,
        }, res => {
            let text = "";
            res.on("data", d => { text += d; });
            res.on("end", () => resolve({ status: res.statusCode, body: text }));
        });
        req.on("error", e => resolve({ error: e.message }));
        req.on("timeout", () => req.destroy(new Error("timeout")));
        req.end(data);
    });
}
