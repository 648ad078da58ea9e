// Every backend release of a stack, in install order, from plain inputs.
import type { Environment, Retention, Signal } from "../../config/primitives";
import type { CollectorSettings } from "../collector/otel";
import type { KafkaSettings } from "../kafka";
import { AlertingSettings, alertmanagerUrl, alertmanagerValues } from "./alertmanager";
import { AwsIdentity, RenderedRelease } from "./common";
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
}

/** The stack-wide, plain part of the input: everything but the Outputs (bucket names, roles). */
export type BackendBase = Omit<BackendsInput, "buckets" | "identities">;

export function renderAlertmanager(i: BackendsInput): RenderedRelease {
    return alertmanagerValues({ environment: i.environment, namespace: i.namespace, stack: i.stack, alerting: i.alerting });
}

export function renderStoringBackend(backend: StoringBackend, i: BackendsInput): RenderedRelease {
    const ctx = {
        environment: i.environment,
        namespace: i.namespace,
        retention: i.retention,
        storage: { region: i.region, buckets: i.buckets },
        identity: i.identities[backend],
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
    });
}

/** All five releases, in install order. */
export function renderBackends(i: BackendsInput): RenderedRelease[] {
    return [renderAlertmanager(i), renderStoringBackend("mimir", i), renderStoringBackend("loki", i), renderStoringBackend("tempo", i), renderGrafana(i)];
}

/**
 * The input with placeholders for bucket names and roles. Release names, charts, workloads and metrics endpoints
 * do not depend on those, so a render of it plans a release before its Outputs are known.
 */
export function placeholderInput(i: BackendBase): BackendsInput {
    const buckets = new Proxy({}, { get: (_t, store) => `<${String(store)}>` }) as Record<string, string>;
    const identity: AwsIdentity = { kind: "instance-role" };
    return { ...i, buckets, identities: { loki: identity, tempo: identity, mimir: identity } };
}
