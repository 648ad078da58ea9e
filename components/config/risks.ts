// Dangerous settings: each is allowed in dev, and in prod only when `acknowledgeRisks` names it. An acknowledgement
// must name a risk the stack takes: an unknown entry, or one for a setting that is not dangerous (stale), is refused.
import type { MaintenanceWindow } from "../render/backends/alertmanager";
import { parseCidr } from "../render/net";
import { closest, ConfigReader } from "./reader";
import type { BucketConfig, ConfigKey, Environment } from "./schema";

export const ACKNOWLEDGE_KEY = "acknowledgeRisks";

/**
 * The floors below which a setting is dangerous:
 * - `gatewayMinReplicas` 2: one gateway is a single point of failure for all ingestion and tail sampling.
 * - `gatewayQueueVolumeGiB` 5 (the dev default): each of the three exporters' queues then holds 512 MiB (queues are
 *   sized in bytes from the volume, collector/otel.ts `queueBudget`), minutes of a backend outage at a few MB/s;
 *   below that a short outage fills them and the gateway pushes back on the agents.
 * - `kafkaRetentionHours` 24 (the default): records must outlive an overnight backend outage.
 * - `maintenanceWeekShare` 0.5: windows that together mute half of the week (84 hours) or more mute paging more
 *   often than not (every day 00:00–24:00 is the extreme case).
 */
export const RISK_FLOORS = { gatewayMinReplicas: 2, gatewayQueueVolumeGiB: 5, kafkaRetentionHours: 24, maintenanceWeekShare: 0.5 } as const;

/** Every entry `acknowledgeRisks` may hold: the setting's key, and for a whole-internet ingress block the block. */
export const ACKNOWLEDGEABLE = [
    "ingressCidrs:0.0.0.0/0", "ingressCidrs:::/0", "bucketForceDestroy", "bucketVersioning", "gatewayMinReplicas", "gatewayQueueVolumeGiB",
    "kafkaRetentionHours", "maintenanceWindows",
] as const;

export interface RiskInputs {
    readonly environment: Environment;
    readonly ingressCidrs: readonly string[];
    readonly buckets: BucketConfig;
    readonly gateway: { readonly minReplicas: number; readonly queueVolumeGiB: number };
    /** `msk` only: how long the brokers keep records. */
    readonly kafkaRetentionHours?: number;
    readonly maintenance: readonly MaintenanceWindow[];
}

interface Risk {
    readonly key: ConfigKey;
    /** The `acknowledgeRisks` entry that accepts it. */
    readonly entry: (typeof ACKNOWLEDGEABLE)[number];
    readonly value: unknown;
    readonly message: string;
    readonly allowed: string;
}

/** The dangerous settings of a parsed config (keys that already have a problem are left out). */
function risksOf(r: ConfigReader, s: RiskInputs): Risk[] {
    const risks: Risk[] = [];
    const add = (risk: Risk) => { if (!r.hasProblem(risk.key)) risks.push(risk); };
    for (const cidr of s.ingressCidrs) {
        if (parseCidr(cidr)?.prefix !== 0) continue;
        add({
            key: "ingressCidrs", entry: cidr.includes(":") ? "ingressCidrs:::/0" : "ingressCidrs:0.0.0.0/0", value: cidr,
            message: "opens the public endpoints (443, OTLP 4317/4318) to the whole internet", allowed: "specific CIDR blocks such as 203.0.113.0/24",
        });
    }
    if (s.buckets.forceDestroy) {
        add({ key: "bucketForceDestroy", entry: "bucketForceDestroy", value: true, message: "lets pulumi destroy (or a replacement) delete the buckets with every stored signal in them", allowed: "false (the prod default)" });
    }
    if (!s.buckets.versioning) {
        add({ key: "bucketVersioning", entry: "bucketVersioning", value: false, message: "an overwritten or deleted object (a block, a chunk, the Alertmanager state) cannot be recovered", allowed: "true (the default)" });
    }
    const { gatewayMinReplicas, gatewayQueueVolumeGiB, kafkaRetentionHours, maintenanceWeekShare } = RISK_FLOORS;
    if (s.gateway.minReplicas < gatewayMinReplicas) {
        add({ key: "gatewayMinReplicas", entry: "gatewayMinReplicas", value: s.gateway.minReplicas, message: "a single gateway: a restart, a node drain or a crash stops all ingestion and tail sampling until it is back", allowed: `at least ${gatewayMinReplicas} (the prod default is 3)` });
    }
    if (s.gateway.queueVolumeGiB < gatewayQueueVolumeGiB) {
        add({
            key: "gatewayQueueVolumeGiB", entry: "gatewayQueueVolumeGiB", value: s.gateway.queueVolumeGiB,
            message: `below ${gatewayQueueVolumeGiB} GiB each exporter's queue holds less than 512 MiB (its share of the volume): a short backend outage fills it, and the gateway pushes back on the agents`,
            allowed: `at least ${gatewayQueueVolumeGiB} GiB (the prod default is 20)`,
        });
    }
    if (s.kafkaRetentionHours !== undefined && s.kafkaRetentionHours < kafkaRetentionHours) {
        add({
            key: "kafkaRetentionHours", entry: "kafkaRetentionHours", value: s.kafkaRetentionHours,
            message: "records expire before an overnight backend outage is over (the brokers buffer the agents' data and Mimir's ingest storage)",
            allowed: `at least ${kafkaRetentionHours} hours (the default)`,
        });
    }
    const muted = mutedMinutesPerWeek(s.maintenance);
    if (muted >= WEEK * maintenanceWeekShare) {
        add({
            key: "maintenanceWindows", entry: "maintenanceWindows", value: r.json("maintenanceWindows", "array"),
            message: `mutes every notification but the Watchdog for ${+(muted / 60).toFixed(1)} of the week's 168 hours (${Math.round((muted / WEEK) * 100)}%)`,
            allowed: `windows that together mute less than ${maintenanceWeekShare * 168} hours a week`,
        });
    }
    return risks;
}

/** Refuses the dangerous settings of a prod stack that `acknowledgeRisks` does not name, and every bad entry in it. */
export function checkRisks(r: ConfigReader, s: RiskInputs): void {
    const risks = risksOf(r, s);
    const entryAllowed = `entries naming a dangerous setting this stack has: ${ACKNOWLEDGEABLE.join(", ")}`;
    const acks: string[] = [];
    for (const item of (r.json(ACKNOWLEDGE_KEY, "array") ?? []) as unknown[]) {
        if (typeof item !== "string") r.add(ACKNOWLEDGE_KEY, item, "not a string", entryAllowed);
        else if (acks.includes(item)) r.add(ACKNOWLEDGE_KEY, item, "listed twice", "each entry once");
        else acks.push(item);
    }
    for (const ack of acks) {
        if (risks.some(risk => risk.entry === ack)) continue;
        if ((ACKNOWLEDGEABLE as readonly string[]).includes(ack)) {
            r.add(ACKNOWLEDGE_KEY, ack, "acknowledges a risk this stack does not take (the setting is not dangerous here)", "only the dangerous settings the stack has: remove the entry");
        } else {
            const hint = closest(ack, ACKNOWLEDGEABLE);
            r.add(ACKNOWLEDGE_KEY, ack, "not a dangerous setting" + (hint ? ` (did you mean '${hint}'?)` : ""), entryAllowed);
        }
    }
    if (s.environment !== "prod") return;
    for (const risk of risks) {
        if (acks.includes(risk.entry)) continue;
        r.add(risk.key, risk.value, `${risk.message}; prod refuses it unless acknowledged`, `${risk.allowed}; or acknowledge it with ${ACKNOWLEDGE_KEY}: ["${risk.entry}"]`);
    }
}

const DAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];
const WEEK = 7 * 24 * 60;
/** The instant each zone's UTC offset is taken at: daylight saving time moves a window by an hour at most. */
const OFFSET_REFERENCE = new Date(Date.UTC(2025, 0, 6));

/** The days of a `saturday` or `monday:friday` entry, Sunday 0 (a range that wraps, `saturday:monday`, wraps). */
function daysOf(spec: string): number[] {
    const [from, to = from] = spec.split(":").map(d => DAYS.indexOf(d));
    const days = [from];
    for (let d = from; d !== to; ) days.push((d = (d + 1) % 7));
    return days;
}

function utcOffsetMinutes(zone: string): number {
    const name = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "longOffset" })
        .formatToParts(OFFSET_REFERENCE).find(p => p.type === "timeZoneName")?.value ?? "GMT";
    const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
    return m ? (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
}

/** Minutes of the week (of 10080) that at least one window mutes: the union, each window shifted to UTC. */
export function mutedMinutesPerWeek(windows: readonly MaintenanceWindow[]): number {
    const muted = new Uint8Array(WEEK);
    const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
    for (const w of windows) {
        const offset = utcOffsetMinutes(w.location);
        for (const day of new Set(w.weekdays.flatMap(daysOf))) {
            for (let m = minutes(w.startTime); m < minutes(w.endTime); m++) muted[(((day * 1440 + m - offset) % WEEK) + WEEK) % WEEK] = 1;
        }
    }
    return muted.reduce((n, x) => n + x, 0);
}
