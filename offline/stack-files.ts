// Reads Pulumi.yaml and Pulumi.<stack>.yaml the way the Pulumi CLI hands config to a program: flat
// `namespace:key` strings, with lists and maps as JSON. Encrypted (`secure:`) values cannot be decrypted
// offline: they become placeholders that stay secret all the way through the program.
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";

export interface StackFiles {
    readonly project: string;
    readonly stack: string;
    /** Engine-style config: `project:key` → string. */
    readonly config: Record<string, string>;
    /** Keys whose values are secret. */
    readonly secretKeys: string[];
    /** The placeholder values given to secret keys (the render proves none of them is written). */
    readonly secretPlaceholders: string[];
}

type Declared = { type?: string; items?: { type?: string }; default?: unknown; value?: unknown; secret?: boolean };

export class StackFileError extends Error {}

function toEngineString(value: unknown): string {
    return typeof value === "string" ? value : JSON.stringify(value);
}

function typeOk(value: unknown, decl: Declared): boolean {
    switch (decl.type) {
        case undefined: return true;
        case "string": return typeof value === "string";
        case "integer": return typeof value === "number" && Number.isInteger(value);
        case "boolean": return typeof value === "boolean";
        case "array": return Array.isArray(value) && value.every(v => typeOk(v, decl.items ?? {}));
        default: return true;
    }
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

    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    const secretPlaceholders: string[] = [];
    const problems: string[] = [];
    for (const [key, decl] of Object.entries(declared)) {
        const value = decl.value ?? decl.default;
        if (value !== undefined) config[key] = toEngineString(value);
    }
    for (const [rawKey, value] of Object.entries(stackDoc.config ?? {})) {
        const key = qualify(rawKey);
        if (value !== null && typeof value === "object" && !Array.isArray(value) && "secure" in value) {
            const placeholder = `offline-secret-placeholder-${key.replace(/[^A-Za-z0-9]/g, "-")}`;
            config[key] = placeholder;
            secretKeys.push(key);
            secretPlaceholders.push(placeholder);
            continue;
        }
        const decl = declared[key];
        if (decl !== undefined && !typeOk(value, decl)) {
            problems.push(`${key} = ${JSON.stringify(value)}: Pulumi.yaml declares type ${decl.type}${decl.items?.type ? ` of ${decl.items.type}` : ""}`);
        }
        config[key] = toEngineString(value);
    }
    if (problems.length) throw new StackFileError(`Stack file ${path.basename(stackFile)} does not match Pulumi.yaml:\n  - ${problems.join("\n  - ")}`);
    return { project, stack, config, secretKeys, secretPlaceholders };
}

export function listStacks(projectDir: string): string[] {
    return fs.readdirSync(projectDir).map(f => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1]).filter((s): s is string => s !== undefined).sort();
}
