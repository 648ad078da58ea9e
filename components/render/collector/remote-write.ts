// Extra Prometheus remote-write targets (VictoriaMetrics, Thanos Receive, …): one typed target becomes the gateway's
// `prometheus_remote_write` exporter, and the same exporter reads back as a Prometheus `remote_write` entry, which
// the fan-out test runs against a real VictoriaMetrics.
import type { Values } from "../backends/common";
import type { RemoteWriteTarget } from "./otel";

export const remoteWriteExporterId = (t: Pick<RemoteWriteTarget, "name">) => `prometheus_remote_write/${t.name}`;

/** The gateway's exporter for one target: WAL on the pod's volume, bounded queue, retries; TLS verified by system roots. */
export function remoteWriteExporter(t: RemoteWriteTarget, queueDir: string): Values {
    return {
        endpoint: t.url,
        headers: { ...t.headers },
        timeout: `${t.timeoutSeconds}s`,
        tls: { min_version: "1.2", insecure: false },
        resource_to_telemetry_conversion: { enabled: true },
        remote_write_queue: { enabled: true, queue_size: t.queueSize, num_consumers: t.consumers },
        retry_on_failure: { enabled: true, initial_interval: "5s", max_interval: "30s", max_elapsed_time: "0s" },
        wal: { directory: `${queueDir}/wal-${t.name}`, buffer_size: 300, truncate_frequency: "1m" },
    };
}

/** A Prometheus `remote_write` entry. */
export interface PrometheusRemoteWrite {
    url: string;
    headers: Record<string, string>;
    remote_timeout: string;
    queue_config: { capacity: number; max_shards: number; min_shards: number };
}

/** Reads a rendered `prometheus_remote_write` exporter back as the Prometheus settings it stands for. */
export function prometheusRemoteWrite(exporter: Values): PrometheusRemoteWrite {
    const queue = exporter.remote_write_queue as { queue_size: number; num_consumers: number };
    return {
        url: String(exporter.endpoint),
        headers: { ...(exporter.headers as Record<string, string>) },
        remote_timeout: String(exporter.timeout),
        queue_config: { capacity: queue.queue_size, max_shards: queue.num_consumers, min_shards: 1 },
    };
}
