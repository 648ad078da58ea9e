// Alerting and content: who gets paged (integrations from their secrets), maintenance windows, and what the rules
// and dashboards are built from (runbook links, SLOs, RED and gen_ai thresholds).
import type * as pulumi from "@pulumi/pulumi";
import type { Integration, MaintenanceWindow } from "../render/backends/alertmanager";
import { GenAiPrice, GenAiSettings, validateGenAi } from "../render/rules/catalogue/genai";
import { RedSettings, validateRed } from "../render/rules/catalogue/red";
import { SLI_KINDS, SloSpec, validateSlo } from "../render/rules/slo";
import { ConfigReader, decimal, parseUrl } from "./reader";
import { AlertingConfig, ConfigKey, ContentConfig, DEFAULT_RUNBOOK_URL, Environment, INTEGRATION_KEYS } from "./schema";

const WEEKDAY = "(sunday|monday|tuesday|wednesday|thursday|friday|saturday)";
const HHMM = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;

/** Alerting: every integration with a credential is on; prod must page someone, and a dead-man's switch must notice when alerting itself is down. */
export function parseAlerting(r: ConfigReader, environment: Environment): AlertingConfig {
    const credentials: Partial<Record<Integration, pulumi.Output<string>>> = {};
    for (const [integration, key] of Object.entries(INTEGRATION_KEYS) as [Integration, ConfigKey][]) {
        const secret = r.secret(key);
        if (secret !== undefined) credentials[integration] = secret;
    }
    if (environment === "prod" && !credentials.pagerduty && !credentials.opsgenie) {
        r.add("pagerdutyRoutingKey", undefined, "prod pages nobody: critical alerts would reach no one",
            "set with: pulumi config set --secret pagerdutyRoutingKey <Events v2 routing key> (or opsgenieApiKey)");
    }
    if (environment === "prod" && !credentials.deadmansswitch) {
        r.add("deadMansSwitchUrl", undefined, "prod alerting could go quiet unnoticed: without a dead-man's switch the Watchdog's heartbeat goes nowhere, so a dead Alertmanager, ruler or Mimir pages no one",
            "an https heartbeat URL of a dead-man's switch service (Healthchecks.io, Dead Man's Snitch, PagerDuty/Opsgenie heartbeat), set with: pulumi config set --secret deadMansSwitchUrl <url>");
    }
    return { integrations: Object.keys(credentials) as Integration[], maintenance: parseMaintenanceWindows(r), credentials };
}

function parseMaintenanceWindows(r: ConfigReader): MaintenanceWindow[] {
    const maintenance: MaintenanceWindow[] = [];
    const raw = r.json("maintenanceWindows", "array");
    if (!Array.isArray(raw)) return maintenance;
    const allowed = "a list of { weekdays: [saturday | monday:friday ...], startTime: HH:MM, endTime: HH:MM, location?: IANA zone (default UTC) }";
    const dayRe = new RegExp(`^${WEEKDAY}(:${WEEKDAY})?$`);
    raw.forEach((w: unknown, i: number) => {
        const key = `maintenanceWindows[${i}]`;
        const o = (typeof w === "object" && w !== null ? w : {}) as Record<string, unknown>;
        const weekdays = Array.isArray(o.weekdays) ? o.weekdays : [];
        const unknown = Object.keys(o).filter(k => !["weekdays", "startTime", "endTime", "location"].includes(k));
        if (typeof w !== "object" || w === null || unknown.length > 0) { r.add(key, w, unknown.length > 0 ? `unknown field ${unknown[0]}` : "not a map", allowed); return; }
        if (weekdays.length === 0 || !weekdays.every(d => typeof d === "string" && dayRe.test(d))) { r.add(`${key}.weekdays`, o.weekdays, "not a list of weekdays", "lower-case weekday names or ranges, e.g. [saturday] or [monday:friday]"); return; }
        for (const f of ["startTime", "endTime"] as const) if (typeof o[f] !== "string" || !HHMM.test(o[f] as string)) { r.add(`${key}.${f}`, o[f], "not a time of day", "HH:MM on a 24-hour clock, e.g. 02:00"); return; }
        if ((o.startTime as string) >= (o.endTime as string)) { r.add(`${key}.endTime`, o.endTime, `not after startTime ${o.startTime}`, "a later time the same day (split windows that cross midnight)"); return; }
        const location = o.location ?? "UTC";
        if (typeof location !== "string" || !isTimeZone(location)) { r.add(`${key}.location`, location, "not an IANA time zone", "a zone such as UTC or Europe/Paris"); return; }
        maintenance.push({ weekdays: weekdays as string[], startTime: o.startTime as string, endTime: o.endTime as string, location });
    });
    return maintenance;
}

function isTimeZone(zone: string): boolean {
    try {
        new Intl.DateTimeFormat("en", { timeZone: zone });
        return true;
    } catch {
        return false;
    }
}

/** The rule and dashboard content: runbook links, SLOs, RED thresholds and the gen_ai price table and budget. */
export function parseContent(r: ConfigReader): ContentConfig {
    let runbookBaseUrl = DEFAULT_RUNBOOK_URL;
    const runbook = r.text("runbookBaseUrl");
    if (runbook !== undefined) {
        const url = parseUrl(runbook);
        if (!url || url.protocol !== "https:" || url.hash || url.username) r.add("runbookBaseUrl", runbook, "not an https URL without a fragment", "the https URL of your copy of docs/runbooks.md; each alert links to #<alert name, lower-cased>");
        else runbookBaseUrl = runbook;
    }
    return { runbookBaseUrl, slos: parseSlos(r), red: parseRed(r), genAi: parseGenAi(r) };
}

function parseSlos(r: ConfigReader): SloSpec[] {
    const slos: SloSpec[] = [];
    const sloAllowed = `objects like {"name": "checkout-availability", "service": "checkout", "sli": "availability", "objective": 0.999, "windowDays": 30} or {"name": "search-latency", "service": "search", "sli": "latency", "latencySeconds": 0.256, "objective": 0.99}`;
    for (const [i, item] of ((r.json("slos", "array") ?? []) as unknown[]).entries()) {
        const key = `slos[${i}]`;
        if (typeof item !== "object" || item === null || Array.isArray(item)) { r.add(key, item, "not an object", sloAllowed); continue; }
        const o = item as Record<string, unknown>;
        const unknown = Object.keys(o).filter(k => !["name", "service", "sli", "objective", "latencySeconds", "windowDays"].includes(k));
        if (unknown.length) { r.add(key, o, `unknown field ${unknown.join(", ")}`, sloAllowed); continue; }
        if (typeof o.name !== "string" || typeof o.service !== "string") { r.add(key, o, "needs a name and a service", sloAllowed); continue; }
        if (!(SLI_KINDS as readonly unknown[]).includes(o.sli)) { r.add(`${key}.sli`, o.sli, "not a supported SLI", SLI_KINDS.join(" | ")); continue; }
        const slo: SloSpec = {
            name: o.name, service: o.service, sli: o.sli as SloSpec["sli"], objective: decimal(o.objective),
            windowDays: o.windowDays === undefined ? 30 : decimal(o.windowDays),
            ...(o.latencySeconds !== undefined ? { latencySeconds: decimal(o.latencySeconds) } : {}),
        };
        const problems = validateSlo(slo);
        if (slos.some(x => x.name === slo.name)) problems.push(`slo ${slo.name}: declared twice`);
        if (problems.length > 0) { r.add(key, o, problems.join("; "), sloAllowed); continue; }
        slos.push(slo);
    }
    return slos;
}

function parseRed(r: ConfigReader): RedSettings {
    const ratioAllowed = "a ratio above 0 and below 1, e.g. 0.05";
    const secondsAllowed = "seconds above 0, at most 600; serviceLatencyP95Seconds maps service.name to seconds";
    const serviceLatencyP95Seconds: Record<string, number> = {};
    for (const [svc, t] of Object.entries((r.json("serviceLatencyP95Seconds", "object") ?? {}) as Record<string, unknown>)) serviceLatencyP95Seconds[svc] = decimal(t);
    const red: RedSettings = {
        errorRatio: r.number("highErrorRatio", 0.05, ratioAllowed),
        latencyP95Seconds: r.number("latencyP95Seconds", 1, secondsAllowed),
        serviceLatencyP95Seconds,
    };
    for (const p of validateRed(red)) {
        const key: ConfigKey = p.startsWith("errorRatio") ? "highErrorRatio" : p.startsWith("latencyP95Seconds") ? "latencyP95Seconds" : "serviceLatencyP95Seconds";
        if (r.hasProblem(key)) continue;
        r.add(key, r.text(key), p.replace(/^errorRatio/, "highErrorRatio"), key === "highErrorRatio" ? ratioAllowed : secondsAllowed);
    }
    return red;
}

function parseGenAi(r: ConfigReader): GenAiSettings {
    const prices: GenAiPrice[] = [];
    const priceAllowed = `objects like {"model": "gpt-4o", "inputUsdPerMillionTokens": 2.5, "outputUsdPerMillionTokens": 10}`;
    for (const [i, item] of ((r.json("genAiPrices", "array") ?? []) as unknown[]).entries()) {
        const key = `genAiPrices[${i}]`;
        const o = (typeof item === "object" && item !== null && !Array.isArray(item) ? item : undefined) as Record<string, unknown> | undefined;
        const unknown = o ? Object.keys(o).filter(k => !["model", "inputUsdPerMillionTokens", "outputUsdPerMillionTokens"].includes(k)) : [];
        if (!o || unknown.length || typeof o.model !== "string") { r.add(key, item, unknown.length ? `unknown field ${unknown.join(", ")}` : "not a priced model", priceAllowed); continue; }
        prices.push({ model: o.model, inputUsdPerMillionTokens: decimal(o.inputUsdPerMillionTokens), outputUsdPerMillionTokens: decimal(o.outputUsdPerMillionTokens) });
    }
    const budgetAllowed = "USD above 0, with genAiPrices set";
    const latencyAllowed = "seconds above 0, at most 600";
    const dailyBudgetUsd = r.number("genAiDailyBudgetUsd", undefined, budgetAllowed);
    const genAi: GenAiSettings = {
        prices,
        latencyP95Seconds: r.number("genAiLatencyP95Seconds", 20, latencyAllowed),
        ...(dailyBudgetUsd !== undefined ? { dailyBudgetUsd } : {}),
    };
    for (const p of validateGenAi(genAi)) {
        const key: ConfigKey = p.startsWith("dailyBudgetUsd") ? "genAiDailyBudgetUsd" : p.startsWith("latencyP95Seconds") ? "genAiLatencyP95Seconds" : "genAiPrices";
        if (r.hasProblem(key)) continue;
        r.add(key, r.text(key), p, key === "genAiPrices" ? `${priceAllowed}, each model once, prices from 0 to 10000 USD` : key === "genAiDailyBudgetUsd" ? budgetAllowed : latencyAllowed);
    }
    return genAi;
}
