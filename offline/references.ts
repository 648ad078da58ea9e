// The reference data the project carries: program config key trees (reference/configs), the pinned charts' key
// sets and schema-derived types (reference/charts), and Kubernetes pod object fields (reference/kubernetes).
import * as fs from "fs";
import * as path from "path";
import type { KeyReference } from "../components/render/connections/census";

const REFERENCE_ROOT = path.resolve(__dirname, "..", "reference");
export const REFERENCE_DIR = path.join(REFERENCE_ROOT, "configs");
export const CHART_REFERENCE_DIR = path.join(REFERENCE_ROOT, "charts");
export const POD_OBJECTS_FILE = path.join(REFERENCE_ROOT, "kubernetes", "pod-objects-1.34.keys.json");

/** A chart's default key set: path → YAML type (`map|list|string|int|float|bool|null`, mixed list items joined by `|`). */
export interface ChartKeys {
    readonly chart: string;
    readonly version: string;
    readonly appVersion: string;
    readonly source: string;
    /** Maps the chart passes through as is (default `{}` or documented as free-form): their keys are not checked. */
    readonly freeformMaps: readonly string[];
    readonly keys: Readonly<Record<string, string>>;
}

/** Field trees of Kubernetes objects (Probe, SecurityContext, PodSecurityContext) in the config key-tree format. */
export interface PodObjects {
    readonly source: string;
    readonly objects: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

const cache = new Map<string, unknown>();

function readJson<T>(file: string): T {
    if (!cache.has(file)) cache.set(file, JSON.parse(fs.readFileSync(file, "utf8")));
    return cache.get(file) as T;
}

/** The key reference of a program at a version; throws naming the missing file. */
export function keyReference(program: string, version: string): KeyReference {
    const file = path.join(REFERENCE_DIR, `${program}-${version}.keys.json`);
    if (!fs.existsSync(file)) throw new Error(`no key reference for ${program} ${version}: ${path.relative(process.cwd(), file)} is missing`);
    return readJson<KeyReference>(file);
}

/** The versions of `name` that have a `<name>-<version><suffix>` file in `dir`. */
export function referenceVersions(dir: string, name: string, suffix = ".keys.json"): string[] {
    return fs.readdirSync(dir)
        .filter(f => f.startsWith(`${name}-`) && f.endsWith(suffix) && /^\d/.test(f.slice(name.length + 1)))
        .map(f => f.slice(name.length + 1, -suffix.length));
}

export function hasKeyReference(program: string, version: string): boolean {
    return fs.existsSync(path.join(REFERENCE_DIR, `${program}-${version}.keys.json`));
}

export function hasChartKeys(chart: string, version: string): boolean {
    return fs.existsSync(path.join(CHART_REFERENCE_DIR, `${chart}-${version}.keys.json`));
}

/** The key set of a chart version; throws when the project carries none (see hasChartKeys). */
export function chartKeys(chart: string, version: string): ChartKeys {
    return readJson<ChartKeys>(path.join(CHART_REFERENCE_DIR, `${chart}-${version}.keys.json`));
}

/** The schema-derived types of a chart version, or undefined when the chart ships no values.schema.json. */
export function chartTypes<T>(chart: string, version: string): T | undefined {
    const file = path.join(CHART_REFERENCE_DIR, `${chart}-${version}.types.json`);
    return fs.existsSync(file) ? readJson<T>(file) : undefined;
}

export function podObjects(): PodObjects {
    return readJson<PodObjects>(POD_OBJECTS_FILE);
}
