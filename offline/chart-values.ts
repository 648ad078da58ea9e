// Checks rendered Helm values against the pinned charts' own key sets and schema types (reference/charts), the
// Kubernetes objects the charts pass through (reference/kubernetes), and the Mimir/Loki/Tempo config those values
// produce (reference/configs). Pure: reads files, returns findings; the CLI is scripts/check-chart-values.ts.
//
// A render folder (out/<stack>) holds helm/releases.json: [{ name, chart, version, values }], where values is a YAML
// or JSON file beside it holding the values exactly as the program passes them to the release.
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { checkTypes, TypeIndex, type ChartTypes } from "./chart-schema";
import { checkTree, getPath, joinKey, kind, type KeyTree, type Report } from "./key-tree";
import { checkProgramConfig } from "./program-configs";
import { CHART_REFERENCE_DIR, chartKeys, chartTypes, hasChartKeys, podObjects, referenceVersions, type ChartKeys } from "./references";

/** One problem: the key path it is about ("" for the release as a whole) and what is wrong. */
export interface Finding {
    readonly path: string;
    readonly message: string;
}

export interface ReleaseCheck {
    readonly findings: Finding[];
    /** What could not be checked, e.g. a config text that is not YAML. */
    readonly notes: string[];
}

export interface CheckResult extends ReleaseCheck {
    readonly dir: string;
    /** `name (chart version)`, or the manifest when it lists no release. */
    readonly label: string;
}

export interface ReleaseEntry {
    readonly name: string;
    readonly chart: string;
    readonly version: string;
    readonly values: string;
}

/** A render folder that cannot be read at all: bad usage rather than a finding. */
export class RenderDirError extends Error {}

// Keys a user must set because the chart's default does not render or does not work.
const MANDATORY: Readonly<Record<string, readonly string[]>> = {
    "opentelemetry-collector": ["mode", "image.repository"],
    loki: ["loki.schemaConfig"],
};

// Charts whose templates copy probe maps with toYaml, with the extra keys the templates read and omit.
// (opentelemetry-collector builds its probes field by field: only the keys its schema lists work.)
const PROBE_PASSTHROUGH: Readonly<Record<string, readonly string[]>> = {
    alertmanager: [],
    grafana: [],
    loki: ["enabled"],
    "mimir-distributed": [],
    tempo: [],
    "tempo-distributed": [],
};
const PROBE_KEYS = new Set(["readinessProbe", "livenessProbe", "startupProbe"]);
// Every pinned chart copies these with toYaml. Which level "securityContext" is differs by chart.
const SECURITY_CONTEXT_OBJECTS: Readonly<Record<string, readonly string[]>> = {
    securityContext: ["SecurityContext", "PodSecurityContext"],
    podSecurityContext: ["PodSecurityContext"],
    containerSecurityContext: ["SecurityContext"],
};

function refKind(t: string): string {
    return t === "map" || t === "list" || t === "null" ? t : "scalar";
}

/** The Kubernetes object types a chart passes through at key k, or undefined. */
function passthroughObjects(chart: string, k: string): readonly string[] | undefined {
    if (PROBE_KEYS.has(k) && PROBE_PASSTHROUGH[chart]) return ["Probe"];
    return SECURITY_CONTEXT_OBJECTS[k];
}

function chartTypeAsTreeType(t: string): string {
    const first = t.split("|")[0];
    if (first === "map") return "block";
    if (first === "list") return "list of blocks";
    if (first === "null") return "any";
    return "string or int or float or boolean";
}

/** A key tree for a pass-through map: the Kubernetes fields, plus what the chart itself lists there. */
function passthroughTree(chart: string, objects: readonly string[], chartKeyTypes: KeyTree, at: string): KeyTree {
    const keys: Record<string, string> = {};
    for (const o of objects) Object.assign(keys, podObjects().objects[o]);
    for (const extra of objects.includes("Probe") ? PROBE_PASSTHROUGH[chart] : []) keys[extra] = "any";
    const pre = `${at}.`;
    for (const [p, t] of Object.entries(chartKeyTypes)) {
        if (p.startsWith(pre) && keys[p.slice(pre.length)] === undefined) keys[p.slice(pre.length)] = chartTypeAsTreeType(t);
    }
    return keys;
}

/** Keys the chart does not define, and maps given for scalars or lists (and the reverse). */
export function checkChartKeys(ref: ChartKeys, values: unknown, report: Report): void {
    const freeform = new Set(ref.freeformMaps);
    const keys = ref.keys;
    const checkPassthrough = (objects: readonly string[], value: unknown, at: string) => {
        const tree = passthroughTree(ref.chart, objects, keys, at);
        checkTree(tree, value, at, "", (p, msg) => report(p, `${msg} (a Kubernetes ${objects.join("/")})`));
    };
    const walkEntry = (k: string, v: unknown, at: string) => {
        const p = joinKey(at, k);
        const t = keys[p];
        const objects = passthroughObjects(ref.chart, k);
        if (objects && (t !== undefined || freeform.has(p)) && kind(v) === "map") return checkPassthrough(objects, v, p);
        if (freeform.has(p)) return;
        if (t === undefined) return report(p, `unknown key ${p}`);
        const expected = refKind(t.split("|")[0]);
        const got = kind(v);
        if (got === "null" || expected === "null") return;
        // A key whose default list mixes item types ("string|int") accepts any kind.
        if (!t.includes("|") && expected !== got) return report(p, `${p}: the chart expects a ${expected}, got a ${got}`);
        walk(v, p);
    };
    const walk = (value: unknown, at: string): void => {
        if (kind(value) === "map") {
            for (const [k, v] of Object.entries(value as object)) walkEntry(k, v, at);
        } else if (kind(value) === "list") {
            const p = `${at}[]`;
            if (freeform.has(p)) return;
            // Items of a list whose default is [] or scalars are free-form.
            const hasItemKeys = Object.keys(keys).some(k => k.startsWith(`${p}.`) || k.startsWith(`${p}[`));
            if (!hasItemKeys) return;
            for (const item of value as unknown[]) if (kind(item) === "map") walk(item, p);
        }
    };
    walk(values, "");
}

function checkMandatory(chart: string, values: unknown, report: Report): void {
    for (const k of MANDATORY[chart] ?? []) {
        const v = getPath(values, k);
        if (v === undefined || v === null || v === "") report(k, `${k} must be set: the chart's default does not work`);
    }
}

/** Everything about one release's values, given the values themselves. */
export function checkReleaseValues(release: { chart: string; version: string }, values: unknown): ReleaseCheck {
    const findings: Finding[] = [];
    const report: Report = (p, message) => findings.push({ path: p, message });
    if (!hasChartKeys(release.chart, release.version)) {
        const have = referenceVersions(CHART_REFERENCE_DIR, release.chart).join(", ") || "none";
        report("", `no reference for chart ${release.chart} version ${release.version}; versions with a reference: ${have}`);
        return { findings, notes: [] };
    }
    const ref = chartKeys(release.chart, release.version);
    checkChartKeys(ref, values, report);
    const types = chartTypes<ChartTypes>(release.chart, release.version);
    if (types) checkTypes(new TypeIndex(types), values, "", "", (p, msg) => report(p, `schema: ${msg}`));
    checkMandatory(release.chart, values, report);
    const notes = checkProgramConfig(release.chart, ref.appVersion, values, report);
    return { findings, notes };
}

function loadDoc(file: string): unknown {
    const text = fs.readFileSync(file, "utf8");
    return file.endsWith(".json") ? JSON.parse(text) : YAML.parse(text);
}

function checkEntry(helmDir: string, entry: Partial<ReleaseEntry>): ReleaseCheck {
    for (const f of ["name", "chart", "version", "values"] as const) {
        if (!entry[f]) return { findings: [{ path: "", message: `release entry lacks "${f}": ${JSON.stringify(entry)}` }], notes: [] };
    }
    const rel = entry as ReleaseEntry;
    const valuesFile = path.join(helmDir, rel.values);
    if (!fs.existsSync(valuesFile)) return { findings: [{ path: "", message: `values file missing: ${rel.values}` }], notes: [] };
    return checkReleaseValues(rel, loadDoc(valuesFile) ?? {});
}

/** Checks every release of one render folder; throws RenderDirError when it holds no helm/releases.json. */
export function checkRenderDir(dir: string): CheckResult[] {
    const helmDir = path.join(dir, "helm");
    const manifest = path.join(helmDir, "releases.json");
    if (!fs.existsSync(manifest)) throw new RenderDirError(`${manifest} not found: render the stack first`);
    const releases = loadDoc(manifest);
    if (!Array.isArray(releases) || releases.length === 0) {
        return [{ dir, label: "helm/releases.json", findings: [{ path: "", message: "releases.json lists no release" }], notes: [] }];
    }
    return releases.map((rel: Partial<ReleaseEntry>) => ({ dir, label: `${rel.name} (${rel.chart} ${rel.version})`, ...checkEntry(helmDir, rel) }));
}

export function checkRenderDirs(dirs: readonly string[]): CheckResult[] {
    return dirs.flatMap(checkRenderDir);
}
