// Faults on the end-to-end harness (`npm run e2e:collector`): the rendered agent and two gateways in the real
// collector, every trace kept (100%, so every sent trace must arrive), and then a backend or a gateway fails. The
// figures are printed; a loss that is not zero is for the issue "Nothing lost" to fix.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as YAML from "yaml";
import { type RunningCollector, startCollector } from "./helpers/collector-e2e";
import { type Harness, startHarness } from "./helpers/collector-harness";
import { collectorMetric, rssMiB } from "./helpers/collector-e2e";
import { type JaegerBackend, jaegerTrace, runTelemetrygen, startJaeger, telemetrygenTlsArgs } from "./helpers/otel-backends";
import { otlpPost, type TestSpan, trace, traceRequest } from "./helpers/otlp-client";
import { poll, stop } from "./helpers/processes";
import { otelcolBinary } from "./helpers/otelcol";
import { tempDir } from "./helpers/temp";

const OUTAGE_SECONDS = 60;

describe("collector faults: a backend down, a gateway killed (figures for 'Nothing lost')", function () {
    this.timeout(900000);
    let h: Harness;
    const later: { stop(): Promise<void> }[] = [];
    let jaeger: JaegerBackend;
    before(async () => {
        // agentIpSan: telemetrygen (the overload's sender) cannot name the server it verifies.
        h = await startHarness({ gateways: 2, agentIpSan: true, values: { samplingPercent: "100", samplingDecisionWaitSeconds: "2" } });
        jaeger = h.jaeger;
    });
    after(async () => {
        for (const p of later.reverse()) await p.stop();
        await h?.stop();
    });

    /** Sends traces of 3 spans in requests of 50 traces, `pauseMs` apart; calls `between(i)` before request i. */
    const sendTraces = async (traces: TestSpan[][], pauseMs: number, between?: (i: number) => Promise<void>) => {
        for (let i = 0; i * 50 < traces.length; i++) {
            await between?.(i);
            const r = await otlpPost(h.agent.ports.otlpHttp, "/v1/traces", traceRequest({ checkout: traces.slice(i * 50, i * 50 + 50).flat() }), h.app);
            assert.equal(r.status, 200, r.error ?? r.body);
            await new Promise(res => setTimeout(res, pauseMs));
        }
    };
    /** How many of `traces` Jaeger has whole, once the count has stopped growing (or `timeoutMs` passed). */
    const arrived = async (traces: TestSpan[][], timeoutMs: number): Promise<{ whole: number; partial: number }> => {
        const until = Date.now() + timeoutMs;
        let last = -1;
        for (;;) {
            let whole = 0;
            let partial = 0;
            for (const t of traces) {
                const n = (await jaegerTrace(jaeger, t[0].traceId)).length;
                if (n === t.length) whole++;
                else if (n > 0) partial++;
            }
            if (whole === traces.length || (whole === last && Date.now() > until - timeoutMs / 2) || Date.now() > until) return { whole, partial };
            last = whole;
            await new Promise(res => setTimeout(res, 5000));
        }
    };

    it(`a trace backend down for ${OUTAGE_SECONDS} s, then back: the gateways' persistent queues deliver every trace`, async () => {
        const warmup = Array.from({ length: 50 }, () => trace({ spans: 3 }));
        await sendTraces(warmup, 0);
        assert.equal((await arrived(warmup, 60000)).whole, warmup.length, "the harness delivers before the fault");

        const down = Date.now();
        await jaeger.stop();
        const during = Array.from({ length: 500 }, () => trace({ spans: 3 }));
        await sendTraces(during, 1000);
        await new Promise(res => setTimeout(res, Math.max(0, down + OUTAGE_SECONDS * 1000 - Date.now())));
        jaeger = await startJaeger({ tls: jaeger.tls, ports: jaeger });
        later.push(jaeger);
        const r = await arrived(during, 180000);
        console.log(`      fault: trace backend down ${OUTAGE_SECONDS} s: ${r.whole}/${during.length} traces sent during the outage delivered whole after it (${r.partial} partial, ${during.length - r.whole - r.partial} missing)`);
        assert.equal(r.whole, during.length, "the persistent queues deliver everything");
    });

    it("a gateway killed with SIGKILL mid-stream and restarted: the loss is counted", async () => {
        const victim = h.gateways[1];
        const config = YAML.parse(fs.readFileSync(victim.configFile, "utf8")) as Record<string, unknown>;
        let restarted: RunningCollector | undefined;
        const traces = Array.from({ length: 1000 }, () => trace({ spans: 3 }));
        await sendTraces(traces, 500, async i => {
            if (i === 8) victim.process.kill("SIGKILL");
            if (i === 12) {
                restarted = await startCollector(`${victim.name}-restarted`, config, victim.ports, tempDir("restarted"), {}, otelcolBinary("gateway"));
                later.push({ stop: () => stop(restarted!.process) });
            }
        });
        assert.ok(restarted, "the gateway was restarted");
        await poll("the restarted gateway's health", 30000, async () => ((await fetch(`http://127.0.0.1:${victim.ports.health}/`)).ok ? true : undefined));
        const r = await arrived(traces, 180000);
        const lost = traces.length - r.whole;
        console.log(`      fault: gateway SIGKILL mid-stream (restarted 2 s later, same queue directory): ${r.whole}/${traces.length} traces delivered whole, ${r.partial} partial, ${lost} lost or incomplete (${(100 * lost / traces.length).toFixed(1)}%)`);
        // What the killed gateway held undecided in tail sampling is gone; everything else must arrive.
        assert.ok(lost < traces.length / 2, `${lost} of ${traces.length} lost: more than the killed gateway's share`);
    });

    it("2× the memory limiter's sustainable rate: the agent refuses rather than dying (RSS against its container limit reported)", async () => {
        const pid = h.agent.process.pid!;
        const tls = { cert: h.pki.root.certFile, key: "", ca: h.pki.root.certFile, clientCert: h.pki.shop.certFile, clientKey: h.pki.shop.keyFile };
        /** 15 s of 1 MB spans at `perSecond`: accepted, refused, the agent's peak RSS. */
        const phase = async (perSecond: number) => {
            let peak = 0;
            const sample = setInterval(() => { if (h.agent.process.exitCode === null) peak = Math.max(peak, rssMiB(pid)); }, 100);
            const [a0, r0] = [await collectorMetric(h.agent, "otelcol_receiver_accepted_spans"), await collectorMetric(h.agent, "otelcol_receiver_refused_spans")];
            await runTelemetrygen(["traces", "--otlp-endpoint", `127.0.0.1:${h.agent.ports.otlpGrpc}`, ...telemetrygenTlsArgs(tls), "--service", "overload", "--child-spans", "0",
                "--size", "1", "--batch-size", "1", "--workers", "2", "--rate", String(perSecond / 2), "--duration", "15s"], 180000).catch(() => "refusals end telemetrygen with an error");
            clearInterval(sample);
            assert.equal(h.agent.process.exitCode, null, `the agent died at ${perSecond} MB/s:\n${h.agent.log.join("").slice(-2000)}`);
            return { perSecond, accepted: await collectorMetric(h.agent, "otelcol_receiver_accepted_spans") - a0, refused: await collectorMetric(h.agent, "otelcol_receiver_refused_spans") - r0, peak };
        };
        const limit = h.memoryLimitMiB.agent;
        // The sustainable rate: the highest probed rate taken whole with the agent under its container limit.
        const probes = [await phase(10), await phase(20)];
        const sustainable = probes.filter(p => p.refused === 0 && p.peak < limit).pop();
        assert.ok(sustainable, `no probed rate was sustainable: ${JSON.stringify(probes)}`);
        const over = await phase(2 * sustainable.perSecond);
        const fmt = (p: typeof over) => `${p.perSecond} MB/s: ${p.accepted} accepted, ${p.refused} refused, peak RSS ${p.peak.toFixed(0)} MiB`;
        console.log(`      fault: overload (1 MB spans, agent container limit ${limit} MiB): sustainable ${fmt(sustainable)}; 2× ${fmt(over)}` +
            `${over.peak >= limit ? ` — OVER the limit by ${(over.peak - limit).toFixed(0)} MiB: a pod would be OOM-killed` : ""}`);
    });
});
