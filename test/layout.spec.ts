// The code's shape: no import cycle among components/ and index.ts (type-only imports included), no file in
// components/ longer than 400 lines, and the Node the tests run on.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";

const ROOT = path.resolve(__dirname, "..");
const MAX_LINES = 400;

/** Every .ts file under `dir`, as paths relative to the project root. */
function tsFiles(dir: string): string[] {
    return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap(e => {
        const rel = path.join(dir, e.name);
        if (e.isDirectory()) return tsFiles(rel);
        return e.name.endsWith(".ts") ? [rel] : [];
    });
}

/**
 * Each file's relative imports, resolved to files of `sources` (`x` → `x.ts` or `x/index.ts`). TypeScript's own
 * pre-processor lists every module specifier: `import type`, `export … from` and `import()` types included.
 */
function importGraph(sources: ReadonlyMap<string, string>): Map<string, string[]> {
    const graph = new Map<string, string[]>();
    for (const [file, text] of sources) {
        const specifiers = ts.preProcessFile(text, true, true).importedFiles.map(f => f.fileName).filter(s => s.startsWith("."));
        const targets = specifiers.map(s => {
            const base = path.join(path.dirname(file), s);
            return [`${base}.ts`, path.join(base, "index.ts"), base].find(c => sources.has(c));
        });
        graph.set(file, targets.filter((t): t is string => t !== undefined));
    }
    return graph;
}

/** The strongly connected components with more than one file, or a file importing itself (Tarjan). */
function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
    let index = 0;
    const indices = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const found: string[][] = [];
    const visit = (v: string): void => {
        indices.set(v, index);
        low.set(v, index++);
        stack.push(v);
        onStack.add(v);
        for (const w of graph.get(v) ?? []) {
            if (!indices.has(w)) { visit(w); low.set(v, Math.min(low.get(v)!, low.get(w)!)); }
            else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, indices.get(w)!));
        }
        if (low.get(v) !== indices.get(v)) return;
        const component: string[] = [];
        let w: string;
        do { w = stack.pop()!; onStack.delete(w); component.push(w); } while (w !== v);
        if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort());
    };
    for (const v of graph.keys()) if (!indices.has(v)) visit(v);
    return found;
}

function projectSources(): Map<string, string> {
    const files = ["index.ts", ...tsFiles("components")];
    return new Map(files.map(f => [f, fs.readFileSync(path.join(ROOT, f), "utf8")]));
}

describe("code layout", () => {
    it("components/ and index.ts have no import cycle, type-only imports included", () => {
        const graph = importGraph(projectSources());
        assert.ok(graph.size > 50, `read ${graph.size} files`);
        assert.ok([...graph.values()].reduce((n, t) => n + t.length, 0) > 200, "the imports were resolved");
        assert.deepEqual(cycles(graph), []);
    });

    it("the cycle check sees a cycle made only of type imports, and one through a re-export", () => {
        const typeOnly = new Map([
            ["components/config/schema.ts", `import type { CollectorSettings } from "../render/otel";\nexport interface StackConfig { c: CollectorSettings }`],
            ["components/render/otel.ts", `import type { Environment } from "../config/schema";\nexport interface CollectorSettings { e: Environment }`],
        ]);
        assert.deepEqual(cycles(importGraph(typeOnly)), [["components/config/schema.ts", "components/render/otel.ts"]]);
        const reExport = new Map([
            ["components/config/index.ts", `export * from "./schema";`],
            ["components/config/schema.ts", `export type { Plan } from "../plan";`],
            ["components/plan.ts", `import { StackConfig } from "./config";`],
        ]);
        assert.equal(cycles(importGraph(reExport))[0]?.length, 3);
        // The project's graph with one such edge added turns red.
        const sources = projectSources();
        sources.set("components/render/net.ts", `import type { StackConfig } from "../config";\n${sources.get("components/render/net.ts")}`);
        assert.notDeepEqual(cycles(importGraph(sources)), []);
    });

    it("runs on the Node LTS the project installs from npm, within the engines it declares", () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { engines: { node: string }; devDependencies: Record<string, string> };
        const pinned = pkg.devDependencies.node;
        assert.equal(process.versions.node, pinned, "npm scripts put node_modules/.bin/node first on the PATH");
        assert.equal(Number(pinned.split(".")[0]), 24);
        assert.equal(pkg.engines.node, ">=22");
    });

    it(`no file in components/ is longer than ${MAX_LINES} lines`, () => {
        const long = tsFiles("components")
            .map(f => ({ f, lines: fs.readFileSync(path.join(ROOT, f), "utf8").split("\n").length }))
            .filter(x => x.lines > MAX_LINES);
        assert.deepEqual(long, []);
    });
});
