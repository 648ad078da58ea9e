// The hosts under the cluster, from the agents' `hostmetrics` receiver (one agent per node, reading the host's
// /proc and /sys through /hostfs): CPU, memory, filesystems (linear prediction), disk I/O, network errors and load,
// and a host that stopped reporting.
import { by, LABELS, show } from "../labels";
import { AlertDefinition, CatalogueGroup, RecordingRule, series } from "../model";

const C = { [LABELS.cluster]: "obs" };
const host = { ...C, [LABELS.host]: "node-1" };
const HOST = by("cluster", "host");
const FS = by("cluster", "host", "=mountpoint");
const on = `${show("host")} (cluster ${show("cluster")})`;

const recording: RecordingRule[] = [
    { record: "host:cpu_utilization:ratio_rate5m", expr: `1 - avg by (${HOST}) (rate(system_cpu_time_seconds_total{state="idle"}[5m]))` },
    { record: "host:memory_used:ratio", expr: `sum by (${HOST}) (system_memory_usage_bytes{state="used"}) / sum by (${HOST}) (system_memory_usage_bytes)` },
    { record: "host:filesystem_free:ratio", expr: `sum by (${FS}) (system_filesystem_usage_bytes{state="free"}) / sum by (${FS}) (system_filesystem_usage_bytes)` },
    { record: "host:network_receive_bytes:rate5m", expr: `sum by (${HOST}) (rate(system_network_io_bytes_total{direction="receive"}[5m]))` },
    { record: "host:network_transmit_bytes:rate5m", expr: `sum by (${HOST}) (rate(system_network_io_bytes_total{direction="transmit"}[5m]))` },
    { record: "host:disk_io_time:ratio_rate5m", expr: `max by (${by("cluster", "host", "=device")}) (rate(system_disk_io_time_seconds_total[5m]))` },
];

const fs = (state: string, values: string) => series("system_filesystem_usage_bytes", { ...host, device: "/dev/nvme1n1", mountpoint: "/var/lib/rancher", type: "ext4", mode: "rw", state }, values);
const cpu = (state: string, values: string) => series("system_cpu_time_seconds_total", { ...host, cpu: "cpu0", state }, values);
const mem = (state: string, values: string) => series("system_memory_usage_bytes", { ...host, state }, values);

const alerts: AlertDefinition[] = [
    {
        alert: "HostFilesystemFillingUp",
        expr: `host:filesystem_free:ratio < 0.2\nand predict_linear(sum by (${FS}) (system_filesystem_usage_bytes{state="free"})[6h:5m], 86400) < 0`,
        for: "1h",
        severity: "warning",
        summary: `Filesystem {{ $labels.mountpoint }} on ${on} will be full within a day`,
        description: "The filesystem has less than 20% free and, at the rate it has filled over the last 6 hours, will be full within 24 hours.",
        fires: { series: [fs("free", "25-0.1x140"), fs("used", "75+0.1x140")], at: "130m", alerts: [{ ...host, mountpoint: "/var/lib/rancher" }] },
        quiet: { series: [fs("free", "15x140"), fs("used", "85x140")], at: "130m" },
    },
    {
        alert: "HostFilesystemAlmostFull",
        expr: "host:filesystem_free:ratio < 0.05",
        for: "5m",
        severity: "critical",
        summary: `Filesystem {{ $labels.mountpoint }} on ${on} is over 95% full`,
        description: "The filesystem is nearly full: containers on it fail their writes and the kubelet starts evicting pods.",
        fires: { series: [fs("free", "3x20"), fs("used", "97x20")], at: "10m", alerts: [{ ...host, mountpoint: "/var/lib/rancher" }] },
    },
    {
        alert: "HostCpuSaturated",
        expr: "host:cpu_utilization:ratio_rate5m > 0.9",
        for: "30m",
        severity: "warning",
        summary: `CPU on ${on} has been over 90% busy for 30 minutes`,
        description: "The host's CPUs are saturated: every pod on it is slower, and probes may start failing.",
        fires: { series: [cpu("idle", "0+3x60"), cpu("user", "0+57x60")], at: "45m", alerts: [host] },
        quiet: { series: [cpu("idle", "0+30x60"), cpu("user", "0+30x60")], at: "45m" },
    },
    {
        alert: "HostMemoryPressure",
        expr: "host:memory_used:ratio > 0.9",
        for: "15m",
        severity: "warning",
        summary: `Memory on ${on} is over 90% used`,
        description: "Little memory is left for page cache and new pods; the kubelet evicts pods at its hard threshold and the kernel OOM-kills before that.",
        fires: { series: [mem("used", "95x30"), mem("free", "5x30")], at: "20m", alerts: [host] },
        quiet: { series: [mem("used", "60x30"), mem("free", "40x30")], at: "20m" },
    },
    {
        alert: "HostDiskIoSaturated",
        expr: "host:disk_io_time:ratio_rate5m > 0.9",
        for: "30m",
        severity: "warning",
        summary: `Disk {{ $labels.device }} on ${on} is busy over 90% of the time`,
        description: "The disk is saturated with I/O: WAL writes, queue flushes and compactions on it slow down.",
        fires: { series: [series("system_disk_io_time_seconds_total", { ...host, device: "nvme1n1" }, "0+57x60")], at: "45m", alerts: [{ ...host, device: "nvme1n1" }] },
        quiet: { series: [series("system_disk_io_time_seconds_total", { ...host, device: "nvme1n1" }, "0+10x60")], at: "45m" },
    },
    {
        alert: "HostNetworkErrors",
        expr: `sum by (${by("cluster", "host", "=device")}) (rate(system_network_errors_total[5m])) > 1`,
        for: "15m",
        severity: "warning",
        summary: `Network interface {{ $labels.device }} on ${on} reports errors`,
        description: "The interface has counted more than one receive or transmit error per second for 15 minutes: a bad link, driver or MTU mismatch.",
        fires: { series: [series("system_network_errors_total", { ...host, device: "ens5", direction: "receive" }, "0+120x30")], at: "25m", alerts: [{ ...host, device: "ens5" }] },
        quiet: { series: [series("system_network_errors_total", { ...host, device: "ens5", direction: "receive" }, "0+1x30")], at: "25m" },
    },
    {
        alert: "HostLoadHigh",
        expr: `max by (${HOST}) (system_cpu_load_average_15m) / count by (${HOST}) (system_cpu_time_seconds_total{state="idle"}) > 2`,
        for: "30m",
        severity: "warning",
        summary: `Load on ${on} is over twice its CPU count`,
        description: "More than two runnable (or I/O-blocked) threads per CPU, on average over 15 minutes: work is queueing for CPU or disk.",
        fires: { series: [series("system_cpu_load_average_15m", host, "5x60"), cpu("idle", "0+30x60")], at: "45m", alerts: [host] },
        quiet: { series: [series("system_cpu_load_average_15m", host, "1x60"), cpu("idle", "0+30x60")], at: "45m" },
    },
    {
        alert: "HostDown",
        expr: `group by (${HOST}) (max_over_time(system_cpu_time_seconds_total{state="idle"}[1h]))\nunless group by (${HOST}) (system_cpu_time_seconds_total{state="idle"})`,
        for: "5m",
        severity: "critical",
        summary: `Host ${on} stopped reporting`,
        description: "The host's agent reported in the last hour and has sent nothing for at least 10 minutes: the host is down, or its agent is.",
        fires: { series: [cpu("idle", "0+30x10 _x30")], at: "25m", alerts: [host] },
        quiet: { series: [cpu("idle", "0+30x40")], at: "25m" },
    },
];

export const hostGroup: CatalogueGroup = { name: "host", recording, alerts };
