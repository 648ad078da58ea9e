// The rendered collector configs, rewritten to run on this host (127.0.0.1): only addresses, ports and file paths
// change, and the TLS files are the test PKI's. The agent's Kubernetes-bound components (k8s_attributes, kubelet_stats,
// the scrape jobs that discover pods through the API) need a cluster: the end-to-end run leaves them out, and
// `otelcol validate` (test/otelcol.spec.ts) checks them as rendered.
import type { ChildProcess } from "child_process";
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { COLLECTOR_TLS_DIR, type OtelConfig } from "../../components/render/collector/otel";
import { host as hostOf } from "../../components/render/connections/census";
import { freePort, poll } from "./processes";
import { otelcolBinary, placeholderEnv } from "./otelcol";

type Values = Record<string, any>;

/** A collector's listening ports on this host. */
export interface CollectorPorts {
    readonly otlpGrpc: number;
    readonly otlpHttp: number;
    readonly health: number;
    readonly telemetry: number;
    readonly pprof: number;
    readonly zpages: number;
}

export async function collectorPorts(): Promise<CollectorPorts> {
    return { otlpGrpc: await freePort(), otlpHttp: await freePort(), health: await freePort(), telemetry: await freePort(), pprof: await freePort(), zpages: await freePort() };
}

/** Every string of a value with `from` replaced by `to` (the TLS mount and state paths). */
function replaceStrings(v: unknown, from: string, to: string): unknown {
    if (typeof v === "string") return v.split(from).join(to);
    if (Array.isArray(v)) return v.map(x => replaceStrings(x, from, to));
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, replaceStrings(x, from, to)]));
    return v;
}


/**
 * What both roles share: the TLS directory, the state directories, the listeners (OTLP, health, debugging endpoints,
 * own telemetry and its self-scrape) on 127.0.0.1.
 */
function rewriteCommon(rendered: OtelConfig, o: { ports: CollectorPorts; tlsDir: string; stateDir: string }): Values {
    const c = replaceStrings(structuredClone(rendered), COLLECTOR_TLS_DIR, o.tlsDir) as Values;
    for (const [id, ext] of Object.entries<Values>(c.extensions)) {
        const type = id.split("/")[0];
        if (type === "file_storage") {
            const dir = path.join(o.stateDir, id.replace("/", "-"));
            ext.directory = dir;
            if (ext.compaction) ext.compaction.directory = dir;
        } else if (type === "health_check") ext.endpoint = `127.0.0.1:${o.ports.health}`;
        else if (type === "pprof") ext.endpoint = `127.0.0.1:${o.ports.pprof}`;
        else if (type === "zpages") ext.endpoint = `127.0.0.1:${o.ports.zpages}`;
    }
    for (const [id, r] of Object.entries<Values>(c.receivers)) {
        const type = id.split("/")[0];
        if (type === "otlp") {
            if (r.protocols.grpc) r.protocols.grpc.endpoint = `127.0.0.1:${o.ports.otlpGrpc}`;
            if (r.protocols.http) r.protocols.http.endpoint = `127.0.0.1:${o.ports.otlpHttp}`;
        }
        if (type === "prometheus") {
            for (const job of r.config.scrape_configs as Values[]) {
                for (const s of (job.static_configs as Values[] | undefined) ?? []) s.targets = (s.targets as string[]).map(t => (t === "127.0.0.1:8888" ? `127.0.0.1:${o.ports.telemetry}` : t));
            }
        }
    }
    for (const reader of c.service.telemetry.metrics?.readers ?? []) {
        const prom = reader.pull?.exporter?.prometheus;
        if (prom) prom.port = o.ports.telemetry;
    }
    return c;
}

/** Drops a component from its section and from every pipeline. */
function drop(c: Values, kind: "receivers" | "processors", id: string): void {
    delete c[kind][id];
    for (const p of Object.values<Values>(c.service.pipelines)) p[kind] = (p[kind] as string[]).filter(x => x !== id);
}

/**
 * The agent on this host: OTLP from the test's applications; traces over `load_balancing` with a static resolver of
 * the gateways (each verified by the name the rendered config verifies); metrics and logs to the first gateway; pod
 * logs read from `podLogDir`; host metrics from this host's /proc.
 */
export function agentForHost(rendered: OtelConfig, o: { ports: CollectorPorts; tlsDir: string; stateDir: string; gateways: number[]; podLogDir: string }): Values {
    const c = rewriteCommon(rendered, o);
    drop(c, "processors", "k8s_attributes");
    drop(c, "receivers", "kubelet_stats");
    for (const [id, r] of Object.entries<Values>(c.receivers)) {
        const type = id.split("/")[0];
        if (type === "prometheus") r.config.scrape_configs = (r.config.scrape_configs as Values[]).filter(j => !j.kubernetes_sd_configs);
        if (type === "host_metrics") r.root_path = "/";
        if (type === "file_log") {
            r.include = (r.include as string[]).map(p => p.replace(/^\/var\/log\/pods/, o.podLogDir));
            r.exclude = (r.exclude as string[]).map(p => p.replace(/^\/var\/log\/pods/, o.podLogDir));
        }
    }
    for (const [id, e] of Object.entries<Values>(c.exporters)) {
        const type = id.split("/")[0];
        if (type === "load_balancing") {
            e.resolver = { static: { hostnames: o.gateways.map(p => `127.0.0.1:${p}`) } };
        } else if (type === "otlp_grpc") {
            e.tls.server_name_override ??= hostOf(e.endpoint);
            e.endpoint = `127.0.0.1:${o.gateways[0]}`;
        }
    }
    return c;
}

/** Where the gateway's exporters go on this host: Jaeger for Tempo, VictoriaLogs for Loki, VictoriaMetrics for Mimir. */
export interface GatewayTargets {
    readonly tracesGrpcPort: number;
    readonly logsBaseUrl: string;
    readonly metricsBaseUrl: string;
    /** Each remote-write target's URL on this host, by exporter id, and the CA file its server certificate needs. */
    readonly remoteWrite?: Readonly<Record<string, string>>;
    readonly remoteWriteCa?: string;
}

/** A gateway on this host: its OTLP listener, its queues in `stateDir`, its exporters to the stand-in backends. */
export function gatewayForHost(rendered: OtelConfig, o: { ports: CollectorPorts; tlsDir: string; stateDir: string; targets: GatewayTargets }): Values {
    const c = rewriteCommon(rendered, o);
    for (const [id, e] of Object.entries<Values>(c.exporters)) {
        const type = id.split("/")[0];
        if (type === "otlp_grpc") {
            e.tls.server_name_override ??= hostOf(e.endpoint);
            e.endpoint = `127.0.0.1:${o.targets.tracesGrpcPort}`;
        } else if (type === "otlp_http") {
            e.tls.server_name_override ??= hostOf(e.endpoint);
            e.endpoint = /loki/.test(String(e.endpoint)) ? o.targets.logsBaseUrl : o.targets.metricsBaseUrl;
        } else if (type === "prometheus_remote_write") {
            const url = o.targets.remoteWrite?.[id];
            if (!url) throw new Error(`no host URL for ${id}`);
            e.tls = { ...(e.tls ?? {}), server_name_override: hostOf(String(e.endpoint)), ca_file: o.targets.remoteWriteCa };
            e.endpoint = url;
            if (e.wal?.directory) e.wal.directory = path.join(o.stateDir, `${id.replace("/", "-")}-wal`);
        }
    }
    return c;
}

/** A running collector: its process, its output, where its config is. */
export interface RunningCollector {
    readonly name: string;
    readonly process: ChildProcess;
    readonly log: string[];
    readonly ports: CollectorPorts;
    readonly configFile: string;
}

/**
 * Starts the test collector (or `binary`) on a config (with the pod's plain environment, GOMEMLIMIT) and waits until
 * its health check answers.
 */
export async function startCollector(name: string, config: Values, ports: CollectorPorts, dir: string, podEnv: Readonly<Record<string, string>> = {}, binary = otelcolBinary()): Promise<RunningCollector> {
    const configFile = path.join(dir, `${name}.yaml`);
    const text = YAML.stringify(config);
    fs.writeFileSync(configFile, text);
    const log: string[] = [];
    const env = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...placeholderEnv(text), ...podEnv };
    const p = spawn(binary, [`--config=file:${configFile}`], { env, stdio: ["ignore", "pipe", "pipe"] });
    const keep = (d: Buffer) => { log.push(String(d)); if (log.length > 4000) log.splice(0, 1000); };
    p.stdout!.on("data", keep);
    p.stderr!.on("data", keep);
    await poll(`${name} health check`, 30000, async () => {
        if (p.exitCode !== null) throw new Error(`${name} exited ${p.exitCode}:\n${log.join("").slice(-3000)}`);
        const r = await fetch(`http://127.0.0.1:${ports.health}/`).catch(() => undefined);
        return r?.ok ? true : undefined;
    }).catch(e => { throw new Error(`${String(e)}\n${log.join("").slice(-3000)}`); });
    return { name, process: p, log, ports, configFile };
}

/** A process's resident memory (VmRSS) in MiB. */
export const rssMiB = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024;

/** The value of a metric of a collector's own telemetry (Prometheus text on its telemetry port), summed over series. */
export async function collectorMetric(c: RunningCollector, name: string, labels: Readonly<Record<string, string>> = {}): Promise<number> {
    const text = await (await fetch(`http://127.0.0.1:${c.ports.telemetry}/metrics`)).text();
    let sum = 0;
    for (const line of text.split("\n")) {
        // 0.159's own telemetry exposes counters without `_total`; earlier releases add it.
        if (![name, `${name}_total`].some(n => line.startsWith(`${n}{`) || line.startsWith(`${n} `))) continue;
        if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
        sum += Number(line.split(" ").pop());
    }
    return sum;
}
