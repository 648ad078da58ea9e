// npm run bench:collector: the collector tier's CPU per span with the stack's full configs (the rendered agent and
// one gateway, tail sampling at prod's 10%, redaction, mTLS on every hop) against the same binary running a minimal
// OTLP → batch → OTLP pipeline, side by side in one run: alternating rounds at the same offered load (telemetrygen
// over mTLS), CPU from /proc of the collector processes, spans from their own telemetry. Also the gateway's memory per
// 1k spans/s held by tail sampling, and where the CPU goes (pprof, top functions). Machines are shared and noisy:
// read the ratio, not the absolute figures. The last line:
//   collector bench: <N> spans/s/core full, <R>x minimal
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { collectorMetric, collectorPorts, rssMiB, type RunningCollector, startCollector } from "../test/helpers/collector-e2e";
import { startHarness } from "../test/helpers/collector-harness";
import { runTelemetrygen, telemetrygenTlsArgs } from "../test/helpers/otel-backends";
import { otelcolBinary } from "../test/helpers/otelcol";
import { QUEUE_BATCH } from "../components/render/collector/otel";
import { removeTempDirs, tempDir } from "../test/helpers/temp";

/** telemetrygen's --rate for each of its 2 workers (it paces spans, not traces: the measured rate is reported). */
const RATE_PER_WORKER = Number(process.env.BENCH_RATE_PER_WORKER ?? 1500);
const SPANS_PER_TRACE = 5;
const ROUND_SECONDS = Number(process.env.BENCH_ROUND_SECONDS ?? 20);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const TICKS = 100; // USER_HZ

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid: number): number {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

/** The minimal pipeline: OTLP gRPC in (the agent's TLS), batch, OTLP gRPC out to the trace backend (the gateway's TLS). */
function minimalConfig(agent: RunningCollector, gateway: RunningCollector, ports: Awaited<ReturnType<typeof collectorPorts>>): Record<string, unknown> {
    const a = YAML.parse(fs.readFileSync(agent.configFile, "utf8"));
    const g = YAML.parse(fs.readFileSync(gateway.configFile, "utf8"));
    return {
        extensions: { health_check: { endpoint: `127.0.0.1:${ports.health}` } },
        receivers: { otlp: { protocols: { grpc: { ...a.receivers.otlp.protocols.grpc, endpoint: `127.0.0.1:${ports.otlpGrpc}` } } } },
        // Batches form in an in-memory queue, as in the full pipeline's persistent ones.
        exporters: { "otlp_grpc/tempo": { endpoint: g.exporters["otlp_grpc/tempo"].endpoint, tls: g.exporters["otlp_grpc/tempo"].tls, compression: "gzip", sending_queue: { enabled: true, batch: { ...QUEUE_BATCH } } } },
        service: {
            extensions: ["health_check"],
            telemetry: { metrics: { level: "detailed", readers: [{ pull: { exporter: { prometheus: { host: "127.0.0.1", port: ports.telemetry } } } }] } },
            pipelines: { traces: { receivers: ["otlp"], processors: [], exporters: ["otlp_grpc/tempo"] } },
        },
    };
}

/** Offered load for one round: telemetrygen over mTLS to `port`, as the application `shop`. */
function load(port: number, tls: { ca: string; clientCert: string; clientKey: string }, seconds: number): Promise<string> {
    return runTelemetrygen([
        "traces", "--otlp-endpoint", `127.0.0.1:${port}`, ...telemetrygenTlsArgs({ cert: tls.ca, key: "", ...tls }),
        "--service", "bench", "--child-spans", String(SPANS_PER_TRACE - 1), "--workers", "2", "--rate", String(RATE_PER_WORKER),
        "--duration", `${seconds}s`,
    ], (seconds + 60) * 1000);
}

/** The top functions of a CPU profile from a collector's pprof endpoint (go tool pprof). */
async function profileTop(name: "agent" | "gateway", pprofPort: number, seconds: number, dir: string): Promise<string> {
    const res = await fetch(`http://127.0.0.1:${pprofPort}/debug/pprof/profile?seconds=${seconds}`);
    const file = path.join(dir, `${name}.pprof`);
    fs.writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    const top = execFileSync("go", ["tool", "pprof", "-top", "-nodecount=12", otelcolBinary(name), file], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    return top.split("\n").filter(l => /^\s+[0-9.]+(ms|s)\s/.test(l) || /^Showing|flat%/.test(l)).slice(0, 14).join("\n");
}

async function main(): Promise<void> {
    const h = await startHarness({ gateways: 1, agentIpSan: true, values: { samplingPercent: "10" } });
    try {
        const [agent, gateway] = [h.agent, h.gateways[0]];
        const ports = await collectorPorts();
        const minimal = await h.extra("minimal", dir => startCollector("minimal", minimalConfig(agent, gateway, ports), ports, dir));
        const tls = { ca: h.pki.root.certFile, clientCert: h.pki.shop.certFile, clientKey: h.pki.shop.keyFile };
        const pids = { full: [agent.process.pid!, gateway.process.pid!], minimal: [minimal.process.pid!] };
        const idleGatewayRss = rssMiB(gateway.process.pid!);
        const total = { full: { cpu: 0, spans: 0 }, minimal: { cpu: 0, spans: 0 } };
        let heldRss = 0;
        const dir = tempDir("bench");
        let profiles = "";
        for (let round = 0; round < ROUNDS; round++) {
            for (const kind of ["full", "minimal"] as const) {
                const first = kind === "full" ? agent : minimal;
                const cpu0 = pids[kind].reduce((s, p) => s + cpuSeconds(p), 0);
                const spans0 = await collectorMetric(first, "otelcol_receiver_accepted_spans");
                const sampling = kind === "full" && round === ROUNDS - 1
                    ? Promise.all([profileTop("gateway", pprofPort(gateway), Math.min(10, ROUND_SECONDS - 5), dir), profileTop("agent", pprofPort(agent), Math.min(10, ROUND_SECONDS - 5), dir)])
                    : undefined;
                const sending = load(kind === "full" ? agent.ports.otlpGrpc : minimal.ports.otlpGrpc, tls, ROUND_SECONDS);
                if (kind === "full") {
                    // Steady state: the decision wait (10 s) is full of traces well before the round ends.
                    await new Promise(r => setTimeout(r, Math.min(15, ROUND_SECONDS - 2) * 1000));
                    heldRss = Math.max(heldRss, rssMiB(gateway.process.pid!));
                }
                await sending;
                await new Promise(r => setTimeout(r, 7000)); // batches flushed (5 s timeout)
                total[kind].cpu += pids[kind].reduce((s, p) => s + cpuSeconds(p), 0) - cpu0;
                total[kind].spans += (await collectorMetric(first, "otelcol_receiver_accepted_spans")) - spans0;
                if (sampling) {
                    const [g, a] = await sampling;
                    profiles = `gateway CPU profile (top):\n${g}\nagent CPU profile (top):\n${a}`;
                }
            }
        }
        const perSpan = { full: total.full.cpu / total.full.spans, minimal: total.minimal.cpu / total.minimal.spans };
        const offered = total.full.spans / (ROUNDS * ROUND_SECONDS);
        const heldMiBPer1k = (heldRss - idleGatewayRss) / (offered / 1000);
        console.log(profiles);
        console.log(`load: ${Math.round(offered)} spans/s through the full pipeline (traces of ${SPANS_PER_TRACE} spans, telemetrygen 2 workers at --rate ${RATE_PER_WORKER}), ${ROUNDS} rounds of ${ROUND_SECONDS} s per pipeline, alternating`);
        console.log(`full (agent + gateway): ${total.full.spans} spans, ${total.full.cpu.toFixed(1)} CPU s, ${(perSpan.full * 1e6).toFixed(1)} µs CPU per span`);
        console.log(`minimal (OTLP → batch → OTLP): ${total.minimal.spans} spans, ${total.minimal.cpu.toFixed(1)} CPU s, ${(perSpan.minimal * 1e6).toFixed(1)} µs CPU per span`);
        console.log(`tail sampling held: gateway RSS ${idleGatewayRss.toFixed(0)} MiB idle, ${heldRss.toFixed(0)} MiB under load: ${heldMiBPer1k.toFixed(1)} MiB per 1k spans/s (decision wait 10 s)`);
        console.log(`collector bench: ${Math.round(1 / perSpan.full)} spans/s/core full, ${(perSpan.full / perSpan.minimal).toFixed(1)}x minimal`);
    } finally {
        await h.stop();
        removeTempDirs();
    }
}

/** A collector's pprof port (its rewritten config's pprof extension). */
function pprofPort(c: RunningCollector): number {
    const cfg = YAML.parse(fs.readFileSync(c.configFile, "utf8"));
    return Number(String(cfg.extensions.pprof.endpoint).split(":").pop());
}

main().catch(e => { console.error(e); process.exitCode = 1; });
