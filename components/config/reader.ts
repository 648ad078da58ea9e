// Reading raw config values: every problem is collected (never thrown one by one), so one report lists them all.
import * as pulumi from "@pulumi/pulumi";
import { CONFIG_KEYS, ConfigKey, PROJECT } from "./schema";

/** Raw values as the Pulumi engine hands them over: strings, with arrays and objects as JSON. */
export interface RawConfig {
    /** Keys of the project namespace without the `observability-stack:` prefix. */
    readonly values: Readonly<Record<string, string | undefined>>;
    /** Secret keys that are set, as secret Outputs (never read in plain). */
    readonly secrets: Readonly<Record<string, pulumi.Output<string> | undefined>>;
    /** `aws:region`. */
    readonly awsRegion?: string;
}

/** One problem with one key. */
export interface ConfigProblem {
    readonly key: string;
    readonly value: unknown;
    readonly message: string;
    readonly allowed: string;
}

/**
 * Every problem of a stack's config, in one report. A `RunError`: the Pulumi CLI prints its message as one error,
 * without a stack trace.
 */
export class ConfigError extends pulumi.RunError {
    constructor(readonly stack: string, readonly problems: readonly ConfigProblem[]) {
        super(
            `Invalid configuration for stack '${stack}' (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
                problems.map(p => `  - ${formatProblem(p)}`).join("\n"),
        );
        this.name = "ConfigError";
    }
}

export function formatProblem(p: ConfigProblem): string {
    const value = p.value === undefined ? "(not set)" : JSON.stringify(p.value);
    return `${p.key} = ${value}: ${p.message}; allowed: ${p.allowed}`;
}

/** A decimal number: a number inside a structured value, or its text (`25`, `0.5`, `1e-3`). NaN for anything else. */
export function decimal(value: unknown): number {
    if (typeof value === "number") return value;
    return typeof value === "string" && /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(value.trim()) ? Number(value) : Number.NaN;
}

/** A URL, or undefined when the text is not one. */
export function parseUrl(text: string): URL | undefined {
    try {
        return new URL(text);
    } catch {
        return undefined;
    }
}

/** The candidate closest to `key` (edit distance at most 3), for "did you mean" hints. */
export function closest(key: string, candidates: readonly string[]): string | undefined {
    const distance = (a: string, b: string): number => {
        const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
        for (let j = 1; j <= b.length; j++) d[0][j] = j;
        for (let i = 1; i <= a.length; i++)
            for (let j = 1; j <= b.length; j++)
                d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        return d[a.length][b.length];
    };
    const scored = candidates.map(c => ({ c, d: distance(key.toLowerCase(), c.toLowerCase()) })).sort((x, y) => x.d - y.d);
    return scored.length && scored[0].d <= 3 ? scored[0].c : undefined;
}

/** Typed reads of one stack's raw config; a bad value is recorded as a problem and the fallback is used. */
export class ConfigReader {
    readonly problems: ConfigProblem[] = [];

    constructor(readonly raw: RawConfig) {}

    get values(): RawConfig["values"] {
        return this.raw.values;
    }

    /** Records a problem; `key` is qualified with the project namespace unless it names another (`aws:region`). */
    add(key: string, value: unknown, message: string, allowed: string): void {
        this.problems.push({ key: key.includes(":") ? key : `${PROJECT}:${key}`, value, message, allowed });
    }

    /** True when a problem has been recorded for `key`. */
    hasProblem(key: ConfigKey): boolean {
        return this.problems.some(p => p.key === `${PROJECT}:${key}`);
    }

    text(key: ConfigKey): string | undefined {
        return this.raw.values[key];
    }

    secret(key: ConfigKey): pulumi.Output<string> | undefined {
        return this.raw.secrets[key];
    }

    /** Every key set that Pulumi.yaml does not declare, with the closest declared key as a hint. */
    unknownKeys(): void {
        const known = Object.keys(CONFIG_KEYS);
        for (const key of Object.keys(this.raw.values)) {
            if (key in CONFIG_KEYS) continue;
            const hint = closest(key, known);
            this.add(key, this.raw.values[key], "unknown key" + (hint ? ` (did you mean '${hint}'?)` : ""), `one of the keys in Pulumi.yaml: ${known.join(", ")}`);
        }
    }

    oneOf<T extends string>(key: ConfigKey, allowed: readonly T[], fallback: T): T;
    oneOf<T extends string>(key: ConfigKey, allowed: readonly T[], fallback: T | undefined): T | undefined;
    oneOf<T extends string>(key: ConfigKey, allowed: readonly T[], fallback: T | undefined): T | undefined {
        const value = this.raw.values[key];
        if (value === undefined) return fallback;
        if ((allowed as readonly string[]).includes(value)) return value as T;
        this.add(key, value, "not a supported value", allowed.join(" | "));
        return fallback;
    }

    /** A whole number from `min` to `max`, written as a number or its text (`25`, `"25"`, `1e3`). */
    integer(key: ConfigKey, fallback: number, min: number, max: number, unit: string): number {
        const value = this.raw.values[key];
        if (value === undefined) return fallback;
        const n = decimal(value);
        const allowed = `an integer from ${min} to ${max} (${unit})`;
        if (!Number.isInteger(n)) {
            this.add(key, value, Number.isNaN(n) ? "not a number" : "not a whole number", allowed);
            return fallback;
        }
        if (n < min || n > max) this.add(key, n, "out of range", allowed);
        return n;
    }

    /** A decimal number (`0.05`, `"0.05"`, `5e-2`), or NaN with a problem recorded; `fallback` when unset. */
    number(key: ConfigKey, fallback: number, allowed: string): number;
    number(key: ConfigKey, fallback: number | undefined, allowed: string): number | undefined;
    number(key: ConfigKey, fallback: number | undefined, allowed: string): number | undefined {
        const value = this.raw.values[key];
        if (value === undefined) return fallback;
        const n = decimal(value);
        if (Number.isNaN(n)) this.add(key, value, "not a number", allowed);
        return n;
    }

    bool(key: ConfigKey, fallback: boolean): boolean {
        const value = this.raw.values[key];
        if (value === undefined) return fallback;
        if (value === "true" || value === "false") return value === "true";
        this.add(key, value, "not a boolean", "true | false");
        return fallback;
    }

    /** A list or map (JSON, as the engine hands structured values over); undefined when unset or malformed. */
    json(key: ConfigKey, expect: "array" | "object"): unknown {
        const value = this.raw.values[key];
        if (value === undefined) return undefined;
        try {
            const parsed: unknown = JSON.parse(value);
            const ok = expect === "array" ? Array.isArray(parsed) : typeof parsed === "object" && parsed !== null && !Array.isArray(parsed);
            if (ok) return parsed;
        } catch {
            /* reported below */
        }
        this.add(key, value, `not a YAML/JSON ${expect === "array" ? "list" : "map"}`, expect === "array" ? "a list of strings" : "a map of strings to strings");
        return undefined;
    }
}
