// Kubernetes workloads, from the gateway's `k8s_cluster` receiver (object state: restarts, phases, readiness,
// replicas, node conditions, limits) and the agents' `kubelet_stats` (usage and volumes): crash loops, pods and
// containers not ready, OOM kills, workloads short of replicas, failed jobs, nodes and the whole cluster down,
// volumes filling up (linear prediction), and containers at their CPU or memory limit.
import { by, LABELS, show } from "../labels";
import { AlertDefinition, CatalogueGroup, RecordingRule, series } from "../model";

/** The alert that says a whole cluster is down (Alertmanager inhibits the rest of that cluster while it fires). */
export const CLUSTER_DOWN = "KubeClusterDown";

const C = { [LABELS.cluster]: "obs" };
const ctr = { ...C, [LABELS.namespace]: "shop", [LABELS.pod]: "checkout-7d9f", [LABELS.container]: "app" };
const podOf = { ...C, [LABELS.namespace]: "shop", [LABELS.pod]: "checkout-7d9f" };
const where = `${show("namespace")}/${show("pod")}`;
const POD = by("cluster", "namespace", "pod");
const CONTAINER = by("cluster", "namespace", "pod", "container");
const PVC = by("cluster", "namespace", "pvc");

const recording: RecordingRule[] = [
    { record: "namespace:container_cpu_usage:sum", expr: `sum by (${by("cluster", "namespace")}) (container_cpu_usage)` },
    { record: "namespace:container_memory_working_set_bytes:sum", expr: `sum by (${by("cluster", "namespace")}) (container_memory_working_set_bytes)` },
    { record: "container:memory_limit_utilization:ratio", expr: `max by (${CONTAINER}) (container_memory_working_set_bytes) / max by (${CONTAINER}) (k8s_container_memory_limit_bytes > 0)` },
    { record: "container:cpu_limit_utilization:ratio", expr: `max by (${CONTAINER}) (container_cpu_usage) / max by (${CONTAINER}) (k8s_container_cpu_limit > 0)` },
    { record: "pvc:volume_available:ratio", expr: `min by (${PVC}) (k8s_volume_available_bytes / k8s_volume_capacity_bytes)` },
    { record: "namespace:pods_not_running:count", expr: `count by (${by("cluster", "namespace")}) (k8s_pod_phase == 1 or k8s_pod_phase == 4 or k8s_pod_phase == 5)` },
];

/** `a < b` on one workload kind's two gauges, e.g. available < desired replicas. */
function replicas(alert: string, kind: string, nameLabel: string, have: string, want: string): AlertDefinition {
    const keys = `${by("cluster", "namespace")}, ${nameLabel}`;
    const w = { ...C, [LABELS.namespace]: "shop", [nameLabel]: "checkout" };
    return {
        alert,
        expr: `max by (${keys}) (${have}) < max by (${keys}) (${want})`,
        for: "15m",
        severity: "warning",
        summary: `${kind} ${show("namespace")}/{{ $labels.${nameLabel} }} is short of replicas (cluster ${show("cluster")})`,
        description: `The ${kind} has had fewer ready replicas than it wants for 15 minutes: pods cannot be scheduled, pulled or made ready.`,
        fires: { series: [series(have, w, "1x30"), series(want, w, "3x30")], at: "20m", alerts: [w] },
        quiet: { series: [series(have, w, "3x30"), series(want, w, "3x30")], at: "20m" },
    };
}

const alerts: AlertDefinition[] = [
    {
        alert: "KubePodCrashLooping",
        expr: `sum by (${CONTAINER}) (increase(k8s_container_restarts[15m])) > 2`,
        for: "15m",
        severity: "warning",
        summary: `Container {{ $labels.${LABELS.container} }} of ${where} is crash looping (cluster ${show("cluster")})`,
        description: "The container restarted more than twice in 15 minutes, for 15 minutes. Its logs (previous instance) say why it exits.",
        fires: { series: [series("k8s_container_restarts", ctr, "0+1x40")], at: "35m", alerts: [ctr] },
        quiet: { series: [series("k8s_container_restarts", ctr, "3x40")], at: "35m" },
    },
    {
        alert: "KubePodNotReady",
        expr: `max by (${POD}) (k8s_pod_phase == 1 or k8s_pod_phase == 5) > 0`,
        for: "15m",
        severity: "warning",
        summary: `Pod ${where} has been Pending or Unknown for 15 minutes (cluster ${show("cluster")})`,
        description: "The pod cannot be scheduled (resources, affinity, volumes) or its node stopped reporting it.",
        fires: { series: [series("k8s_pod_phase", podOf, "1x30")], at: "20m", alerts: [podOf] },
        quiet: { series: [series("k8s_pod_phase", podOf, "2x30")], at: "20m" },
    },
    {
        alert: "KubeContainerNotReady",
        expr: `max by (${CONTAINER}) (k8s_container_ready) == 0\nunless on (${POD}) max by (${POD}) (k8s_pod_phase == 3)`,
        for: "15m",
        severity: "warning",
        summary: `Container {{ $labels.${LABELS.container} }} of ${where} is not ready (cluster ${show("cluster")})`,
        description: "The container has failed its readiness probe for 15 minutes, so its Service sends it no traffic.",
        fires: { series: [series("k8s_container_ready", ctr, "0x30"), series("k8s_pod_phase", podOf, "2x30")], at: "20m", alerts: [ctr] },
        quiet: { series: [series("k8s_container_ready", ctr, "0x30"), series("k8s_pod_phase", podOf, "3x30")], at: "20m" },
    },
    {
        alert: "KubeContainerOOMKilled",
        expr: `max by (${CONTAINER}) (k8s_container_restarts{${LABELS.terminatedReason}="OOMKilled"})\nunless max by (${CONTAINER}) (k8s_container_restarts{${LABELS.terminatedReason}="OOMKilled"} offset 15m)\n`
            + `or max by (${CONTAINER}) (increase(k8s_container_restarts{${LABELS.terminatedReason}="OOMKilled"}[15m])) > 0`,
        for: "0m",
        severity: "warning",
        summary: `Container {{ $labels.${LABELS.container} }} of ${where} was OOM-killed (cluster ${show("cluster")})`,
        description: "The container was killed for exceeding its memory limit in the last 15 minutes. Raise the limit or find the leak.",
        // Restarts with last terminated reason OOMKilled appear at minute 20 (the reason label changed).
        fires: { series: [series("k8s_container_restarts", { ...ctr, [LABELS.terminatedReason]: "OOMKilled" }, "_x20 1x10")], at: "25m", alerts: [ctr] },
        quiet: { series: [series("k8s_container_restarts", { ...ctr, [LABELS.terminatedReason]: "OOMKilled" }, "1x60")], at: "50m" },
    },
    replicas("KubeDeploymentReplicasMismatch", "Deployment", `${"k8s_deployment_name"}`, "k8s_deployment_available", "k8s_deployment_desired"),
    replicas("KubeStatefulSetReplicasMismatch", "StatefulSet", "k8s_statefulset_name", "k8s_statefulset_ready_pods", "k8s_statefulset_desired_pods"),
    replicas("KubeDaemonSetNotScheduled", "DaemonSet", "k8s_daemonset_name", "k8s_daemonset_ready_nodes", "k8s_daemonset_desired_scheduled_nodes"),
    {
        alert: "KubeJobFailed",
        expr: `max by (${by("cluster", "namespace")}, k8s_job_name) (k8s_job_failed_pods) > 0`,
        for: "15m",
        severity: "warning",
        summary: `Job ${show("namespace")}/{{ $labels.k8s_job_name }} has failed pods (cluster ${show("cluster")})`,
        description: "A Job's pods failed. If it is a CronJob's run, the work it does (backups, compaction, reports) did not happen.",
        fires: { series: [series("k8s_job_failed_pods", { ...C, [LABELS.namespace]: "ops", k8s_job_name: "backup-29001" }, "1x30")], at: "20m", alerts: [{ ...C, [LABELS.namespace]: "ops", k8s_job_name: "backup-29001" }] },
    },
    {
        alert: "KubeNodeNotReady",
        expr: `max by (${by("cluster", "node")}) (k8s_node_condition_ready) != 1`,
        for: "5m",
        severity: "critical",
        summary: `Node ${show("node")} is not Ready (cluster ${show("cluster")})`,
        description: "The kubelet on this node stopped posting Ready: its pods are evicted after the toleration period and nothing new is scheduled there.",
        fires: { series: [series("k8s_node_condition_ready", { ...C, [LABELS.node]: "node-1" }, "0x30")], at: "10m", alerts: [{ ...C, [LABELS.node]: "node-1" }] },
        quiet: { series: [series("k8s_node_condition_ready", { ...C, [LABELS.node]: "node-1" }, "1x30")], at: "10m" },
    },
    {
        alert: CLUSTER_DOWN,
        expr: `group by (${by("cluster")}) (max_over_time(k8s_node_condition_ready[1h]))\nunless group by (${by("cluster")}) (k8s_node_condition_ready == 1)`,
        for: "5m",
        severity: "critical",
        summary: `No node of cluster ${show("cluster")} is Ready`,
        description: "Every node that reported in the last hour is not Ready or has stopped reporting: the whole cluster is down. Component alerts of this cluster are inhibited while this fires.",
        fires: { series: [series("k8s_node_condition_ready", { ...C, [LABELS.node]: "node-1" }, "1x10 _x30")], at: "25m", alerts: [C] },
        quiet: {
            series: [series("k8s_node_condition_ready", { ...C, [LABELS.node]: "node-1" }, "1x10 _x30"), series("k8s_node_condition_ready", { ...C, [LABELS.node]: "node-2" }, "1x40")],
            at: "25m",
        },
    },
    {
        alert: "KubePersistentVolumeFillingUp",
        expr: `pvc:volume_available:ratio < 0.15\nand min by (${PVC}) (predict_linear(k8s_volume_available_bytes[6h], 4 * 86400)) < 0`,
        for: "1h",
        severity: "warning",
        summary: `Volume ${show("namespace")}/{{ $labels.${LABELS.pvc} }} will be full within 4 days (cluster ${show("cluster")})`,
        description: "The volume has less than 15% free and, at the rate it has filled over the last 6 hours, will be full within 4 days.",
        fires: {
            series: [
                series("k8s_volume_available_bytes", { ...C, [LABELS.namespace]: "observability", [LABELS.pvc]: "storage-mimir-ingester-0" }, "20-0.1x140"),
                series("k8s_volume_capacity_bytes", { ...C, [LABELS.namespace]: "observability", [LABELS.pvc]: "storage-mimir-ingester-0" }, "100x140"),
            ],
            at: "130m",
            alerts: [{ ...C, [LABELS.namespace]: "observability", [LABELS.pvc]: "storage-mimir-ingester-0" }],
        },
        quiet: {
            series: [
                series("k8s_volume_available_bytes", { ...C, [LABELS.namespace]: "observability", [LABELS.pvc]: "storage-mimir-ingester-0" }, "10x140"),
                series("k8s_volume_capacity_bytes", { ...C, [LABELS.namespace]: "observability", [LABELS.pvc]: "storage-mimir-ingester-0" }, "100x140"),
            ],
            at: "130m",
        },
    },
    {
        alert: "KubePersistentVolumeAlmostFull",
        expr: "pvc:volume_available:ratio < 0.03",
        for: "5m",
        severity: "critical",
        summary: `Volume ${show("namespace")}/{{ $labels.${LABELS.pvc} }} is over 97% full (cluster ${show("cluster")})`,
        description: "The volume is nearly full: the workload writing to it (WAL, queue, database) fails its writes when it is.",
        fires: {
            series: [
                series("k8s_volume_available_bytes", { ...C, [LABELS.namespace]: "observability", [LABELS.pvc]: "storage-loki-0" }, "2x20"),
                series("k8s_volume_capacity_bytes", { ...C, [LABELS.namespace]: "observability", [LABELS.pvc]: "storage-loki-0" }, "100x20"),
            ],
            at: "10m",
            alerts: [{ ...C, [LABELS.namespace]: "observability", [LABELS.pvc]: "storage-loki-0" }],
        },
    },
    {
        alert: "KubeContainerMemoryNearLimit",
        expr: "container:memory_limit_utilization:ratio > 0.9",
        for: "15m",
        severity: "warning",
        summary: `Container {{ $labels.${LABELS.container} }} of ${where} uses over 90% of its memory limit (cluster ${show("cluster")})`,
        description: "The container's working set is close to its memory limit: the next spike gets it OOM-killed.",
        fires: { series: [series("container_memory_working_set_bytes", ctr, "950x30"), series("k8s_container_memory_limit_bytes", ctr, "1000x30")], at: "20m", alerts: [ctr] },
        quiet: { series: [series("container_memory_working_set_bytes", ctr, "500x30"), series("k8s_container_memory_limit_bytes", ctr, "1000x30")], at: "20m" },
    },
    {
        alert: "KubeContainerCpuNearLimit",
        expr: "container:cpu_limit_utilization:ratio > 0.9",
        for: "15m",
        severity: "warning",
        summary: `Container {{ $labels.${LABELS.container} }} of ${where} uses over 90% of its CPU limit (cluster ${show("cluster")})`,
        description: "The container runs at its CPU limit, so the kernel throttles it: latency rises before anything fails.",
        fires: { series: [series("container_cpu_usage", ctr, "0.95x30"), series("k8s_container_cpu_limit", ctr, "1x30")], at: "20m", alerts: [ctr] },
        quiet: { series: [series("container_cpu_usage", ctr, "0.3x30"), series("k8s_container_cpu_limit", ctr, "1x30")], at: "20m" },
    },
];

export const kubernetesGroup: CatalogueGroup = { name: "kubernetes", recording, alerts };
