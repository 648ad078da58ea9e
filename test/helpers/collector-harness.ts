// The collector tier on 127.0.0.1, for the end-to-end tests and the benchmark: a PKI issued like the stack's (the
// stack's SANs and usages, an OTLP client CA for the application `shop`, a stranger's CA), the backends standing in
// for Tempo, Mimir and Loki (Jaeger v2, VictoriaMetrics, VictoriaLogs, and a second VictoriaMetrics as the
// remote-write target), gateways and one agent running the rendered configs of a dev stack with the given values.
import * as fs from "fs";
import * as path from "path";
import { parseStackConfig } from "../../components/config";
import { backendBase } from "../../components/plan";
import { parseMemory } from "../../components/render/capacity";
import { renderCollectors } from "../../components/render/collector/index";
import { CA_USES, CLIENT_USES, SERVER_IDENTITIES, SERVER_USES, serverDnsNames } from "../../components/render/pki";
import { agentForHost, collectorPorts, gatewayForHost, type RunningCollector, startCollector } from "./collector-e2e";
import { type BackendTls, type JaegerBackend, startJaeger, startVictoriaLogs, startVictoriaMetrics, type VictoriaBackend } from "./otel-backends";
import type { ClientTls } from "./otlp-client";
import { otelcolBinary } from "./otelcol";
import { type Issued, opensslPki } from "./pki";
import { stop } from "./processes";
import { tempDir } from "./temp";

export const sansOf = (name: string) => serverDnsNames(SERVER_IDENTITIES.find(i => i.name === name)!);
/** The name every client verifies a stack server by: `<service>.<namespace>.svc`. */
export const hostOf = (name: string) => sansOf(name)[2];

/**
 * The test PKI, issued like the stack's (the stack's SANs and usages): a root CA; servers and clients of the agent and
 * the gateway; servers of Tempo, Loki and Mimir; a remote-write target; the application `shop` with its own OTLP
 * client CA, and a stranger with another CA. `agentIpSan` adds 127.0.0.1 to the agent's certificate (telemetrygen
 * cannot name the server it verifies).
 */
export function collectorPki(agentIpSan = false): Record<string, Issued> {
    const { make } = opensslPki("harness");
    const O = "/O=observability-stack";
    const pki: Record<string, Issued> = { root: make("root", `${O}/CN=observability-stack root CA`, CA_USES) };
    for (const name of ["otel-agent", "otel-gateway", "tempo", "loki", "mimir"]) {
        pki[`server-${name}`] = make(`server-${name}`, `${O}/CN=${hostOf(name)}`, SERVER_USES, "root", [...sansOf(name), ...(name === "otel-agent" && agentIpSan ? ["127.0.0.1"] : [])]);
    }
    for (const name of ["otel-agent", "otel-gateway"]) pki[`client-${name}`] = make(`client-${name}`, `${O}/CN=${name}`, CLIENT_USES, "root");
    pki.fanout = make("server-fanout", "/CN=vm.example.com", SERVER_USES, "root", ["vm.example.com"]);
    pki.shopCa = make("otlp-ca-shop", `${O}/CN=OTLP client CA shop`, CA_USES);
    pki.shop = make("otlp-client-shop", `${O}/OU=otlp-client/CN=shop`, CLIENT_USES, "otlp-ca-shop");
    pki.strangerCa = make("stranger-ca", "/CN=another CA", CA_USES);
    pki.stranger = make("stranger", "/OU=otlp-client/CN=shop", CLIENT_USES, "stranger-ca");
    return pki;
}

/** A collector's TLS mount, as the chart mounts its Secret (components/render/collector/otel.ts COLLECTOR_TLS). */
export function collectorTlsMount(pki: Readonly<Record<string, Issued>>, role: "otel-agent" | "otel-gateway"): string {
    const dir = tempDir(`tls-${role}`);
    const files: Record<string, string> = {
        "tls.crt": pki[`server-${role}`].cert, "tls.key": pki[`server-${role}`].key,
        "client.crt": pki[`client-${role}`].cert, "client.key": pki[`client-${role}`].key, "ca.crt": pki.root.cert,
        ...(role === "otel-agent" ? { "otlp-clients.crt": pki.shopCa.cert } : {}),
    };
    for (const [f, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, f), text);
    return dir;
}

/** A stand-in backend's TLS: the stack server's certificate, verified by its service name; the gateway's client certificate. */
export function backendTlsOf(pki: Readonly<Record<string, Issued>>, name: string): BackendTls {
    return {
        cert: pki[`server-${name}`].certFile, key: pki[`server-${name}`].keyFile, ca: pki.root.certFile, servername: hostOf(name),
        clientCert: pki["client-otel-gateway"].certFile, clientKey: pki["client-otel-gateway"].keyFile,
    };
}

/** The application `shop`'s TLS towards an agent. */
export const shopTls = (pki: Readonly<Record<string, Issued>>): ClientTls => ({ ca: pki.root.cert, servername: hostOf("otel-agent"), cert: pki.shop.cert, key: pki.shop.key });

/** The pods' plain environment (GOMEMLIMIT from the container's limit), as the chart sets it. */
export function podEnvOf(values: Record<string, unknown>): Record<string, string> {
    return Object.fromEntries(((values.extraEnvs as { name: string; value?: string }[] | undefined) ?? [])
        .filter(e => typeof e.value === "string").map(e => [e.name, e.value!]));
}

export interface Harness {
    readonly pki: Readonly<Record<string, Issued>>;
    readonly jaeger: JaegerBackend;
    readonly vm: VictoriaBackend;
    readonly vmFanout: VictoriaBackend;
    readonly vl: VictoriaBackend;
    readonly gateways: readonly RunningCollector[];
    readonly agent: RunningCollector;
    /** The containers' memory limits (MiB) that sizing gives the agent and the gateway. */
    readonly memoryLimitMiB: { readonly agent: number; readonly gateway: number };
    /** The application `shop`'s TLS towards the agent. */
    readonly app: ClientTls;
    /** Starts another collector process on a config (the benchmark's minimal pipeline), stopped with the rest. */
    readonly extra: (name: string, start: (dir: string) => Promise<RunningCollector>) => Promise<RunningCollector>;
    readonly stop: () => Promise<void>;
}

/**
 * Starts the backends, `gateways` gateways and the agent of a dev stack rendered with `values` (stack config keys as
 * strings); `agentIpSan` adds 127.0.0.1 to the agent's certificate for clients that cannot name the server
 * (telemetrygen). Stop it with `stop()`, also when a step fails.
 */
export async function startHarness(o: { values: Record<string, string>; gateways: number; agentIpSan?: boolean }): Promise<Harness> {
    const stops: (() => Promise<void>)[] = [];
    const stopAll = async () => { for (const s of stops.reverse()) await s(); };
    try {
        const pki = collectorPki(o.agentIpSan);
        const mount = (role: "otel-agent" | "otel-gateway") => collectorTlsMount(pki, role);
        const backendTls = (name: string) => backendTlsOf(pki, name);
        const jaeger = await startJaeger({ tls: { ...backendTls("tempo"), clientCa: pki.root.certFile } });
        stops.push(jaeger.stop);
        const vm = await startVictoriaMetrics({ tls: backendTls("mimir") });
        stops.push(vm.stop);
        const vl = await startVictoriaLogs({ tls: backendTls("loki") });
        stops.push(vl.stop);
        const vmFanout = await startVictoriaMetrics({ tls: { cert: pki.fanout.certFile, key: pki.fanout.keyFile, ca: pki.root.certFile, servername: "vm.example.com" } });
        stops.push(vmFanout.stop);

        const values = { adminCidrs: JSON.stringify(["198.51.100.10/32"]), otlpClients: JSON.stringify(["shop"]), ...o.values };
        const rendered = renderCollectors(backendBase(parseStackConfig("dev", { values, secrets: {}, awsRegion: "eu-west-1" })));
        const dir = tempDir("collectors");
        const podEnv = podEnvOf;
        const limitMiB = (r: typeof rendered.agent) => parseMemory(Object.values(r.workloads[0].containers)[0].limits.memory);
        const started = async (c: RunningCollector) => { stops.push(() => stop(c.process)); return c; };
        const gatewayTls = mount("otel-gateway");
        const gateways: RunningCollector[] = [];
        for (let i = 0; i < o.gateways; i++) {
            const ports = await collectorPorts();
            const config = gatewayForHost(rendered.gateway.config, {
                ports, tlsDir: gatewayTls, stateDir: tempDir(`gateway-${i}`),
                targets: {
                    tracesGrpcPort: jaeger.otlpGrpcPort,
                    logsBaseUrl: `https://127.0.0.1:${vl.port}/insert/opentelemetry`,
                    metricsBaseUrl: `https://127.0.0.1:${vm.port}/opentelemetry`,
                    remoteWrite: Object.fromEntries(Object.keys(rendered.gateway.config.exporters).filter(id => id.startsWith("prometheus_remote_write/"))
                        .map(id => [id, `https://127.0.0.1:${vmFanout.port}/api/v1/write`])),
                    remoteWriteCa: pki.root.certFile,
                },
            });
            gateways.push(await started(await startCollector(`gateway-${i}`, config, ports, dir, podEnv(rendered.gateway.values), otelcolBinary("gateway"))));
        }
        const agentPorts = await collectorPorts();
        const agentConfig = agentForHost(rendered.agent.config, {
            ports: agentPorts, tlsDir: mount("otel-agent"), stateDir: tempDir("agent"), gateways: gateways.map(g => g.ports.otlpGrpc), podLogDir: tempDir("pod-logs"),
        });
        const agent = await started(await startCollector("agent", agentConfig, agentPorts, dir, podEnv(rendered.agent.values)));
        return {
            pki, jaeger, vm, vmFanout, vl, gateways, agent,
            memoryLimitMiB: { agent: limitMiB(rendered.agent), gateway: limitMiB(rendered.gateway) },
            app: shopTls(pki),
            extra: async (_name, start) => started(await start(dir)),
            stop: stopAll,
        };
    } catch (e) {
        await stopAll();
        throw e;
    }
}
