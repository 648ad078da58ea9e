// The one vocabulary every rule and dashboard reads: which label carries the cluster, namespace, pod, host or
// service, and which `job` each of the stack's components reports as. It follows from how metrics reach Mimir:
// - through OTLP (collectors → Mimir `/otlp`), with the resource attributes in PROMOTED_RESOURCE_ATTRIBUTES
//   promoted to labels (dots become underscores) and Prometheus unit/`_total` suffixes on (Mimir limits
//   `promote_otel_resource_attributes`, `otel_metric_suffixes_enabled`);
// - scraped components (Loki, Tempo, Mimir, Alertmanager, Grafana, the collectors themselves) get `job` from the
//   scrape job (the release name) and the same k8s_* labels from the scrape's relabelling;
// - Tempo's span metrics (remote-written by the metrics-generator) keep Tempo's own `service` label, and carry the
//   cluster as an external label.

/** Resource attributes Mimir promotes to labels on every OTLP series. */
export const PROMOTED_RESOURCE_ATTRIBUTES = [
    "k8s.cluster.name",
    "k8s.namespace.name",
    "k8s.pod.name",
    "k8s.container.name",
    "k8s.node.name",
    "k8s.deployment.name",
    "k8s.statefulset.name",
    "k8s.daemonset.name",
    "k8s.job.name",
    "k8s.persistentvolumeclaim.name",
    "k8s.container.status.last_terminated_reason",
    "host.name",
    "service.name",
    "deployment.environment.name",
] as const;

/** Prometheus label of a promoted resource attribute (Mimir's translation: every non-alphanumeric becomes `_`). */
export const promotedLabel = (attribute: string) => attribute.replace(/[^a-zA-Z0-9_]/g, "_");

/** Label names, by meaning. */
export const LABELS = {
    cluster: promotedLabel("k8s.cluster.name"),
    namespace: promotedLabel("k8s.namespace.name"),
    pod: promotedLabel("k8s.pod.name"),
    container: promotedLabel("k8s.container.name"),
    node: promotedLabel("k8s.node.name"),
    pvc: promotedLabel("k8s.persistentvolumeclaim.name"),
    terminatedReason: promotedLabel("k8s.container.status.last_terminated_reason"),
    host: promotedLabel("host.name"),
    /** An application's OTLP metrics (gen_ai, runtime): its `service.name`. */
    service: promotedLabel("service.name"),
    /** Tempo's span metrics: the span's `service.name`, under Tempo's own label name. */
    spanService: "service",
    /** The Kubernetes Service a scraped component endpoint belongs to (from the scrape's relabelling). */
    k8sService: "k8s_service_name",
    job: "job",
} as const;

/** `job` of each scraped component: the release name, which is the scrape job's name. */
export const JOBS = {
    agent: "otel-agent",
    gateway: "otel-gateway",
    loki: "loki",
    tempo: "tempo",
    mimir: "mimir",
    alertmanager: "alertmanager",
    grafana: "grafana",
} as const;
export type Component = keyof typeof JOBS;

/** `job=~"otel-agent|otel-gateway"`: the collector tier. */
export const COLLECTOR_JOBS = `${LABELS.job}=~"${JOBS.agent}|${JOBS.gateway}"`;

/** `job="<component>"`. */
export const job = (c: Component) => `${LABELS.job}="${JOBS[c]}"`;

/** `sum by (<labels>)` with the vocabulary's names: `by("cluster", "namespace")` → `cluster label, namespace label`. */
export function by(...meanings: (keyof typeof LABELS | `=${string}`)[]): string {
    return meanings.map(m => (m.startsWith("=") ? m.slice(1) : LABELS[m as keyof typeof LABELS])).join(", ");
}

/** `{{ $labels.<label> }}` of a meaning, for annotations. */
export const show = (meaning: keyof typeof LABELS) => `{{ $labels.${LABELS[meaning]} }}`;
