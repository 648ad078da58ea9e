// Remote-write fan-out on real processes: a VictoriaMetrics on 127.0.0.1 receives samples remote-written by a real
// Prometheus whose remote_write entry is read back from the gateway's rendered exporter (URL, headers, queue,
// timeout). TLS is off only here: the URL is swapped for the loopback one.
import { strict as assert } from "assert";
import { ChildProcess } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { parseStackConfig } from "../components/config";
import { backendBase } from "../components/plan";
import { renderCollectors } from "../components/render/collector/index";
import { prometheusRemoteWrite, remoteWriteExporterId } from "../components/render/collector/remote-write";
import { validateCollectors } from "../components/render/collector/validate";
import { freePort, poll, start, stop } from "./helpers/processes";
import { runTool } from "./helpers/tools";

describe("remote-write fan-out (real Prometheus → VictoriaMetrics)", function () {
    this.timeout(90000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "obs-fanout-"));
    const log: string[] = [];
    let prometheus: ChildProcess | undefined;
    let vm: ChildProcess | undefined;

    after(async () => {
        // Prometheus first: stopped after VictoriaMetrics, it would retry until its flush deadline.
        await stop(prometheus);
        await stop(vm);
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("a target from config receives every sample, with the rendered headers and queue settings", async () => {
        const target = { name: "victoria", url: "https://vm.example.com/api/v1/write", headers: { "X-Scope-OrgID": "team-a" }, queueSize: 2000, consumers: 2, timeoutSeconds: 10 };
        const c = parseStackConfig("dev", { values: { adminCidrs: JSON.stringify(["198.51.100.10/32"]), remoteWriteTargets: JSON.stringify([target]) }, secrets: {}, awsRegion: "eu-west-1" });
        const { agent, gateway } = renderCollectors(backendBase(c));
        assert.deepEqual(validateCollectors({ agent: agent.config, gateway: gateway.config }), []);
        const id = remoteWriteExporterId(target);
        assert.ok(gateway.config.service.pipelines.metrics.exporters.includes(id), "every metric reaches the target");
        const rendered = prometheusRemoteWrite(gateway.config.exporters[id]);
        assert.deepEqual(rendered, {
            url: target.url, headers: target.headers, remote_timeout: "10s", queue_config: { capacity: 2000, max_shards: 2, min_shards: 1 },
        });

        const [vmPort, promPort] = [await freePort(), await freePort()];
        vm = start("victoria-metrics", [
            `-httpListenAddr=127.0.0.1:${vmPort}`, `-storageDataPath=${path.join(dir, "vm")}`, "-retentionPeriod=1d", "-search.latencyOffset=1s",
        ], "victoria-metrics", log);
        const config = {
            global: { scrape_interval: "1s", external_labels: { source: "fanout-test" } },
            scrape_configs: [{ job_name: "fanout-test", static_configs: [{ targets: [`127.0.0.1:${promPort}`] }] }],
            // TLS off only inside the test: the rendered entry with the loopback URL.
            remote_write: [{ ...rendered, url: `http://127.0.0.1:${vmPort}/api/v1/write` }],
        };
        const file = path.join(dir, "prometheus.yml");
        fs.writeFileSync(file, YAML.stringify(config));
        const check = runTool("promtool", ["check", "config", file], "prometheus");
        assert.equal(check.status, 0, `${check.stdout}${check.stderr}`);
        prometheus = start("prometheus", [
            `--config.file=${file}`, `--storage.tsdb.path=${path.join(dir, "prom")}`, `--web.listen-address=127.0.0.1:${promPort}`,
        ], "prometheus", log);

        const series = await poll("the samples in VictoriaMetrics", 60000, async () => {
            const r = await fetch(`http://127.0.0.1:${vmPort}/api/v1/query?query=${encodeURIComponent('up{job="fanout-test"}')}`);
            const body = await r.json() as { data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
            return body.data.result.length > 0 ? body.data.result : undefined;
        }).catch(e => { throw new Error(`${e}\n${log.join("").slice(-3000)}`); });
        assert.equal(series[0].metric.source, "fanout-test");
        assert.equal(series[0].value[1], "1");

        // Prometheus runs the rendered settings, and nothing failed on the way.
        const status = await (await fetch(`http://127.0.0.1:${promPort}/api/v1/status/config`)).json() as { data: { yaml: string } };
        const loaded = YAML.parse(status.data.yaml).remote_write[0];
        assert.deepEqual(loaded.headers, target.headers);
        assert.deepEqual([loaded.remote_timeout, loaded.queue_config.capacity, loaded.queue_config.max_shards], ["10s", 2000, 2]);
        const failed = await (await fetch(`http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent("sum(prometheus_remote_storage_samples_failed_total)")}`)).json() as any;
        assert.equal(failed.data.result[0]?.value[1] ?? "0", "0");
    });
});
