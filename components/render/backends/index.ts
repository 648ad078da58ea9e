// Every backend release of a stack, in install order, from plain inputs.
import type { Environment, Retention, Signal } from "../../config/primitives";
import type { CollectorSettings } from "../collector/otel";
import type { KafkaSettings } from "../kafka";
import { AlertingSettings, alertmanagerUrl, alertmanagerValues } from "./alertmanager";
import { AwsIdentity, RenderedRelease, Values } from "./common";
import { grafanaValues, IngressController } from "./grafana";
import { lokiValues } from "./loki";
import { mimirValues } from "./mimir";
import { tempoValues } from "./tempo";

export type StoringBackend = "loki" | "tempo" | "mimir";

export interface BackendsInput {
    readonly environment: Environment;
    readonly stack: string;
    readonly namespace: string;
    readonly region: string;
    readonly domain?: string;
    /** Where people reach Grafana (`grafanaUrl`, or `https://grafana.<domain>`): its root_url. */
    readonly grafanaUrl?: string;
    readonly retention: Readonly<Record<Signal, Retention>>;
    /** Which integrations Alertmanager notifies, and the maintenance windows. */
    readonly alerting: AlertingSettings;
    /** Bucket name per store. */
    readonly buckets: Readonly<Record<string, string>>;
    /** AWS identity per storing backend. */
    readonly identities: Readonly<Record<StoringBackend, AwsIdentity>>;
    /** Collector tier settings (the collectors' workloads count against the same capacity). */
    readonly collector: CollectorSettings;
    /** Kafka buffering (collectors) and ingest storage (Mimir); absent when off. */
    readonly kafka?: KafkaSettings;
    /** The ingress controller in front of Grafana. */
    readonly ingressController: IngressController;
    /** Applications with an OTLP client certificate (`otlpClients`), which the agents trust. */
    readonly otlpClients?: readonly string[];
    /** prod: the cluster's three availability zones. */
    readonly zones?: readonly string[];
}

/** The stack-wide, plain part of the input: everything but the Outputs (bucket names, roles). */
export type BackendBase = Omit<BackendsInput, "buckets" | "identities">;

export function renderAlertmanager(i: BackendsInput): RenderedRelease {
    return alertmanagerValues({ environment: i.environment, namespace: i.namespace, stack: i.stack, alerting: i.alerting, zones: i.zones });
}

export function renderStoringBackend(backend: StoringBackend, i: BackendsInput): RenderedRelease {
    const ctx = {
        environment: i.environment,
        namespace: i.namespace,
        retention: i.retention,
        storage: { region: i.region, buckets: i.buckets },
        identity: i.identities[backend],
        zones: i.zones,
    };
    switch (backend) {
        case "loki": return lokiValues(ctx);
        case "tempo": return tempoValues(ctx);
        case "mimir": return mimirValues(ctx, alertmanagerUrl(i.namespace), i.kafka);
    }
}

export function renderGrafana(i: BackendsInput): RenderedRelease {
    return grafanaValues({
        environment: i.environment,
        namespace: i.namespace,
        alertmanagerUrl: alertmanagerUrl(i.namespace),
        rootUrl: i.grafanaUrl,
        ingressController: i.ingressController,
        zones: i.zones,
    });
}

/** All five releases, in install order. */
export function renderBackends(i: BackendsInput): RenderedRelease[] {
    return [renderAlertmanager(i), renderStoringBackend("mimir", i), renderStoringBackend("loki", i), renderStoringBackend("tempo", i), renderGrafana(i)];
}

const PLACEHOLDER_RE = /<(role:)?[a-z0-9-]+>/g;

/** The placeholder a planned release holds for a bucket name (`<loki-chunks>`) or a backend's IRSA role (`<role:loki>`). */
export const placeholder = {
    bucket: (store: string): string => `<${store}>`,
    role: (backend: StoringBackend): string => `<role:${backend}>`,
};

/**
 * The input with placeholders for bucket names and roles: the plan renders every release once from it, before those
 * Outputs exist (names, charts, workloads and metrics endpoints do not depend on them), and `fillPlaceholders` puts
 * the real names into the planned values at deploy time.
 */
export function placeholderInput(i: BackendBase): BackendsInput {
    const buckets = new Proxy({}, { get: (_t, store) => placeholder.bucket(String(store)) }) as Record<string, string>;
    const identity = (backend: StoringBackend): AwsIdentity => ({ roleArn: placeholder.role(backend) });
    return { ...i, buckets, identities: { loki: identity("loki"), tempo: identity("tempo"), mimir: identity("mimir") } };
}

/**
 * The planned values with the placeholders replaced: each store's bucket name and the backend's role ARN. Throws if
 * a placeholder is left, so a release never installs with a placeholder for a bucket.
 */
export function fillPlaceholders(values: Values, backend: StoringBackend, buckets: Readonly<Record<string, string>>, roleArn?: string): Values {
    const names = new Map(Object.entries(buckets).map(([store, name]) => [placeholder.bucket(store), name]));
    if (roleArn !== undefined) names.set(placeholder.role(backend), roleArn);
    const fill = (v: unknown): unknown => {
        if (typeof v === "string") {
            return v.replace(PLACEHOLDER_RE, p => {
                const name = names.get(p);
                if (name === undefined) throw new Error(`${backend}: no value for the placeholder ${p} in its planned values`);
                return name;
            });
        }
        if (Array.isArray(v)) return v.map(fill);
        if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fill(x)]));
        return v;
    };
    return fill(values) as Values;
}
