// Where each backend chart keeps what the pack judges: the signal it stores, how long it keeps it, which buckets
// it uses, and whether each of its servers speaks TLS. One table, so a new chart is one entry.
import YAML from "yaml";
import { at, HELM_RELEASE, isObject, release, Values, walk } from "./common";

export type Signal = "logs" | "traces" | "metrics";
export const SIGNALS: readonly Signal[] = ["logs", "traces", "metrics"];
export type Server = "http" | "grpc" | "gossip";

/** A setting found in a release, by its path (`config:` prefixes paths inside a chart's YAML config string). */
export interface Setting {
    readonly path: string;
    readonly value: unknown;
}

export interface Backend {
    readonly release: string;
    readonly chart: string;
    /** The signal whose data the backend stores; undefined for Grafana and Alertmanager. */
    readonly signal?: Signal;
    /** Every setting that bounds how long the backend keeps data (all must hold). */
    readonly retention: readonly Setting[];
    /** Where the retention goes when none is set. */
    readonly retentionHint: string;
    /** The bucket that holds the signal's data (expires with retention); other bucket references hold state. */
    readonly dataBucket?: Setting;
    /** Every bucket the release references. */
    readonly buckets: readonly Setting[];
    /** Each server the backend runs: does it serve TLS? With where to set it. */
    readonly servers: Partial<Record<Server, { tls: boolean; hint: string }>>;
    /** Is state that must survive a restart (silences, users, annotations) on a persistent volume or database? */
    readonly persistentState?: { persistent: boolean; hint: string };
}

/** A dskit server TLS block (Loki, Tempo, Mimir) with a certificate and a key. */
const servesTls = (cfg: unknown): boolean => isObject(cfg) && Boolean(cfg.cert_file) && Boolean(cfg.key_file);

/** The monolithic tempo chart takes Tempo's configuration as a YAML string. */
function configString(values: Values): Values {
    if (typeof values.config !== "string") return {};
    try {
        const doc: unknown = YAML.parse(values.config);
        return isObject(doc) ? doc : {};
    } catch {
        return {};
    }
}

/** The HTTP and gRPC servers of a dskit server block (`<server>.http_tls_config`), and memberlist gossip when given. */
function dskitServers(doc: unknown, server: string, memberlist?: string, where = (path: string) => path): Backend["servers"] {
    const tls = (kind: "http" | "grpc") => ({ tls: servesTls(at(doc, `${server}.${kind}_tls_config`)), hint: `${where(`${server}.${kind}_tls_config`)} (cert_file, key_file)` });
    return {
        http: tls("http"),
        grpc: tls("grpc"),
        ...(memberlist ? { gossip: { tls: at(doc, `${memberlist}.tls_enabled`) === true, hint: `${where(`${memberlist}.tls_enabled`)}: true` } } : {}),
    };
}

const setting = (doc: unknown, path: string, prefix = ""): Setting => ({ path: prefix + path, value: at(doc, path) });
const present = (...settings: Setting[]) => settings.filter(s => s.value !== undefined && s.value !== null);

/** Every string value under a key naming a bucket, in the values and in a chart's YAML config string. */
function bucketRefs(values: Values, config: Values): Setting[] {
    const refs: Setting[] = [];
    for (const [doc, prefix] of [[values, ""], [config, "config: "]] as const) {
        for (const [path, , value] of walk(doc)) {
            if (typeof value === "string" && /bucket/i.test(path)) refs.push({ path: prefix + path, value });
        }
    }
    return refs;
}

type View = Omit<Backend, "release" | "chart" | "buckets">;

const CHARTS: Readonly<Record<string, (v: Values, config: Values) => View>> = {
    loki: v => ({
        signal: "logs",
        retention: present(setting(v, "loki.limits_config.retention_period")),
        retentionHint: "loki.limits_config.retention_period",
        dataBucket: setting(v, "loki.storage.bucketNames.chunks"),
        servers: dskitServers(v, "loki.server", "loki.structuredConfig.memberlist"),
    }),
    tempo: (v, config) => ({
        signal: "traces",
        retention: present(setting(config, "compactor.compaction.block_retention", "config: "), setting(v, "tempo.retention")),
        retentionHint: "compactor.compaction.block_retention in config",
        dataBucket: setting(config, "storage.trace.s3.bucket", "config: "),
        servers: dskitServers(config, "server", undefined, path => `${path} in config`),
    }),
    "tempo-distributed": v => ({
        signal: "traces",
        retention: present(setting(v, "compactor.config.compaction.block_retention")),
        retentionHint: "compactor.config.compaction.block_retention",
        dataBucket: setting(v, "storage.trace.s3.bucket"),
        servers: dskitServers(v, "tempo.structuredConfig.server", "tempo.structuredConfig.memberlist"),
    }),
    "mimir-distributed": v => ({
        signal: "metrics",
        retention: present(setting(v, "mimir.structuredConfig.limits.compactor_blocks_retention_period")),
        retentionHint: "mimir.structuredConfig.limits.compactor_blocks_retention_period",
        dataBucket: setting(v, "mimir.structuredConfig.blocks_storage.s3.bucket_name"),
        servers: dskitServers(v, "mimir.structuredConfig.server", "mimir.structuredConfig.memberlist"),
    }),
    grafana: v => {
        // The key is `grafana.ini` itself (a dot in the name), so it is read before the path below it.
        const ini = v["grafana.ini"];
        const server = at(ini, "server");
        const https = isObject(server) && ["https", "h2"].includes(String(server.protocol)) && Boolean(server.cert_file) && Boolean(server.cert_key);
        const database = String(at(ini, "database.type") ?? "sqlite3");
        return {
            retention: [],
            retentionHint: "",
            servers: { http: { tls: https, hint: "grafana.ini.server (protocol: https, cert_file, cert_key)" } },
            persistentState: {
                persistent: at(v, "persistence.enabled") === true || ["mysql", "postgres"].includes(database),
                hint: "persistence.enabled: true (or an external grafana.ini database)",
            },
        };
    },
    alertmanager: v => {
        const args = isObject(v.extraArgs) ? v.extraArgs : {};
        return {
            retention: [],
            retentionHint: "",
            servers: {
                http: { tls: Boolean(args["web.config.file"]), hint: "extraArgs web.config.file with tls_server_config" },
                gossip: { tls: Boolean(args["cluster.tls-config"]), hint: "extraArgs cluster.tls-config" },
            },
            persistentState: { persistent: at(v, "persistence.enabled") === true, hint: "persistence.enabled: true" },
        };
    },
};

/** The backend a resource deploys, or undefined when it is not a Helm release of a known backend chart. */
export function backendOf(type: string, props: Values): Backend | undefined {
    if (type !== HELM_RELEASE) return undefined;
    const r = release(props);
    const view = CHARTS[r.chart];
    if (!view) return undefined;
    const config = configString(r.values);
    return { release: r.name, chart: r.chart, buckets: bucketRefs(r.values, config), ...view(r.values, config) };
}
