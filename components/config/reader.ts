// Reading raw config values: every problem is collected (never thrown one by one), so one report lists them all.
import * as pulumi from "@pulumi/pulumi";
import { CONFIG_KEYS, ConfigKey, PROJECT, SECRET_URL_KEYS } from "./schema";

/** What a report shows instead of a secret's value. */
export const SECRET_MASK = "[secret]";

/**
 * Text a user string may not hold: the collector expands `${env:…}`/`${file:…}` in its config (`${env:KAFKA_PASSWORD}`
 * in a remote-write header would send the Kafka password away), and its chart runs the config through Helm's `tpl`.
 */
const EXPANSION_RE = /\$\{|\{\{/;
/**
 * Names that carry credentials (a header such as `Authorization`): such a header is refused in plain config, and a
 * report never shows the value at such a path.
 */
export const CREDENTIAL_NAME_RE = /authorization|token|secret|password|api[-_]?key|cookie/i;

/** Raw values as the Pulumi engine hands them over: strings, with arrays and objects as JSON. */
export interface RawConfig {
    /** Keys of the project namespace without the `observability-stack:` prefix (every kind but `secret`). */
    readonly values: Readonly<Record<string, string | undefined>>;
    /**
     * Secret-kind keys that are set, in plain text: read only to validate them (a problem shows `[secret]`, never the
     * value) and handed to the program as secret Outputs only (`ConfigReader.secret`).
     */
    readonly secrets: Readonly<Record<string, string | undefined>>;
    /** Secret-kind keys that were set in plain text (without `--secret`): each one is a problem. */
    readonly plaintextSecrets?: readonly string[];
    /**
     * Every other key, fully qualified (`aws:region`, `kubernetes:context`, a misspelled `observability-stak:…`), with
     * its value (`[secret]` when it is a secret or its name looks like one).
     */
    readonly otherKeys?: Readonly<Record<string, string>>;
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

/** Levenshtein distance between `a` and `b`, ignoring case. */
export function editDistance(a: string, b: string): number {
    a = a.toLowerCase();
    b = b.toLowerCase();
    const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) d[0][j] = j;
    for (let i = 1; i <= a.length; i++)
        for (let j = 1; j <= b.length; j++)
            d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    return d[a.length][b.length];
}

/** The candidate closest to `key` (edit distance at most 3), for "did you mean" hints. */
export function closest(key: string, candidates: readonly string[]): string | undefined {
    const scored = candidates.map(c => ({ c, d: editDistance(key, c) })).sort((x, y) => x.d - y.d);
    return scored.length && scored[0].d <= 3 ? scored[0].c : undefined;
}

/** Typed reads of one stack's raw config; a bad value is recorded as a problem and the fallback is used. */
export class ConfigReader {
    readonly problems: ConfigProblem[] = [];
    /** Qualified paths refused for an expansion (`${`, `{{`): every other problem on them, above or below, is left out. */
    private readonly expansionPaths: string[] = [];
    private readonly secretOutputs = new Map<string, pulumi.Output<string>>();

    constructor(readonly raw: RawConfig) {}

    get values(): RawConfig["values"] {
        return this.raw.values;
    }

    /** Records a problem; `key` is qualified with the project namespace unless it names another (`aws:region`). */
    add(key: string, value: unknown, message: string, allowed: string): void {
        const qualified = key.includes(":") ? key : `${PROJECT}:${key}`;
        // A value refused for an expansion gets that one problem, not also "not a CIDR block" and the like.
        const within = (a: string, b: string) => a === b || a.startsWith(`${b}.`) || a.startsWith(`${b}[`);
        if (this.expansionPaths.some(p => within(qualified, p) || within(p, qualified))) return;
        this.problems.push({ key: qualified, value, message, allowed });
    }

    /** True when a problem has been recorded for `key`. */
    hasProblem(key: ConfigKey): boolean {
        return this.problems.some(p => p.key === `${PROJECT}:${key}`);
    }

    text(key: ConfigKey): string | undefined {
        return this.raw.values[key];
    }

    /** A secret key's value as a secret Output (the same Output on every call), or undefined when unset. */
    secret(key: ConfigKey): pulumi.Output<string> | undefined {
        const text = this.raw.secrets[key];
        if (text === undefined) return undefined;
        let output = this.secretOutputs.get(key);
        if (output === undefined) this.secretOutputs.set(key, (output = pulumi.secret(text)));
        return output;
    }

    /** Every key set that Pulumi.yaml does not declare, with the closest declared key as a hint. */
    unknownKeys(): void {
        const known = Object.keys(CONFIG_KEYS);
        for (const key of [...Object.keys(this.raw.values), ...Object.keys(this.raw.secrets)]) {
            if (Object.hasOwn(CONFIG_KEYS, key)) continue;
            const hint = closest(key, known);
            this.add(key, this.raw.values[key], "unknown key" + (hint ? ` (did you mean '${hint}'?)` : ""), `one of the keys in Pulumi.yaml: ${known.join(", ")}`);
        }
    }

    /**
     * Every `${` or `{{` in a declared key's plain value, at its path (`remoteWriteTargets[0].headers.X-Scope-OrgID`),
     * in strings, list items, map keys and map values alike: one sweep over the raw config, so no key escapes it.
     */
    expansions(): void {
        const allowed = "text without ${ or {{ (no variable references or templates; credentials go in the secret keys)";
        const visit = (path: string, value: unknown): void => {
            if (typeof value === "string") {
                if (!EXPANSION_RE.test(value)) return;
                const shown = CREDENTIAL_NAME_RE.test(path) ? "[hidden]" : value;
                this.add(path, shown, "contains ${ or {{, which the collector would expand (${env:KAFKA_PASSWORD} is the Kafka password) or Helm's tpl evaluate", allowed);
                this.expansionPaths.push(`${PROJECT}:${path}`);
            } else if (Array.isArray(value)) value.forEach((v, i) => visit(`${path}[${i}]`, v));
            else if (value !== null && typeof value === "object") {
                for (const [k, v] of Object.entries(value)) {
                    if (EXPANSION_RE.test(k)) visit(`${path}.${k}`, k);
                    else visit(`${path}.${k}`, v);
                }
            }
        };
        for (const [key, text] of Object.entries(this.raw.values)) {
            if (text === undefined || !Object.hasOwn(CONFIG_KEYS, key)) continue;
            const kind = CONFIG_KEYS[key as ConfigKey];
            let value: unknown = text;
            if (kind === "array" || kind === "object") {
                try { value = JSON.parse(text); } catch { /* malformed: checked as text, reported by json() */ }
            }
            visit(key, value);
        }
    }

    /** Every secret key set in plain text: stored unencrypted in the stack file and shown by `pulumi config`. */
    plaintextSecrets(): void {
        for (const key of this.raw.plaintextSecrets ?? []) {
            this.add(key, SECRET_MASK, "set in plain text: the stack file holds it unencrypted and pulumi config shows it",
                `an encrypted value, set with: pulumi config set --secret ${key} <value>`);
        }
    }

    /** Every URL-valued secret parses as an https URL (checked on its plain text, reported as `[secret]`). */
    secretUrls(): void {
        for (const key of SECRET_URL_KEYS) {
            const text = this.raw.secrets[key];
            if (text === undefined) continue;
            const url = parseUrl(text.trim());
            const allowed = `an https URL, set with: pulumi config set --secret ${key} https://…`;
            if (!url || !url.hostname) this.add(key, SECRET_MASK, "not a URL", allowed);
            else if (url.protocol !== "https:") this.add(key, SECRET_MASK, "not https: the URL, a credential itself, would cross the network in plain text", allowed);
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
    /**
     * A list of distinct strings, each matching `item` (`what` names one in the report), `min` to `max` of them; every
     * bad entry is reported. Undefined when the key is unset or not a list (reported); the caller decides whether it
     * is required.
     */
    stringList(key: ConfigKey, item: RegExp, what: string, allowed: string, min: number, max: number): string[] | undefined {
        const raw = this.json(key, "array") as unknown[] | undefined;
        if (raw === undefined) return undefined;
        const out: string[] = [];
        let bad = false;
        for (const x of raw) {
            if (typeof x !== "string" || !item.test(x)) { this.add(key, x, `not ${what}`, allowed); bad = true; }
            else if (out.includes(x)) { this.add(key, x, "listed twice", "each entry once"); bad = true; }
            else out.push(x);
        }
        if (!bad && (out.length < min || out.length > max)) this.add(key, out, `${out.length} given`, `${min} to ${max} entries: ${allowed}`);
        return out;
    }

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
