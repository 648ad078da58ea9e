// Reads Pulumi.yaml and Pulumi.<stack>.yaml the way the Pulumi CLI hands config to a program: flat
// `namespace:key` strings, with lists and maps as JSON. Encrypted (`secure:`) values cannot be decrypted
// offline: they become placeholders that stay secret all the way through the program.
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import type { ConfigProblem } from "../components/config";

export interface StackFiles {
    readonly project: string;
    readonly stack: string;
    /** Engine-style config: `project:key` → string. */
    readonly config: Record<string, string>;
    /** Keys whose values are secret. */
    readonly secretKeys: string[];
    /** The placeholder values given to secret keys (the render proves none of them is written). */
    readonly secretPlaceholders: string[];
    /** Values the Pulumi CLI would refuse for their declared type; the run reports them with the program's own problems. */
    readonly typeProblems?: ConfigProblem[];
}

type Declared = { type?: string; items?: { type?: string }; default?: unknown; value?: unknown; secret?: boolean };

/** The types a Pulumi.yaml `config:` declaration may name (the CLI's project schema: `simpleConfigType`). */
export const PROJECT_CONFIG_TYPES = ["string", "integer", "boolean", "array", "object"] as const;

export class StackFileError extends Error {}

/** A scalar as the CLI hands it to the program: its text (YAML `25` → "25", `0.5` → "0.5"); lists and maps as JSON. */
function toEngineString(value: unknown): string {
    return typeof value === "string" ? value : JSON.stringify(value);
}

/**
 * Whether the Pulumi CLI accepts `value` for a key declared with `decl` (its ValidateConfigValue): every scalar is
 * already text, so `string` takes any scalar, `integer` takes text that parses as a whole number (`25`, `"25"`),
 * `boolean` takes `true`/`false` (quoted or not); list items are checked as decoded JSON, so a number is no string there.
 */
function typeOk(value: unknown, decl: Declared, inList = false): boolean {
    const scalar = value === null || typeof value !== "object";
    switch (decl.type) {
        case undefined: return true;
        case "string": return inList ? typeof value === "string" : scalar;
        case "integer": return inList ? Number.isInteger(value) : scalar && /^[+-]?\d+$/.test(toEngineString(value));
        case "boolean": return inList ? typeof value === "boolean" : scalar && ["true", "false"].includes(toEngineString(value));
        case "array": return Array.isArray(value) && value.every(v => typeOk(v, decl.items ?? {}, true));
        case "object": return value !== null && typeof value === "object" && !Array.isArray(value);
        default: return false;
    }
}

/** Problems with Pulumi.yaml's own declarations, which make the CLI refuse to load the project. */
function declarationProblems(declared: Record<string, Declared>): string[] {
    const problems: string[] = [];
    for (const [key, decl] of Object.entries(declared)) {
        if (decl.type !== undefined && !(PROJECT_CONFIG_TYPES as readonly string[]).includes(decl.type)) {
            problems.push(`${key}: type ${decl.type} is not a project config type (${PROJECT_CONFIG_TYPES.join(", ")})`);
        }
        if (decl.type === "array" && decl.items?.type === undefined) problems.push(`${key}: type array needs items.type`);
    }
    return problems;
}

/** Loads the project and one stack's config from `projectDir`. */
export function readStackFiles(projectDir: string, stack: string): StackFiles {
    const projectFile = path.join(projectDir, "Pulumi.yaml");
    const stackFile = path.join(projectDir, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(stackFile)) throw new StackFileError(`no stack file ${stackFile} (stacks: ${listStacks(projectDir).join(", ") || "none"})`);
    const projectDoc = YAML.parse(fs.readFileSync(projectFile, "utf8")) as { name: string; config?: Record<string, Declared> };
    const stackDoc = (YAML.parse(fs.readFileSync(stackFile, "utf8")) ?? {}) as { config?: Record<string, unknown> };
    const project = projectDoc.name;
    const qualify = (key: string) => (key.includes(":") ? key : `${project}:${key}`);

    const declared: Record<string, Declared> = {};
    for (const [key, decl] of Object.entries(projectDoc.config ?? {})) declared[qualify(key)] = decl;
    const invalid = declarationProblems(declared);
    if (invalid.length) throw new StackFileError(`Pulumi.yaml declares config the Pulumi CLI refuses:\n  - ${invalid.join("\n  - ")}`);

    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    const secretPlaceholders: string[] = [];
    const typeProblems: ConfigProblem[] = [];
    for (const [key, decl] of Object.entries(declared)) {
        const value = decl.value ?? decl.default;
        if (value !== undefined) config[key] = toEngineString(value);
    }
    for (const [rawKey, value] of Object.entries(stackDoc.config ?? {})) {
        const key = qualify(rawKey);
        if (value !== null && typeof value === "object" && !Array.isArray(value) && "secure" in value) {
            // An https URL: URL-valued secrets (webhooks) are validated as such, and a placeholder must pass.
            const placeholder = `https://offline-secret-placeholder.invalid/${key.replace(/[^A-Za-z0-9]/g, "-")}`;
            config[key] = placeholder;
            secretKeys.push(key);
            secretPlaceholders.push(placeholder);
            continue;
        }
        const decl = declared[key];
        if (decl !== undefined && !typeOk(value, decl)) {
            const type = `${decl.type}${decl.items?.type ? ` of ${decl.items.type}` : ""}`;
            typeProblems.push({ key, value: decl.secret ? "[secret]" : value, message: `Pulumi.yaml declares type ${type}, so the Pulumi CLI refuses it`, allowed: `a value of type ${type}` });
        }
        config[key] = toEngineString(value);
    }
    return { project, stack, config, secretKeys, secretPlaceholders, typeProblems };
}

export function listStacks(projectDir: string): string[] {
    return fs.readdirSync(projectDir).map(f => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1]).filter((s): s is string => s !== undefined).sort();
}
