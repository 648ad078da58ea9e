// The hosts under the cluster, from the agents' `host_metrics` receiver (one agent per node, reading the host's
// /proc through /hostfs): CPU, memory, disk I/O and load, and a host that stopped reporting; and from the agents'
// `kubelet_stats`, each node's filesystem (the kubelet's, linear prediction), as the agent does not mount the host's
// `/` that host_metrics' filesystem scraper would need, and each node's network traffic and errors, as host_metrics'
// network scraper would read the agent pod's own network namespace (/proc/net is /proc/self/net), not the host's.
import { by, LABELS, show } from "../labels";
import { AlertDefinition, CatalogueGroup, RecordingRule, series } from "../model";

const C = { [LABELS.cluster]: "obs" };
const host = { ...C, [LABELS.host]: "node-1" };
const HOST = by("cluster", "host");
const NODE = by("cluster", "node");
const on = `${show("host")} (cluster ${show("cluster")})`;

const recording: RecordingRule[] = [
    { record: "host:cpu_utilization:ratio_rate5m", expr: `1 - avg by (${HOST}) (rate(system_cpu_time_seconds_total{state="idle"}[5m]))` },
    { record: "host:memory_used:ratio", expr: `sum by (${HOST}) (system_memory_usage_bytes{state="used"}) / sum by (${HOST}) (system_memory_usage_bytes)` },
    // kubelet_stats `k8s.node.filesystem.{available,capacity}` (gauges, unit By): the kubelet's node filesystem.
    { record: "node:filesystem_available:ratio", expr: `min by (${NODE}) (k8s_node_filesystem_available_bytes / k8s_node_filesystem_capacity_bytes)` },
    // kubelet_stats `k8s.node.network.io` (cumulative monotonic sum, unit By; attributes interface, direction): the
    // node's interfaces as the kubelet (in the host's network namespace) counts them.
    { record: "node:network_receive_bytes:rate5m", expr: `sum by (${NODE}) (rate(k8s_node_network_io_bytes_total{direction="receive"}[5m]))` },
    { record: "node:network_transmit_bytes:rate5m", expr: `sum by (${NODE}) (rate(k8s_node_network_io_bytes_total{direction="transmit"}[5m]))` },
    { record: "host:disk_io_time:ratio_rate5m", expr: `max by (${by("cluster", "host", "=device")}) (rate(system_disk_io_time_seconds_total[5m]))` },
];

const node = { ...C, [LABELS.node]: "node-1" };
// The node's series also carry the agent's host.name (the node's name), which the rules aggregate away.
const nodeFs = (available: string, capacity: string) => [
    series("k8s_node_filesystem_available_bytes", { ...node, [LABELS.host]: "node-1" }, available),
    series("k8s_node_filesystem_capacity_bytes", { ...node, [LABELS.host]: "node-1" }, capacity),
];
const netErrors = (direction: string, values: string) =>
    series("k8s_node_network_errors_total", { ...node, [LABELS.host]: "node-1", interface: "ens5", direction }, values);
const cpu = (state: string, values: string) => series("system_cpu_time_seconds_total", { ...host, cpu: "cpu0", state }, values);
const mem = (state: string, values: string) => series("system_memory_usage_bytes", { ...host, state }, values);

const alerts: AlertDefinition[] = [
    {
        alert: "KubeNodeFilesystemFillingUp",
        expr: `node:filesystem_available:ratio < 0.2\nand predict_linear(min by (${NODE}) (k8s_node_filesystem_available_bytes)[6h:5m], 86400) < 0`,
        for: "1h",
        severity: "warning",
        summary: `Filesystem of node ${show("node")} (cluster ${show("cluster")}) will be full within a day`,
        description: "The kubelet's node filesystem (the one holding /var/lib/kubelet: pod logs, emptyDirs, and images unless the runtime keeps them elsewhere) has less than 20% free and, at the rate it has filled over the last 6 hours, will be full within 24 hours.",
        fires: { series: nodeFs("25-0.1x140", "100x140"), at: "130m", alerts: [node] },
        quiet: { series: nodeFs("15x140", "100x140"), at: "130m" },
    },
    {
        alert: "KubeNodeFilesystemAlmostFull",
        expr: "node:filesystem_available:ratio < 0.05",
        for: "5m",
        severity: "critical",
        summary: `Filesystem of node ${show("node")} (cluster ${show("cluster")}) is over 95% full`,
        description: "The kubelet's node filesystem is nearly full: the kubelet evicts pods below its hard threshold (nodefs.available: 10% by default, 5% on k3s) and containers on it fail their writes.",
        fires: { series: nodeFs("3x20", "100x20"), at: "10m", alerts: [node] },
    },
    {
        // kubelet_stats `k8s.node.network.errors` (cumulative monotonic sum, unit 1; attributes interface, direction).
        alert: "KubeNodeNetworkErrors",
        expr: `sum by (${by("cluster", "node", "=interface")}) (rate(k8s_node_network_errors_total[5m])) > 1`,
        for: "15m",
        severity: "warning",
        summary: `Network interface {{ $labels.interface }} on node ${show("node")} (cluster ${show("cluster")}) reports errors`,
        description: "The node's interface has counted more than one receive or transmit error per second for 15 minutes: a bad link, driver or MTU mismatch.",
        fires: { series: [netErrors("receive", "0+120x30")], at: "25m", alerts: [{ ...node, interface: "ens5" }] },
        quiet: { series: [netErrors("receive", "0+1x30")], at: "25m" },
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
