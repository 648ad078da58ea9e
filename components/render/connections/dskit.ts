// Which TLS-capable client blocks of Mimir, Loki and Tempo run in a release, and what each dials. The blocks are not
// listed by hand: every block that has `tls_enabled` in the program's key reference (reference/configs) must match a
// rule here, so a block that a new version or a newly enabled component brings in is reported until it is classified.
import type { Values } from "../backends/common";

/** What a running client block dials: a server of a release (`<release>:<port>`), or an outside service. */
export type Target = { server: string } | { external: string };
/** A rule's verdict on one block: it runs and dials `target`, or it does not run (and why). */
export type Activity = { target: Target } | { idle: string };

/** What the rules read: the program config as the release renders it, its chart values, and its mode. */
export interface BlockContext {
    readonly release: string;
    readonly config: Values;
    readonly values: Values;
    /** Several pods of different components (Loki Distributed, tempo-distributed, Mimir always). */
    readonly distributed: boolean;
}

type Rule = readonly [RegExp, (ctx: BlockContext, block: string) => Activity];

export function get(value: unknown, dotted: string): unknown {
    let v = value;
    for (const k of dotted.split(".")) v = typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Values)[k] : undefined;
    return v;
}

const grpc = (ctx: BlockContext): Activity => ({ target: { server: `${ctx.release}:grpc` } });
const gossip = (ctx: BlockContext): Activity => ({ target: { server: `${ctx.release}:gossip` } });
const cache = (ctx: BlockContext): Activity => ({ target: { server: `${ctx.release}:memcached` } });
/** A block that runs only when set: then it dials `active`. */
const whenSet = (active: (ctx: BlockContext) => Activity, idle: string) => (ctx: BlockContext, block: string): Activity =>
    get(ctx.config, block) !== undefined ? active(ctx) : { idle };
/** etcd clients of rings and trackers: idle unless that kvstore is set to etcd (the rings use memberlist). */
const etcd: Rule = [/\.kvstore\.etcd$/, (ctx, block) => get(ctx.config, block.replace(/\.etcd$/, ".store")) === "etcd"
    ? { target: { external: "etcd" } } : { idle: "the ring's kvstore is memberlist" }];
const redis: Rule = [/\.redis$/, whenSet(() => ({ target: { external: "redis" } }), "no redis cache is configured")];

/** A cache section of the chart values is on (`enabled: true`). */
const cacheOn = (section: string) => (ctx: BlockContext): Activity =>
    get(ctx.values, `${section}.enabled`) === true ? cache(ctx) : { idle: `the chart's ${section} is off` };

const MIMIR: readonly Rule[] = [
    [/^(ingester_client\.grpc_client_config|frontend_worker\.(grpc_client_config|query_scheduler_grpc_client_config)|frontend\.grpc_client_config|query_scheduler\.grpc_client_config|querier\.store_gateway_client|ruler\.ruler_client)$/, grpc],
    [/^ruler\.query_frontend\.grpc_client_config$/, ctx => get(ctx.config, "ruler.query_frontend.address") ? grpc(ctx) : { idle: "the ruler evaluates rules itself (no ruler.query_frontend.address)" }],
    [/^ruler\.alertmanager_client$/, ctx => get(ctx.config, "ruler.alertmanager_url") ? { target: { server: "alertmanager:http" } } : { idle: "no ruler.alertmanager_url" }],
    [/^memberlist$/, gossip],
    [/^blocks_storage\.bucket_store\.chunks_cache\.memcached$/, cacheOn("chunks-cache")],
    [/^blocks_storage\.bucket_store\.index_cache\.memcached$/, cacheOn("index-cache")],
    [/^(blocks_storage\.bucket_store\.metadata_cache|ruler_storage\.cache)\.memcached$/, cacheOn("metadata-cache")],
    [/^frontend\.results_cache\.memcached$/, cacheOn("results-cache")],
    [/^ingest_storage\.kafka$/, ctx => get(ctx.config, "ingest_storage.enabled") === true ? { target: { external: "kafka" } } : { idle: "ingest storage is off" }],
    [/^alertmanager\.alertmanager_client$/, ctx => get(ctx.values, "alertmanager.enabled") === true ? grpc(ctx) : { idle: "Mimir's own Alertmanager is off (the standalone release receives alerts)" }],
    [/^block_builder\./, () => ({ idle: "no block-builder in the classic architecture" })],
    [/^distributor\.usage_tracker_client(\.grpc)?$/, ctx => get(ctx.config, "distributor.usage_tracker_enabled") === true ? grpc(ctx) : { idle: "the usage-tracker is off" }],
    [/^limits\.ruler_alertmanager_client_config$/, whenSet(() => ({ target: { server: "alertmanager:http" } }), "no per-tenant Alertmanager client")],
    etcd,
];

/** Loki's query-range caches that copy `query_range.results_cache` when they are not set themselves. */
const LOKI_COPIED_CACHES = /^query_range\.(index_stats|instant_metric|label|series|volume)_results_cache\.cache\.memcached_client$/;

const LOKI: readonly Rule[] = [
    [/^(ingester_client\.grpc_client_config|frontend\.grpc_client_config|frontend_worker\.(query_frontend_grpc_client|query_scheduler_grpc_client)|query_scheduler\.grpc_client_config|compactor_grpc_client|ruler\.ruler_client)$/, grpc],
    [/^frontend_worker\.grpc_client_config$/, whenSet(grpc, "the querier uses frontend_worker.query_frontend_grpc_client and query_scheduler_grpc_client")],
    [/^storage_config\.tsdb_shipper\.index_gateway_client\.grpc_client_config$/, ctx => ctx.distributed ? grpc(ctx) : { idle: "Monolithic: the index is read in-process" }],
    [/^storage_config\.(boltdb_shipper\.index_gateway_client\.grpc_client_config|bigtable\.grpc_client_config)$/, () => ({ idle: "the schema stores its index with tsdb in S3" })],
    [/^memberlist$/, gossip],
    [/^chunk_store_config\.chunk_cache_config\.memcached_client$/, cacheOn("chunksCache")],
    [/^query_range\.results_cache\.cache\.memcached_client$/, cacheOn("resultsCache")],
    [LOKI_COPIED_CACHES, whenSet(cacheOn("resultsCache"), "copies query_range.results_cache (checked there)")],
    [/^(chunk_store_config\.(chunk_cache_config_l2|write_dedupe_cache_config)|storage_config\.(index_queries_cache_config|bloom_shipper\.metas_cache)|query_engine\.results_cache\.cache)\.memcached_client$/,
        whenSet(() => ({ target: { external: "memcached" } }), "this cache is not configured")],
    [/^compactor_client$/, ctx => get(ctx.config, "common.compactor_address") ? { target: { server: `${ctx.release}:http` } } : { idle: "the compactor is reached over gRPC (compactor_grpc_client)" }],
    [/^ruler\.evaluation\.query_frontend$/, ctx => get(ctx.config, "ruler.evaluation.mode") === "remote" ? grpc(ctx) : { idle: "the ruler evaluates rules locally" }],
    [/^pattern_ingester\./, ctx => get(ctx.config, "pattern_ingester.enabled") === true ? grpc(ctx) : { idle: "the pattern ingester is off" }],
    [/^bloom_(gateway|build)\./, ctx => get(ctx.config, "bloom_gateway.enabled") === true || get(ctx.config, "bloom_build.enabled") === true ? grpc(ctx) : { idle: "blooms are off" }],
    [/^ingest_limits(_frontend)?(_client)?\./, () => ({ idle: "ingest limits are off (experimental)" })],
    etcd,
    redis,
];

const TEMPO: readonly Rule[] = [
    [/^(ingester_client|metrics_generator_client|querier\.frontend_worker)\.grpc_client_config$/, grpc],
    [/^memberlist$/, gossip],
    [/^cache\.caches\[\]\.memcached$/, (ctx, block) => (get(ctx.config, "cache.caches") as Values[] | undefined)?.some(c => c.memcached) ? cache(ctx) : { idle: `no ${block}` }],
    [/^storage\.trace\.memcached$/, whenSet(cache, "no legacy trace cache")],
    [/^(live_store_client|backend_scheduler_client)\.grpc_client_config$/, () => ({ idle: "Tempo 3 components (live-store, backend scheduler) are off" })],
    etcd,
    redis,
];

export const BLOCK_RULES: Readonly<Record<string, readonly Rule[]>> = { mimir: MIMIR, loki: LOKI, tempo: TEMPO };

/** The TLS-capable client blocks of a program: every path whose `tls_enabled` the key reference lists. */
export function tlsCapableBlocks(keys: Readonly<Record<string, string>>): string[] {
    return Object.keys(keys).filter(k => k.endsWith(".tls_enabled")).map(k => k.slice(0, -".tls_enabled".length)).sort();
}

/** The activity of one block, or undefined when no rule classifies it. */
export function classify(program: string, ctx: BlockContext, block: string): Activity | undefined {
    const rule = BLOCK_RULES[program].find(([re]) => re.test(block));
    return rule?.[1](ctx, block);
}
