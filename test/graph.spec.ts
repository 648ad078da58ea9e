// resources.json and graph.mmd key every resource by its URN: names repeat across types (a component and the Helm
// release it wraps share one), so a name-keyed graph merges resources and turns parent edges into self-loops.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { graphMermaid, mermaidIds } from "../offline/artifacts";
import { runProgram } from "../offline/engine";
import { renderedStack } from "./helpers/rendered";

type Res = { urn: string; type: string; name: string; parent: string | null };

/** The nodes and edges of a rendered graph.mmd. */
function parseGraph(text: string): { nodes: string[]; edges: [string, string][] } {
    const lines = text.split("\n");
    const nodes = lines.flatMap(l => /^ {2}(\S+)\["/.exec(l)?.[1] ?? []);
    const edges = lines.flatMap(l => {
        const m = /^ {2}(\S+) --> (\S+)$/.exec(l);
        return m ? [[m[1], m[2]] as [string, string]] : [];
    });
    return { nodes, edges };
}

/** The qualified type of a URN (`urn:pulumi:<stack>::<project>::<qualified type>::<name>`). */
const qualifiedType = (urn: string) => urn.split("::")[2];

describe("resource ids (resources.json, graph.mmd)", () => {
    for (const stack of ["dev", "prod"] as const) {
        describe(stack, () => {
            let resources: Res[];
            let graph: ReturnType<typeof parseGraph>;
            let registered: number;

            before(async () => {
                const { run, outDir } = await renderedStack(stack);
                registered = run.resources.length;
                resources = JSON.parse(fs.readFileSync(path.join(outDir, "resources.json"), "utf8"));
                graph = parseGraph(fs.readFileSync(path.join(outDir, "graph.mmd"), "utf8"));
            });

            it("gives every registered resource its own URN and its own node", () => {
                assert.ok(registered > 100);
                assert.equal(resources.length, registered);
                assert.equal(new Set(resources.map(r => r.urn)).size, registered, "URNs are unique");
                assert.equal(graph.nodes.length, registered);
                assert.equal(new Set(graph.nodes).size, registered, "mermaid ids are unique");
                for (const id of graph.nodes) assert.match(id, /^[A-Za-z0-9_]+$/);
            });

            it("resolves every parent to another resource, in resources.json and as a graph edge", () => {
                const byUrn = new Map(resources.map(r => [r.urn, r]));
                const roots = resources.filter(r => r.parent === null);
                assert.ok(roots.length > 0);
                for (const r of resources.filter(x => x.parent !== null)) {
                    const parent = byUrn.get(r.parent!);
                    assert.ok(parent && parent !== r, `${r.urn}: parent ${r.parent} is another resource`);
                    // As the engine forms URNs: the parent's qualified type, `$`, the resource's type.
                    assert.equal(qualifiedType(r.urn), `${qualifiedType(parent.urn)}$${r.type}`, r.urn);
                }
                for (const r of roots) assert.equal(qualifiedType(r.urn), r.type, r.urn);

                const nodes = new Set(graph.nodes);
                assert.equal(graph.edges.length, resources.length - roots.length, "one edge per child");
                for (const [from, to] of graph.edges) {
                    assert.notEqual(from, to, `self-loop on ${from}`);
                    assert.ok(nodes.has(from) && nodes.has(to), `${from} --> ${to} joins two nodes`);
                }
                assert.equal(new Set(graph.edges.map(([, to]) => to)).size, graph.edges.length, "each child has one parent edge");
            });

            it("needs the URN: names alone collide across types, a component with its own release among them", () => {
                const names = new Set(resources.map(r => r.name));
                assert.ok(names.size < resources.length, `${names.size} names for ${resources.length} resources`);
                const release = resources.find(r => r.type === "kubernetes:helm.sh/v3:Release" && r.name === `obs-${stack}-loki`)!;
                const component = resources.find(r => r.urn === release.parent)!;
                assert.equal(component.name, release.name, "a name-keyed graph would draw this edge as a self-loop");
                assert.notEqual(component.type, release.type);
                assert.equal(release.urn, `${component.urn.replace(/::[^:]+$/, "")}$kubernetes:helm.sh/v3:Release::obs-${stack}-loki`);
            });
        });
    }

    it("keeps a child apart from a parent of the same name (offline engine)", async () => {
        const run = await runProgram(
            { project: "observability-stack", stack: "unit", config: {}, secretKeys: [], secretPlaceholders: [] },
            async () => {
                const outer = new pulumi.ComponentResource("test:index:Outer", "same", {});
                new pulumi.ComponentResource("test:index:Inner", "same", {}, { parent: outer });
                return {};
            },
        );
        assert.deepEqual(run.resources.map(r => [r.urn, r.parent]), [
            ["urn:pulumi:unit::observability-stack::test:index:Outer::same", null],
            ["urn:pulumi:unit::observability-stack::test:index:Outer$test:index:Inner::same", "urn:pulumi:unit::observability-stack::test:index:Outer::same"],
        ]);
        const [graph] = graphMermaid(run);
        assert.deepEqual(parseGraph(graph.content).edges, [["test_index_Outer__same", "test_index_Inner__same"]]);
    });

    it("mermaid ids: only [A-Za-z0-9_], and distinct where type and name reduce alike", () => {
        const ids = mermaidIds([
            { urn: "u1", type: "k8s:core/v1:Secret", name: "a-b" },
            { urn: "u2", type: "k8s:core/v1:Secret", name: "a.b" },
            { urn: "u3", type: "k8s:core/v1:Secret", name: "a_b" },
        ]);
        assert.deepEqual([...ids.values()], ["k8s_core_v1_Secret__a_b", "k8s_core_v1_Secret__a_b_2", "k8s_core_v1_Secret__a_b_3"]);
    });
});
