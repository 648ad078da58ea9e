// What the delivery end-to-end test (`npm run e2e:delivery`) is made of: a backend that can go away (a TCP proxy in
// front of Jaeger, so Jaeger keeps what it stored), collectors that can be killed and started again on the same
// ports and queue directories, and applications that send one-span traces, retry a refused request as an SDK does,
// and remember every span an agent acknowledged. A span is lost when an agent acknowledged it and the backend never
// got it.
import * as net from "net";
import { type CollectorPorts, type RunningCollector, startCollector } from "./collector-e2e";
import { type Endpoint, jaegerTraceIds } from "./otel-backends";
import { type ClientTls, otlpPost, trace, traceRequest } from "./otlp-client";
import { stop } from "./processes";

type Values = Record<string, any>;

/** A TCP proxy on 127.0.0.1 to `targetPort`: `down()` closes every connection and refuses new ones until `up()`. */
export interface TcpProxy {
    readonly port: number;
    down(): void;
    up(): Promise<void>;
    close(): Promise<void>;
}

export async function tcpProxy(targetPort: number): Promise<TcpProxy> {
    const sockets = new Set<net.Socket>();
    const serve = () => net.createServer(client => {
        const upstream = net.connect(targetPort, "127.0.0.1");
        for (const s of [client, upstream]) {
            sockets.add(s);
            s.on("close", () => sockets.delete(s));
            s.on("error", () => { client.destroy(); upstream.destroy(); });
        }
        client.pipe(upstream).pipe(client);
    });
    const listen = (s: net.Server, port: number) => new Promise<number>((resolve, reject) => {
        s.once("error", reject);
        s.listen(port, "127.0.0.1", () => resolve((s.address() as net.AddressInfo).port));
    });
    let server: net.Server | undefined = serve();
    const port = await listen(server, 0);
    const shut = async () => {
        const s = server;
        server = undefined;
        for (const socket of sockets) socket.destroy();
        if (s) await new Promise<void>(resolve => s.close(() => resolve()));
    };
    return {
        port,
        down: () => { void shut(); },
        up: async () => { if (!server) { server = serve(); await listen(server, port); } },
        close: shut,
    };
}

/** A collector that can be killed (SIGKILL, as a crash or an OOM kill) and started again exactly as it was. */
export interface Restartable {
    readonly name: string;
    readonly ports: CollectorPorts;
    current: RunningCollector;
    kill(): void;
    restart(): Promise<void>;
    stop(): Promise<void>;
}

export async function restartable(name: string, config: Values, ports: CollectorPorts, dir: string, env: Readonly<Record<string, string>>, binary?: string): Promise<Restartable> {
    const launch = () => startCollector(name, config, ports, dir, env, binary);
    const r: Restartable = {
        name, ports, current: await launch(),
        kill: () => { r.current.process.kill("SIGKILL"); },
        restart: async () => {
            await stop(r.current.process);
            r.current = await launch();
        },
        stop: () => stop(r.current.process),
    };
    return r;
}

/**
 * An application sending one-span error traces of `service` (kept by every sampling policy) to an agent's OTLP/HTTP
 * port: a request of `batch` spans every `intervalMs`; a request the agent refuses or cannot take is sent again
 * (500 ms apart) until it is acknowledged, as an SDK's retry does. `acknowledged` holds the trace IDs of every span
 * an agent answered 200 for.
 */
export class SpanStream {
    /** Every acknowledged trace ID, and when it was acknowledged (ms since the epoch). */
    readonly acknowledged = new Map<string, number>();
    retries = 0;
    private running = false;
    private loop?: Promise<void>;

    constructor(private readonly o: { agentPort: () => number; tls: ClientTls; service: string; batch: number; intervalMs: number }) {}

    start(): void {
        this.running = true;
        this.loop = (async () => {
            while (this.running) {
                const spans = Array.from({ length: this.o.batch }, () => trace({ spans: 1, error: true, name: "POST /pay" })[0]);
                const body = traceRequest({ [this.o.service]: spans });
                for (;;) {
                    const r = await otlpPost(this.o.agentPort(), "/v1/traces", body, this.o.tls);
                    if (r.status === 200) break;
                    this.retries++;
                    await sleep(500);
                }
                const now = Date.now();
                for (const s of spans) this.acknowledged.set(s.traceId, now);
                await sleep(this.o.intervalMs);
            }
        })();
    }

    /** Stops sending once the request in flight is acknowledged. */
    async stop(): Promise<void> {
        this.running = false;
        await this.loop;
    }
}

export const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/**
 * How many of the acknowledged trace IDs Jaeger does not have, polled until none is missing or the count has not
 * changed for `settleMs` (the exporters' retries back off up to 30 s).
 */
export async function missing(jaeger: Endpoint, service: string, acknowledged: ReadonlyMap<string, number>, settleMs = 75000, timeoutMs = 240000): Promise<number> {
    const until = Date.now() + timeoutMs;
    let last = -1;
    let changed = Date.now();
    for (;;) {
        const found = new Set(await jaegerTraceIds(jaeger, service, acknowledged.size + 1000));
        const lost = [...acknowledged.keys()].filter(id => !found.has(id)).length;
        if (lost !== last) { last = lost; changed = Date.now(); }
        if (lost === 0 || Date.now() - changed > settleMs || Date.now() > until) return lost;
        await sleep(5000);
    }
}
