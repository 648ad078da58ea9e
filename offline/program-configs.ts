// The Mimir, Loki and Tempo config that chart values produce, checked against the programs' key trees
// (reference/configs). The programs parse their config strictly: an unknown key stops them at startup.
import * as YAML from "yaml";
import { checkTree, checkTreeKey, getPath, kind, type Report } from "./key-tree";
import { hasKeyReference, keyReference, referenceVersions, REFERENCE_DIR } from "./references";

/**
 * When the chart renders a part. `when`: a values path that must be truthy (`fallback` when unset; with `equals`, it
 * must hold that value). `unless`: a values path that must be unset. `rename`: the chart's camelCase keys → the
 * config keys its helper writes.
 */
interface PartOptions {
    readonly when?: string;
    readonly fallback?: unknown;
    readonly equals?: unknown;
    readonly unless?: string;
    readonly rename?: Readonly<Record<string, string>>;
}

/** Where a chart copies values into the program config: values path → config path ("" for the whole config). */
type Part = readonly [from: string, to: string, options?: PartOptions];

interface ProgramConfig {
    readonly program: string;
    readonly parts: readonly Part[];
}

const LOKI_SECTIONS = ["server", "pattern_ingester", "ingester", "ingester_client", "block_builder", "limits_config",
    "query_range", "storage_config", "query_scheduler", "compactor", "compactor_grpc_client", "analytics", "querier",
    "index_gateway", "frontend", "frontend_worker", "distributor", "bloom_build", "bloom_gateway", "operational_config"];

// loki.commonStorageConfig / loki.lokiStorageConfig.<type>: the chart copies the rest of the map as is.
const lokiStorage = (type: string, rename: Record<string, string>): Part =>
    [`loki.storage.${type}`, `common.storage.${type}`, { when: "loki.storage.type", fallback: "s3", equals: type, rename }];

// A user-supplied `config` replaces the chart's template, and with it the tempo.* sections.
const tempoSection = (from: string, to: string, options: PartOptions = {}): Part => [`tempo.${from}`, to, { unless: "config", ...options }];

export const PROGRAM_CONFIGS: Readonly<Record<string, ProgramConfig>> = {
    "mimir-distributed": {
        program: "mimir",
        parts: [["mimir.config", ""], ["mimir.structuredConfig", ""]],
    },
    loki: {
        program: "loki",
        parts: [
            ["loki.config", ""],
            ...LOKI_SECTIONS.map((s): Part => [`loki.${s}`, s]),
            ["loki.memberlistConfig", "memberlist"],
            ["loki.extraMemberlistConfig", "memberlist"],
            ["loki.commonConfig", "common"],
            ["loki.schemaConfig", "schema_config"],
            ["loki.testSchemaConfig", "schema_config", { when: "loki.useTestSchema" }],
            ["loki.rulerConfig", "ruler", { when: "ruler.enabled", fallback: true }],
            lokiStorage("s3", { s3ForcePathStyle: "s3forcepathstyle", secretAccessKey: "secret_access_key", accessKeyId: "access_key_id", signatureVersion: "signature_version" }),
            lokiStorage("gcs", { chunkBufferSize: "chunk_buffer_size", requestTimeout: "request_timeout", enableHttp2: "enable_http2" }),
            lokiStorage("azure", { accountName: "account_name", useManagedIdentity: "use_managed_identity", useFederatedToken: "use_federated_token",
                accountKey: "account_key", connectionString: "connection_string", userAssignedId: "user_assigned_id", requestTimeout: "request_timeout",
                endpointSuffix: "endpoint_suffix", chunkDelimiter: "chunk_delimiter" }),
            ["loki.structuredConfig", ""],
        ],
    },
    tempo: {
        program: "tempo",
        parts: [
            ["config", ""],
            tempoSection("receivers", "distributor.receivers"),
            tempoSection("ingester", "ingester"),
            tempoSection("server", "server"),
            tempoSection("storage", "storage"),
            tempoSection("querier", "querier"),
            tempoSection("queryFrontend", "query_frontend"),
            tempoSection("overrides", "overrides"),
            ...["processor", "registry", "storage.remote_write"].map(s => tempoSection(`metricsGenerator.${s}`, `metrics_generator.${s}`, { when: "tempo.metricsGenerator.enabled" })),
        ],
    },
    "tempo-distributed": {
        program: "tempo",
        parts: [
            ["config", ""],
            ["memberlist", "memberlist"],
            ["overrides", "overrides"],
            ...["processor", "storage", "traces_storage", "registry"].map((s): Part => [`metricsGenerator.config.${s}`, `metrics_generator.${s}`, { when: "metricsGenerator.enabled" }]),
            ...["s3", "gcs", "azure"].map((b): Part => [`storage.trace.${b}`, `storage.trace.${b}`, { when: "storage.trace.backend", equals: b }]),
            ["storage.trace.search", "storage.trace.search"],
            ["storage.trace.block.dedicated_columns", "storage.trace.block.parquet_dedicated_columns"],
            ["liveStore.config", "live_store", { when: "liveStore.enabled" }],
            ["backendWorker.config.backend_scheduler_client.grpc_client_config", "backend_scheduler_client.grpc_client_config", { when: "backendScheduler.enabled" }],
            ["backendWorker.config.compaction", "backend_worker.compaction", { when: "backendScheduler.enabled" }],
            ["querier.config.frontend_worker.grpc_client_config", "querier.frontend_worker.grpc_client_config"],
            ["cache", "cache", { when: "memcached.enabled", fallback: true, equals: false }],
            ["tempo.structuredConfig", ""],
        ],
    },
};

/**
 * A config text from the values, as Helm tpl's it: template actions alone on a line are dropped, others become a
 * placeholder string. Undefined when it still is not YAML.
 */
export function parseConfigText(text: string): unknown {
    const plain = text.split("\n").filter(l => !/^\s*\{\{.*\}\}\s*$/.test(l))
        .map(l => l.replace(/\{\{.*?\}\}/g, "TEMPLATED")).join("\n");
    try {
        return YAML.parse(plain);
    } catch {
        return undefined;
    }
}

function partApplies(values: unknown, options: PartOptions): boolean {
    if (options.unless && getPath(values, options.unless) !== undefined) return false;
    if (!options.when) return true;
    const v = getPath(values, options.when) ?? options.fallback;
    return options.equals !== undefined ? v === options.equals : Boolean(v);
}

function renameKeys(value: unknown, rename: Readonly<Record<string, string>> | undefined): unknown {
    if (!rename || kind(value) !== "map") return value;
    return Object.fromEntries(Object.entries(value as object).map(([k, v]) => [rename[k] ?? k, v]));
}

export interface ConfigPart {
    readonly from: string;
    readonly to: string;
    readonly value: unknown;
}

/** The parts of the values the chart copies into the program config, and notes on parts that cannot be read. */
export function configParts(spec: ProgramConfig, values: unknown): { parts: ConfigPart[]; notes: string[] } {
    const parts: ConfigPart[] = [];
    const notes: string[] = [];
    for (const [from, to, options = {}] of spec.parts) {
        let value = getPath(values, from);
        if (value === undefined || value === null || !partApplies(values, options)) continue;
        if (typeof value === "string") {
            value = parseConfigText(value);
            if (kind(value) !== "map") {
                notes.push(`${from} is not YAML once its template actions are set aside: its keys are not checked`);
                continue;
            }
        }
        parts.push({ from, to, value: renameKeys(value, options.rename) });
    }
    return { parts, notes };
}

/** Checks the program config a chart's values produce; `appVersion` (from the chart's keys file) picks the key tree. */
export function checkProgramConfig(chart: string, appVersion: string, values: unknown, report: Report): string[] {
    const spec = PROGRAM_CONFIGS[chart];
    if (!spec) return [];
    if (!hasKeyReference(spec.program, appVersion)) {
        const have = referenceVersions(REFERENCE_DIR, spec.program).join(", ") || "none";
        report("", `no config reference for ${spec.program} ${appVersion} (the chart's appVersion) in reference/configs; versions with one: ${have}`);
        return [];
    }
    const keys = keyReference(spec.program, appVersion).keys;
    const { parts, notes } = configParts(spec, values);
    for (const { from, to, value } of parts) {
        const tagged: Report = (p, msg) => report(p, `${spec.program} ${appVersion} config: ${msg} (from ${from})`);
        if (to === "") checkTree(keys, value, "", "", tagged);
        else checkTreeKey(keys, to.split(".").pop()!, value, to, to.split(".").slice(0, -1).join("."), tagged);
    }
    return notes;
}
