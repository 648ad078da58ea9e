// The Kafka buffer: consumers falling behind (the gateway on the OTLP topics, Mimir's ingesters committing their
// offsets) and the brokers' disks, forecast from what the stack writes: at the current write rate, do the topics'
// retention window and replicas fit the brokers' disks? The producers are the agents' Kafka exporters and Mimir's
// distributors, whose byte counters are in Mimir; the capacity comes from config (the MSK cluster the program creates,
// or the existing brokers' kafkaVolumeGiB and kafkaRetentionHours).
import { KAFKA_REPLICATION } from "../../kafka";
import { by, JOBS, LABELS, show } from "../labels";
import { AlertDefinition, CatalogueGroup, RecordingRule, series } from "../model";

/** The brokers' disks as the alerts need them (components/config/schema.ts `KafkaDisk`). */
export interface KafkaDiskInput {
    readonly brokers: number;
    readonly volumeGiB: number;
    readonly retentionHours: number;
}

/** Share of the brokers' disks the retained records may fill before the disk alert fires. */
export const BROKER_DISK_SHARE = 0.8;
/** Records the gateway's consumer group may lag on a topic before it is behind (a record is one agent's batch). */
export const CONSUMER_LAG_RECORDS = 1000;

/**
 * Bytes per second the stack may write to Kafka so that the retention window, with every replica, fills at most
 * `BROKER_DISK_SHARE` of the brokers' disks.
 */
export function brokerWriteBudget(d: KafkaDiskInput): number {
    const disk = d.brokers * d.volumeGiB * 1024 ** 3 * BROKER_DISK_SHARE;
    return Math.floor(disk / (d.retentionHours * 3600 * KAFKA_REPLICATION.factor));
}

const C = { [LABELS.cluster]: "obs" };
const PRODUCED = "kafka:produced_bytes:rate1h";
const BUDGET = "kafka:broker_write_budget:bytes_per_second";

export function kafkaGroup(disk?: KafkaDiskInput): CatalogueGroup {
    const recording: RecordingRule[] = [
        {
            // Compressed record bytes as the brokers store them (agents: zstd batches), plus Mimir's records.
            record: PRODUCED,
            expr: `sum by (${by("cluster")}) (\n  rate(otelcol_kafka_exporter_bytes_total{${LABELS.job}="${JOBS.agent}", outcome="success"}[1h])\n`
                + `  or rate(cortex_ingest_storage_writer_sent_bytes_total{${LABELS.job}="${JOBS.mimir}"}[1h])\n)`,
        },
        ...(disk ? [{ record: BUDGET, expr: `vector(${brokerWriteBudget(disk)})` }] : []),
    ];
    const lagged = { ...C, job: JOBS.gateway, [LABELS.host]: "otel-gateway-0", topic: "otlp_spans" };
    const alerts: AlertDefinition[] = [
        {
            alert: "KafkaGatewayConsumerLagging",
            expr: `sum by (${by("cluster", "=topic")}) (otelcol_kafka_receiver_offset_lag{${LABELS.job}="${JOBS.gateway}"}) > ${CONSUMER_LAG_RECORDS}`,
            for: "15m",
            severity: "warning",
            summary: `The gateway is ${CONSUMER_LAG_RECORDS}+ records behind on Kafka topic {{ $labels.topic }} (cluster ${show("cluster")})`,
            description: "The gateway pods consume the topic slower than the agents write it, for 15 minutes: a backend is slow (the gateway's queues push back), the memory limiter refuses, or there are too few gateway pods. Records older than the topic's retention are deleted unread.",
            fires: { series: [series("otelcol_kafka_receiver_offset_lag", { ...lagged, partition: "0" }, "800+20x40"), series("otelcol_kafka_receiver_offset_lag", { ...lagged, partition: "1" }, "300x40")], at: "30m", alerts: [{ [LABELS.cluster]: "obs", topic: "otlp_spans" }] },
            quiet: { series: [series("otelcol_kafka_receiver_offset_lag", { ...lagged, partition: "0" }, "0 400 0 900 0 200 0x34")], at: "30m" },
        },
        {
            alert: "MimirIngesterOffsetCommitFailing",
            expr: `sum by (${by("cluster", "pod")}) (rate(cortex_ingest_storage_reader_offset_commit_failures_total{${LABELS.job}="${JOBS.mimir}"}[5m]))\n/\n`
                + `sum by (${by("cluster", "pod")}) (rate(cortex_ingest_storage_reader_offset_commit_requests_total{${LABELS.job}="${JOBS.mimir}"}[5m]))\n> 0.2`,
            for: "15m",
            severity: "critical",
            summary: `Mimir ingester ${show("pod")} cannot commit its Kafka offset (cluster ${show("cluster")})`,
            description: "More than 20% of the ingester's offset commits fail for 15 minutes: after a restart it replays from the last committed offset, and if that falls out of the topic's retention, samples are lost.",
            fires: {
                series: [
                    series("cortex_ingest_storage_reader_offset_commit_requests_total", { ...C, job: JOBS.mimir, [LABELS.pod]: "mimir-ingester-0" }, "0+60x40"),
                    series("cortex_ingest_storage_reader_offset_commit_failures_total", { ...C, job: JOBS.mimir, [LABELS.pod]: "mimir-ingester-0" }, "0+30x40"),
                ],
                at: "30m", alerts: [{ [LABELS.cluster]: "obs", [LABELS.pod]: "mimir-ingester-0" }],
            },
            quiet: {
                series: [
                    series("cortex_ingest_storage_reader_offset_commit_requests_total", { ...C, job: JOBS.mimir, [LABELS.pod]: "mimir-ingester-0" }, "0+60x40"),
                    series("cortex_ingest_storage_reader_offset_commit_failures_total", { ...C, job: JOBS.mimir, [LABELS.pod]: "mimir-ingester-0" }, "0+1x40"),
                ],
                at: "30m",
            },
        },
        {
            alert: "KafkaBrokerDiskForecastFull",
            expr: `${PRODUCED} > scalar(${BUDGET})`,
            for: "1h",
            severity: "warning",
            summary: `At the current write rate the Kafka brokers' disks fill past ${Math.round(BROKER_DISK_SHARE * 100)}% (cluster ${show("cluster")})`,
            description: `The stack writes to Kafka faster than the brokers' disks can hold for the topics' retention with ${KAFKA_REPLICATION.factor} replicas. Before the disks fill, raise kafkaVolumeGiB or lower kafkaRetentionHours; a broker whose disk is full stops accepting writes, and the agents' queues then fill.`,
            fires: {
                series: [
                    series("otelcol_kafka_exporter_bytes_total", { ...C, job: JOBS.agent, [LABELS.host]: "node-1", topic: "otlp_spans", outcome: "success" }, `0+${60 * 2 * 1_000_000}x200`),
                    series("cortex_ingest_storage_writer_sent_bytes_total", { ...C, job: JOBS.mimir, [LABELS.pod]: "mimir-distributor-0" }, `0+${60 * 1_000_000}x200`),
                ],
                at: "150m", alerts: [{ [LABELS.cluster]: "obs" }],
            },
            quiet: {
                series: [series("otelcol_kafka_exporter_bytes_total", { ...C, job: JOBS.agent, [LABELS.host]: "node-1", topic: "otlp_spans", outcome: "success" }, `0+${60 * 100_000}x200`)],
                at: "150m",
            },
        },
    ];
    return { name: "kafka", recording, alerts };
}
