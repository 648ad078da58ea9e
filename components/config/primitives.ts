// The stack's shared vocabulary: environments, cluster kinds, architectures, signals and retention. The config
// schema and the renderers both use these; this module imports nothing, so neither depends on the other through it.

export const PROJECT = "observability-stack";

export const ENVIRONMENTS = ["dev", "prod"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];
export const CLUSTER_KINDS = ["ec2-k3s", "existing"] as const;
export type ClusterKind = (typeof CLUSTER_KINDS)[number];
export const ARCHITECTURES = ["arm64", "x86_64"] as const;
export type Architecture = (typeof ARCHITECTURES)[number];
export const SIGNALS = ["metrics", "logs", "traces"] as const;
export type Signal = (typeof SIGNALS)[number];

/** A retention period, always a whole number of days (Loki's index period is 24h). */
export interface Retention {
    /** As written in config, e.g. `15d`. */
    readonly text: string;
    readonly days: number;
    /** For Go `time.Duration` settings (Tempo `block_retention`), e.g. `360h`. */
    readonly hours: string;
}
