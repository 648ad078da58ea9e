// The dead-man's switch: Watchdog always fires, Alertmanager sends it to a heartbeat receiver, and the receiver
// raises the alarm when the heartbeats stop, which means the ruler, Alertmanager or the path between them is down.
import { CatalogueGroup, series } from "../model";

export const WATCHDOG = "Watchdog";

export const metaGroup: CatalogueGroup = {
    name: "meta",
    recording: [],
    alerts: [{
        alert: WATCHDOG,
        expr: "vector(1)",
        for: "0m",
        severity: "info",
        summary: "The alerting pipeline is alive",
        description: "This alert always fires. Alertmanager routes it to the dead-man's-switch webhook; if the heartbeats stop, the ruler, Alertmanager or the path between them is broken.",
        fires: { series: [series("up", { job: "none" }, "1")], at: "1m", alerts: [{}] },
    }],
};
