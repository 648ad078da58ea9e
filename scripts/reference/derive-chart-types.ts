// Derives reference/charts/<chart>-<version>.types.json from a chart's values.schema.json that you fetched yourself
// (the schema file is never committed):
//   npx tsx scripts/reference/derive-chart-types.ts <values.schema.json> --chart <name> --version <x.y.z> \
//       --source "<owner/repo> <path/to/values.schema.json> @ <commit>"
// Keeps only what the chart values checker needs: each key path's JSON types, enums, closed objects
// (additionalProperties: false), patterns, minimums and one-of key sets. Drops descriptions, defaults, titles and examples.
import * as fs from "fs";
import * as path from "path";
import { parseFlags, UsageError } from "../args";
import { CHART_REFERENCE_DIR } from "../../offline/references";
import { mergeNodes, splitLast, type TypeNode } from "../../offline/chart-schema";
import { joinKey } from "../../offline/key-tree";

const USAGE = "usage: derive-chart-types <values.schema.json> --chart <name> --version <x.y.z> --source \"<owner/repo> <path> @ <commit>\"";

type Schema = { [keyword: string]: unknown };

const warnings = new Set<string>();

// Keywords that only annotate. `required` is dropped on purpose (outside a oneOf): chart defaults fill required keys,
// so the checker reports what a user must set through its own MANDATORY list instead.
const IGNORED = new Set(["$schema", "$id", "$comment", "title", "description", "default", "examples", "deprecated", "required", "definitions", "$defs", "readOnly", "writeOnly", "format"]);
const HANDLED = new Set(["type", "enum", "properties", "additionalProperties", "patternProperties", "items", "pattern", "minimum", "$ref", "allOf", "anyOf", "oneOf"]);
// Validation keywords this derivation does not carry: a schema using one must fail loudly, not be checked less.
const UNSUPPORTED = new Set(["const", "not", "if", "then", "else", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
    "minLength", "maxLength", "minItems", "maxItems", "uniqueItems", "contains", "additionalItems", "minProperties", "maxProperties",
    "propertyNames", "dependencies", "dependentRequired", "dependentSchemas", "unevaluatedProperties", "unevaluatedItems"]);

/** Where the entries of a map (additionalProperties or ".*" patternProperties) are described. */
const entriesOf = (at: string) => (at ? `${at}.*` : "*");

function isSchema(x: unknown): x is Schema {
    return typeof x === "object" && x !== null && !Array.isArray(x);
}

function resolveRef(root: Schema, ref: string): Schema {
    if (!ref.startsWith("#/")) throw new Error(`unsupported $ref ${ref}: only local JSON pointers`);
    const target = ref.slice(2).split("/").map(p => p.replace(/~1/g, "/").replace(/~0/g, "~"))
        .reduce<unknown>((o, k) => (isSchema(o) ? o[k] : undefined), root);
    if (!isSchema(target)) throw new Error(`$ref ${ref} does not resolve to a schema`);
    return target;
}

/**
 * An anyOf/oneOf as a fact: a type-only anyOf is a union of types; a oneOf whose branches only require keys
 * (OpenTelemetry's lifecycle hooks: exactly one of exec, httpGet, sleep) is kept as the key sets, one must match.
 */
function alternatives(at: string, keyword: string, branches: unknown): TypeNode {
    if (!Array.isArray(branches) || !branches.every(isSchema)) throw new Error(`${at}: ${keyword} is not a list of schemas`);
    const only = (k: string) => branches.every(b => Object.keys(b).every(x => x === k));
    if (keyword === "anyOf" && only("type")) return { type: [...new Set(branches.flatMap(b => ([] as unknown[]).concat(b.type).map(String)))] };
    if (keyword === "oneOf" && only("required")) return { oneOfRequired: branches.map(b => (b.required as unknown[]).map(String)) };
    throw new Error(`${at}: unsupported ${keyword} (only type-only anyOf branches, or oneOf branches that only require keys)`);
}

class Deriver {
    readonly nodes = new Map<string, TypeNode>();
    // What each closed object lists itself: merging it with another schema's properties would change ajv's verdict.
    private readonly closedKeys = new Map<string, Set<string>>();

    constructor(private readonly root: Schema) {}

    visit(schema: unknown, at: string, refs: ReadonlyMap<string, string>): void {
        if (schema === true || schema === undefined) return this.add(at, {});
        if (!isSchema(schema)) throw new Error(`${at || "(top)"}: unsupported schema ${JSON.stringify(schema)}`);
        for (const k of Object.keys(schema)) {
            if (UNSUPPORTED.has(k)) throw new Error(`${at || "(top)"}: unsupported keyword ${k}`);
        }
        this.add(at, this.ownConstraints(schema, at));
        this.visitChildren(schema, at, refs);
        for (const branch of Array.isArray(schema.allOf) ? schema.allOf : []) this.visit(branch, at, refs);
        if (typeof schema.$ref === "string") this.visitRef(schema.$ref, at, refs);
    }

    private ownConstraints(schema: Schema, at: string): TypeNode {
        const node: TypeNode = {};
        if (schema.type !== undefined) node.type = ([] as unknown[]).concat(schema.type).map(String);
        for (const keyword of ["anyOf", "oneOf"] as const) {
            if (schema[keyword] === undefined) continue;
            Object.assign(node, mergeNodes(at, node, alternatives(at, keyword, schema[keyword])));
        }
        if (Array.isArray(schema.enum)) node.enum = schema.enum;
        if (typeof schema.pattern === "string") node.pattern = schema.pattern;
        if (typeof schema.minimum === "number") node.minimum = schema.minimum;
        if (schema.additionalProperties === false) {
            node.closed = true;
            this.closedKeys.set(at, new Set(Object.keys(isSchema(schema.properties) ? schema.properties : {})));
        }
        return node;
    }

    private visitChildren(schema: Schema, at: string, refs: ReadonlyMap<string, string>): void {
        const properties = isSchema(schema.properties) ? schema.properties : {};
        for (const [k, child] of Object.entries(properties)) this.visit(child, joinKey(at, k), refs);
        if (isSchema(schema.additionalProperties)) this.visit(schema.additionalProperties, entriesOf(at), refs);
        if (schema.patternProperties !== undefined) {
            const patterns = isSchema(schema.patternProperties) ? Object.keys(schema.patternProperties) : [];
            // ".*" alone, with no listed properties, means the same as an additionalProperties schema.
            if (patterns.join() !== ".*" || Object.keys(properties).length > 0) throw new Error(`${at}: unsupported patternProperties ${patterns.join(", ")}`);
            this.visit((schema.patternProperties as Schema)[".*"], entriesOf(at), refs);
        }
        if (Array.isArray(schema.items)) throw new Error(`${at}: tuple items are not supported`);
        if (schema.items !== undefined) this.visit(schema.items, `${at}[]`, refs);
        for (const k of Object.keys(schema)) {
            if (!IGNORED.has(k) && !HANDLED.has(k) && !UNSUPPORTED.has(k)) warnings.add(`ignored unknown keyword "${k}" (ajv ignores it too)`);
        }
    }

    private visitRef(ref: string, at: string, refs: ReadonlyMap<string, string>): void {
        const first = refs.get(ref);
        // A schema that refers to itself (Alertmanager's nested routes): point at where it was first expanded.
        if (first !== undefined) return this.add(at, { like: first });
        this.visit(resolveRef(this.root, ref), at, new Map([...refs, [ref, at]]));
    }

    private add(at: string, node: TypeNode): void {
        const prior = this.nodes.get(at);
        this.nodes.set(at, prior ? mergeNodes(at, prior, node) : node);
    }

    /** Throws when a closed object was merged with properties it does not list itself. */
    checkClosedObjects(): void {
        for (const p of this.nodes.keys()) {
            const [parent, name] = splitLast(p) ?? [];
            const own = parent === undefined ? undefined : this.closedKeys.get(parent);
            if (own && name !== "*" && !own.has(name!)) throw new Error(`${parent}: closed object merged with another schema's property ${name}`);
        }
    }
}

/** The type facts of a values.schema.json: key path → constraints, sorted by path. */
export function deriveTypes(schema: Schema): Record<string, TypeNode> {
    const deriver = new Deriver(schema);
    deriver.visit(schema, "", new Map());
    deriver.checkClosedObjects();
    return Object.fromEntries([...deriver.nodes.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** One entry per line, so a regenerated file diffs line by line. */
function formatTypesFile(header: Record<string, string>, types: Record<string, TypeNode>): string {
    const head = Object.entries(header).map(([k, v]) => ` ${JSON.stringify(k)}: ${JSON.stringify(v)},`);
    const body = Object.entries(types).map(([p, n]) => `  ${JSON.stringify(p)}: ${JSON.stringify(n)}`);
    return ["{", ...head, ' "types": {', body.join(",\n"), " }", "}", ""].join("\n");
}

function main(argv: string[]): number {
    try {
        const [schemaFile, ...rest] = argv;
        if (!schemaFile || schemaFile.startsWith("--")) throw new UsageError(USAGE);
        const flags = parseFlags(rest, ["chart", "version", "source"], USAGE);
        if (!flags.chart || !flags.version || !flags.source) throw new UsageError(USAGE);
        const types = deriveTypes(JSON.parse(fs.readFileSync(schemaFile, "utf8")) as Schema);
        const header = {
            chart: flags.chart,
            version: flags.version,
            source: flags.source,
            notes: "Type facts derived from the chart's values.schema.json by scripts/reference/derive-chart-types.ts: key path (keys-file style; " +
                "list items at path[], entries of an additionalProperties or \".*\" patternProperties schema at path.*) -> JSON types, enum, " +
                "closed (additionalProperties: false; the allowed keys are the paths listed directly under it), pattern, minimum, oneOfRequired " +
                "(exactly one of these key sets is present), and like " +
                "(a recursive $ref: check the value as the node at that path). $ref, allOf and type-only anyOf are merged in; required is kept only inside such a oneOf (chart defaults fill the rest).",
        };
        const out = path.join(CHART_REFERENCE_DIR, `${flags.chart}-${flags.version}.types.json`);
        fs.writeFileSync(out, formatTypesFile(header, types));
        for (const w of warnings) console.error(`note: ${w}`);
        console.log(`${path.relative(process.cwd(), out)}: ${Object.keys(types).length} paths`);
        return 0;
    } catch (e) {
        console.error((e as Error).message);
        return e instanceof UsageError ? 2 : 1;
    }
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
