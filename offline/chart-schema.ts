// Chart values against the type facts derived from a chart's values.schema.json (reference/charts/*.types.json,
// written by scripts/reference/derive-chart-types.ts). Same verdicts as validating against the schema itself with
// `required` left out: JSON types, enums, closed objects, patterns and minimums.
import { joinKey, kind, type Report } from "./key-tree";

/** The constraints at one key path. `like`: a recursive schema, checked as the node at that path. */
export interface TypeNode {
    type?: string[];
    enum?: unknown[];
    closed?: true;
    pattern?: string;
    minimum?: number;
    /** A oneOf of required key sets: exactly one of them must be present. */
    oneOfRequired?: string[][];
    like?: string;
}

export interface ChartTypes {
    readonly chart: string;
    readonly version: string;
    readonly source: string;
    readonly types: Readonly<Record<string, TypeNode>>;
}

function intersect<T>(a: readonly T[] | undefined, b: readonly T[] | undefined): T[] | undefined {
    if (a === undefined) return b && [...b];
    if (b === undefined) return [...a];
    return a.filter(x => b.some(y => JSON.stringify(x) === JSON.stringify(y)));
}

/** Both constraints at once, as a schema's $ref, allOf branches and sibling keywords apply together. */
export function mergeNodes(at: string, a: TypeNode, b: TypeNode): TypeNode {
    if (a.pattern !== undefined && b.pattern !== undefined && a.pattern !== b.pattern) throw new Error(`${at}: two patterns`);
    if (a.like !== undefined && b.like !== undefined && a.like !== b.like) throw new Error(`${at}: two recursive targets`);
    if (a.oneOfRequired !== undefined && b.oneOfRequired !== undefined) throw new Error(`${at}: two oneOf key sets`);
    const merged: TypeNode = {
        type: intersect(a.type, b.type),
        enum: intersect(a.enum, b.enum),
        closed: a.closed || b.closed || undefined,
        pattern: a.pattern ?? b.pattern,
        minimum: a.minimum === undefined ? b.minimum : b.minimum === undefined ? a.minimum : Math.max(a.minimum, b.minimum),
        oneOfRequired: a.oneOfRequired ?? b.oneOfRequired,
        like: a.like ?? b.like,
    };
    return Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== undefined)) as TypeNode;
}

function isJsonType(v: unknown, t: string): boolean {
    switch (t) {
        case "null": return v === null;
        case "boolean": return typeof v === "boolean";
        case "string": return typeof v === "string";
        case "number": return typeof v === "number" && Number.isFinite(v);
        case "integer": return typeof v === "number" && Number.isInteger(v);
        case "object": return kind(v) === "map";
        case "array": return Array.isArray(v);
        default: throw new Error(`unknown JSON type ${t} in a chart types file`);
    }
}

function typeName(v: unknown): string {
    if (v === null) return "null";
    if (Array.isArray(v)) return "array";
    if (typeof v === "number" && Number.isInteger(v)) return "integer";
    return typeof v;
}

function sameValue(a: unknown, b: unknown): boolean {
    return JSON.stringify(a) === JSON.stringify(b);
}

/** A path's parent and last key (unquoted), or undefined for the top level and list items (`path[]`). */
export function splitLast(p: string): [string, string] | undefined {
    const quoted = /^(.*)\[("(?:[^"\\]|\\.)*")\]$/.exec(p);
    if (quoted) return [quoted[1], JSON.parse(quoted[2]) as string];
    if (p === "" || p.endsWith("[]")) return undefined;
    const plain = /^(?:(.*)\.)?([^.[\]"]+)$/.exec(p);
    return plain ? [plain[1] ?? "", plain[2]] : undefined;
}

/** A chart's type facts, indexed for the walk: the constraints of each path and the direct children of each object. */
export class TypeIndex {
    private readonly children = new Map<string, Set<string>>();

    constructor(private readonly ref: ChartTypes) {
        for (const p of Object.keys(ref.types)) {
            const split = splitLast(p);
            if (!split || split[1] === "*") continue;
            if (!this.children.has(split[0])) this.children.set(split[0], new Set());
            this.children.get(split[0])!.add(split[1]);
        }
    }

    /** The constraints at a tree path, following a recursive reference to where the schema was first expanded. */
    node(treePath: string): [string, TypeNode] | undefined {
        const own = this.ref.types[treePath];
        if (own?.like === undefined) return own && [treePath, own];
        const target = this.ref.types[own.like];
        const { like: _, ...rest } = own;
        return [own.like, mergeNodes(treePath, rest, target)];
    }

    /** The tree path of key k of the object at treePath: a listed property, else the entries schema (`*`). */
    childPath(treePath: string, k: string): string | undefined {
        if (this.children.get(treePath)?.has(k)) return joinKey(treePath, k);
        const any = treePath ? `${treePath}.*` : "*";
        return this.ref.types[any] !== undefined ? any : undefined;
    }
}

function checkScalar(node: TypeNode, v: unknown, shown: string, report: Report): void {
    const at = shown || "(top level)";
    if (node.type && !node.type.some(t => isJsonType(v, t))) report(shown, `${at}: the chart's schema expects ${node.type.join(" or ")}, got ${typeName(v)}`);
    if (node.enum && !node.enum.some(e => sameValue(e, v))) report(shown, `${at}: the chart's schema allows only ${node.enum.map(e => JSON.stringify(e)).join(", ")}, got ${JSON.stringify(v)}`);
    if (node.pattern !== undefined && typeof v === "string" && !new RegExp(node.pattern, "u").test(v)) {
        report(shown, `${at}: ${JSON.stringify(v)} does not match the chart's schema pattern ${node.pattern}`);
    }
    if (node.minimum !== undefined && typeof v === "number" && v < node.minimum) report(shown, `${at}: the chart's schema wants at least ${node.minimum}, got ${v}`);
    if (node.oneOfRequired && kind(v) === "map") {
        const matching = node.oneOfRequired.filter(keys => keys.every(k => k in (v as object)));
        if (matching.length !== 1) report(shown, `${at}: the chart's schema wants exactly one of ${node.oneOfRequired.map(keys => keys.join("+")).join(", ")}, got ${matching.length}`);
    }
}

/** Walks values against the type facts. Keys with no facts are not checked here (the key set check covers them). */
export function checkTypes(index: TypeIndex, value: unknown, treePath: string, shown: string, report: Report): void {
    const found = index.node(treePath);
    if (!found) return;
    const [at, node] = found;
    checkScalar(node, value, shown, report);
    if (kind(value) === "map") {
        for (const [k, v] of Object.entries(value as object)) {
            const child = index.childPath(at, k);
            const childShown = joinKey(shown, k);
            if (child === undefined && node.closed) report(childShown, `unknown key ${childShown}: the chart's schema allows no other keys under ${shown || "the top level"}`);
            if (child !== undefined) checkTypes(index, v, child, childShown, report);
        }
    } else if (Array.isArray(value) && index.node(`${at}[]`)) {
        value.forEach((item, i) => checkTypes(index, item, `${at}[]`, `${shown}[${i}]`, report));
    }
}
