// Walks a value against a key tree ({path: type}; list items at `path[]`, entries of a map of blocks at `path.*`),
// the format of reference/configs/*.keys.json and reference/kubernetes/*.keys.json. Types: block, map of …,
// list of …, any, or a scalar (string, int, float, boolean, duration, url, time); "a or b" accepts either.

export type KeyTree = Readonly<Record<string, string>>;
/** Receives one problem: the key path shown to the user and what is wrong there. */
export type Report = (path: string, message: string) => void;
export type Kind = "null" | "list" | "map" | "scalar";

export function kind(v: unknown): Kind {
    if (v === null || v === undefined) return "null";
    if (Array.isArray(v)) return "list";
    if (typeof v === "object") return "map";
    return "scalar";
}

/** A path segment as the reference files write it: plain when it is a simple name, else quoted in brackets. */
export function keySegment(k: string): string {
    return /^[A-Za-z0-9_\-/$@]+$/.test(k) ? k : `[${JSON.stringify(k)}]`;
}

export function joinKey(prefix: string, k: string): string {
    const seg = keySegment(k);
    if (!prefix) return seg;
    return seg.startsWith("[") ? prefix + seg : `${prefix}.${seg}`;
}

/** The value at a dotted path of plain keys, or undefined. */
export function getPath(obj: unknown, dotted: string): unknown {
    return dotted.split(".").reduce<unknown>((o, k) => (o !== null && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined), obj);
}

const SCALAR_LISTS = /^list of (strings|ints|floats|durations|booleans)$/;

function typeKind(t: string): Kind | "any" {
    if (t === "block" || t.startsWith("map of")) return "map";
    if (t.startsWith("list of")) return "list";
    if (t === "any") return "any";
    return "scalar";
}

function acceptsKind(t: string, got: Kind): boolean {
    return t.split(" or ").some(alt => {
        const want = typeKind(alt);
        return want === "any" || want === got;
    });
}

/** Whether the tree stops at a value of this type (its content is the program's business, not a key set). */
function isFreeform(t: string): boolean {
    if (t === "any") return true;
    if (t.startsWith("map of")) return t !== "map of string to block";
    if (t.startsWith("list of")) return t !== "list of blocks" && !SCALAR_LISTS.test(t);
    return false;
}

function childType(keys: KeyTree, treePath: string, k: string): [string, string | undefined] {
    const direct = treePath ? `${treePath}.${k}` : k;
    if (keys[direct] !== undefined) return [direct, keys[direct]];
    const any = treePath ? `${treePath}.*` : "*";
    if (keys[any] !== undefined) return [any, keys[any]];
    return [direct, undefined];
}

/** Keys of a map that the tree defines directly under treePath. */
function childKeys(keys: KeyTree, treePath: string): string[] {
    const pre = treePath ? `${treePath}.` : "";
    return Object.keys(keys).filter(p => p.startsWith(pre) && !p.slice(pre.length).includes(".") && !p.endsWith("[]"))
        .map(p => p.slice(pre.length));
}

/**
 * A hint for an unknown key: a sibling whose name contains it or is contained in it, or, when every key inside the
 * unknown map is a key of its parent, that those keys belong one level up (an inlined block).
 */
function hint(keys: KeyTree, treePath: string, k: string, v: unknown): string {
    const siblings = childKeys(keys, treePath);
    const inner = kind(v) === "map" ? Object.keys(v as object) : [];
    if (inner.length > 0 && inner.every(ik => siblings.includes(ik))) return `; its keys go directly under ${treePath || "the top level"}`;
    const near = siblings.filter(s => s.length > 3 && (k.includes(s) || s.includes(k)));
    return near.length ? `; did you mean ${near.slice(0, 3).join(" or ")}?` : "";
}

/** Walks a value against a key tree. shown: the path to print; treePath: the path in the tree. */
export function checkTree(keys: KeyTree, value: unknown, shown: string, treePath: string, report: Report): void {
    if (kind(value) === "map") {
        for (const [k, v] of Object.entries(value as object)) checkTreeKey(keys, k, v, joinKey(shown, k), treePath, report);
    } else if (kind(value) === "list") {
        (value as unknown[]).forEach((item, i) => {
            if (kind(item) === "map") checkTree(keys, item, `${shown}[${i}]`, `${treePath}[]`, report);
        });
    }
}

/** Checks one key k (value v, shown at `shown`) of the map at treePath. Keys set to null pass where the tree defines them. */
export function checkTreeKey(keys: KeyTree, k: string, v: unknown, shown: string, treePath: string, report: Report): void {
    const [p, t] = childType(keys, treePath, k);
    if (t === undefined) return report(shown, `unknown key ${shown}${hint(keys, treePath, k, v)}`);
    const got = kind(v);
    if (got === "null") return;
    if (!acceptsKind(t, got)) return report(shown, `${shown}: expects ${/^[aeiou]/.test(t) ? "an" : "a"} ${t}, got a ${got}`);
    // A string holding a template or env reference ("${X}") may well expand to a boolean.
    if (t === "boolean" && typeof v === "string" && !v.includes("${")) {
        return report(shown, `${shown}: expects a boolean, got the string ${JSON.stringify(v)}`);
    }
    if (got === "list" && SCALAR_LISTS.test(t)) {
        if ((v as unknown[]).some(item => kind(item) !== "scalar" && kind(item) !== "null")) report(shown, `${shown}: expects a ${t}, got a list with maps or lists`);
        return;
    }
    if (isFreeform(t)) return;
    checkTree(keys, v, shown, p, report);
}
