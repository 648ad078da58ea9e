// The platform under the applications: Kubernetes workloads (from the collector's k8s_cluster and kubelet_stats
// receivers) and the hosts (host_metrics; each node's filesystem and network from kubelet_stats), in the rules' label vocabulary.
import { LABELS } from "../rules/labels";
import type { DashboardSpec } from "./model";
import { base, clusterVariable, namespaceVariable, prom, row, SEL, stat, table, timeseries, variable } from "./panels";

const NS = `{${SEL.cluster}, ${SEL.namespace}}`;

export const kubernetes: DashboardSpec = {
    uid: "obs-kubernetes",
    folder: "platform",
    build: () => base("obs-kubernetes", "Platform / Kubernetes workloads", "Pods that are not running, restarts and OOM kills, CPU and memory against limits, volumes filling and node readiness.", ["kubernetes"])
        .withVariable(clusterVariable())
        .withVariable(namespaceVariable())
        .withRow(row("Pods"))
        .withPanel(stat("Pods not running", "short", prom(`sum(namespace:pods_not_running:count${NS}) or vector(0)`), { amber: 1 }, 8))
        .withPanel(stat("Nodes not Ready", "short", prom(`count(k8s_node_condition_ready{${SEL.cluster}} != 1) or vector(0)`), { red: 1 }, 8))
        .withPanel(stat("Container restarts (1 h)", "short", prom(`sum(increase(k8s_container_restarts${NS}[1h]))`), { amber: 1, red: 10 }, 8))
        .withPanel(table("Restarting containers (1 h)", prom(`topk(20, sum by (${LABELS.namespace}, ${LABELS.pod}, ${LABELS.container}) (increase(k8s_container_restarts${NS}[1h])) > 0)`)))
        .withRow(row("Resources"))
        .withPanel(timeseries("CPU by namespace", "short", [prom(`sum by (${LABELS.namespace}) (namespace:container_cpu_usage:sum${NS})`, "{{k8s_namespace_name}}")]))
        .withPanel(timeseries("Memory by namespace", "bytes", [prom(`sum by (${LABELS.namespace}) (namespace:container_memory_working_set_bytes:sum${NS})`, "{{k8s_namespace_name}}")]))
        .withPanel(timeseries("Containers nearest their CPU limit", "percentunit", [prom(`topk(10, container:cpu_limit_utilization:ratio${NS})`, "{{k8s_pod_name}}/{{k8s_container_name}}")]))
        .withPanel(timeseries("Containers nearest their memory limit", "percentunit", [prom(`topk(10, container:memory_limit_utilization:ratio${NS})`, "{{k8s_pod_name}}/{{k8s_container_name}}")]))
        .withRow(row("Volumes"))
        .withPanel(timeseries("Persistent volumes: space available", "percentunit", [prom(`min by (${LABELS.namespace}, ${LABELS.pvc}) (pvc:volume_available:ratio${NS})`, "{{k8s_namespace_name}}/{{k8s_persistentvolumeclaim_name}}")], { span: 24 }))
        .build(),
};

export const host: DashboardSpec = {
    uid: "obs-host",
    folder: "platform",
    build: () => base("obs-host", "Platform / Hosts", "CPU, memory and disk I/O of every host (the collector agents' host_metrics), and each node's filesystem and network (kubelet_stats).", ["host"])
        .withVariable(clusterVariable())
        .withVariable(variable("host", "Host", `label_values(system_cpu_time_seconds_total{${SEL.cluster}}, ${LABELS.host})`, true))
        .withPanel(timeseries("CPU utilization", "percentunit", [prom(`max by (${LABELS.host}) (host:cpu_utilization:ratio_rate5m{${SEL.cluster}, ${LABELS.host}=~"$host"})`, "{{host_name}}")]))
        .withPanel(timeseries("Memory used", "percentunit", [prom(`max by (${LABELS.host}) (host:memory_used:ratio{${SEL.cluster}, ${LABELS.host}=~"$host"})`, "{{host_name}}")]))
        // Per node (k8s_node_name), not per $host: kubelet_stats reports the kubelet's node filesystem.
        .withPanel(timeseries("Node filesystem available", "percentunit", [prom(`min by (${LABELS.node}) (node:filesystem_available:ratio{${SEL.cluster}})`, "{{k8s_node_name}}")]))
        .withPanel(timeseries("Disk busy", "percentunit", [prom(`max by (${LABELS.host}, device) (host:disk_io_time:ratio_rate5m{${SEL.cluster}, ${LABELS.host}=~"$host"})`, "{{host_name}} {{device}}")]))
        // Per node too: kubelet_stats reports the node's interfaces (host_metrics would see the agent pod's own).
        .withPanel(timeseries("Network", "Bps", [
            prom(`sum by (${LABELS.node}) (node:network_receive_bytes:rate5m{${SEL.cluster}})`, "{{k8s_node_name}} in"),
            prom(`-sum by (${LABELS.node}) (node:network_transmit_bytes:rate5m{${SEL.cluster}})`, "{{k8s_node_name}} out"),
        ], { span: 24 }))
        .build(),
};
