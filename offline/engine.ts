// The offline engine: runs the real Pulumi program in-process under mocks and returns every resource it
// registered, with its parent and its inputs (secrets masked).
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, ConfigProblem } from "../components/config";
import { OfflineMocks } from "./mocks";
import { readStackFiles, StackFiles } from "./stack-files";

export const SECRET_MASK = "[secret]";
/** The engine's marker for a secret value inside serialized inputs. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_SIG_VALUE = "1b47061264138c4ac30d75fd1eb44270";

export interface RenderedResource {
    /** The resource's URN as the real engine forms it (parent types included): unique, unlike the name. */
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    /** URN of the parent resource, or null for top-level resources. */
    readonly parent: string | null;
    readonly inputs: Record<string, unknown>;
    readonly custom: boolean;
    /** The id the (mock) provider gave a custom resource; what other resources' inputs refer to. */
    readonly id?: string;
    /** Name of the explicit provider resource a custom resource uses (default providers are left out). */
    readonly provider?: string;
}

export interface EngineResult {
    readonly files: StackFiles;
    readonly resources: RenderedResource[];
    /** Stack output names. */
    readonly outputNames: string[];
    /** Stack outputs that the program returned as plain values (not Outputs), e.g. the capacity report. */
    readonly plainOutputs: Record<string, unknown>;
    /** Every string value that was marked secret anywhere (placeholders included): none may be written. */
    readonly secretValues: string[];
}

export type Program = () => Promise<Record<string, unknown> | undefined>;

/** Replaces every engine-marked secret with `[secret]` and the serialized dynamic provider with a note. */
export function maskSecrets(value: unknown, found: string[] = []): unknown {
    if (Array.isArray(value)) return value.map(v => maskSecrets(v, found));
    if (value !== null && typeof value === "object") {
        const obj = value as Record<string, unknown>;
        if (obj[SECRET_SIG] === SECRET_SIG_VALUE) {
            collectStrings(obj.value, found);
            return SECRET_MASK;
        }
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(obj)) {
            out[k] = k === "__provider" ? "[serialized dynamic provider]" : maskSecrets(v, found);
        }
        return out;
    }
    return value;
}

function collectStrings(value: unknown, into: string[]): void {
    if (typeof value === "string") into.push(value);
    else if (Array.isArray(value)) value.forEach(v => collectStrings(v, into));
    else if (value !== null && typeof value === "object") Object.values(value).forEach(v => collectStrings(v, into));
}

/** The provider resource's name in a provider reference (`<provider urn>::<provider id>`); default providers give none. */
function providerName(ref: string): string | undefined {
    const parts = ref.split("::");
    const name = parts[parts.length - 2];
    return name === undefined || name.startsWith("default") ? undefined : name;
}

const STACK_TYPE = "pulumi:pulumi:Stack";

/** `type::name` (types never hold `::`, so the first one splits it back). */
const resourceKey = (type: string, name: string) => `${type}::${name}`;

/**
 * URNs as the engine forms them: `urn:pulumi:<stack>::<project>::<qualified type>::<name>`, the qualified type being
 * the parent's qualified type, `$`, the type (the stack itself is left out).
 */
function urnResolver(project: string, stack: string, parents: ReadonlyMap<string, string | null>): (key: string) => string {
    const qualified = new Map<string, string>();
    const qualifiedType = (key: string): string => {
        let q = qualified.get(key);
        if (q === undefined) {
            const parent = parents.get(key);
            if (parent === undefined) throw new Error(`resource ${key} was registered without passing the stack transformation`);
            const type = key.slice(0, key.indexOf("::"));
            q = parent === null ? type : `${qualifiedType(parent)}$${type}`;
            qualified.set(key, q);
        }
        return q;
    };
    return key => `urn:pulumi:${stack}::${project}::${qualifiedType(key)}::${key.slice(key.indexOf("::") + 2)}`;
}

/** Every parent is another rendered resource: a reference that does not resolve would drop a subtree from the graph. */
function assertTree(resources: readonly RenderedResource[]): void {
    const urns = new Set(resources.map(r => r.urn));
    for (const r of resources) {
        if (r.parent === null) continue;
        if (r.parent === r.urn || !urns.has(r.parent)) throw new Error(`resource ${r.urn} has parent ${r.parent}, which is not another rendered resource`);
    }
}

/** Runs `program` for one stack of the project in `projectDir`, offline. */
export async function runOffline(projectDir: string, stack: string, program: Program): Promise<EngineResult> {
    return runProgram(readStackFiles(projectDir, stack), program);
}

/**
 * The CLI refuses a value of the wrong type before the program runs; offline, the program runs anyway so that one
 * report holds both: the type problems, then the program's problems with every other key.
 */
function withTypeProblems(stack: string, error: unknown, typeProblems: readonly ConfigProblem[]): unknown {
    if (typeProblems.length === 0) return error;
    if (!(error instanceof ConfigError)) return new ConfigError(stack, typeProblems);
    // Where the program also reports the key, its `allowed` is the more precise (a range, a unit).
    const merged = typeProblems.map(t => ({ ...t, allowed: error.problems.find(p => p.key === t.key)?.allowed ?? t.allowed }));
    const typed = new Set(typeProblems.map(p => p.key));
    return new ConfigError(stack, [...merged, ...error.problems.filter(p => !typed.has(p.key))]);
}

/** Runs `program` under mocks with the given engine-style config (what `runOffline` reads from the stack files). */
export async function runProgram(files: StackFiles, program: Program): Promise<EngineResult> {
    const mocks = new OfflineMocks(files.config["aws:region"] ?? "us-east-1");
    await pulumi.runtime.setMocks(mocks, files.project, files.stack, false);
    pulumi.runtime.setAllConfig(files.config, files.secretKeys);

    // type::name of each resource → type::name of its parent (null under the stack); the URNs follow from it.
    const parents = new Map<string, string | null>();
    let programError: { error: unknown } | undefined;
    const outputs = await pulumi.runtime.runInPulumiStack(async () => {
        pulumi.runtime.registerStackTransformation(args => {
            const parent = args.opts.parent as (pulumi.Resource & { __name?: string; __pulumiType?: string }) | undefined;
            const isStack = parent === undefined || parent.__pulumiType === STACK_TYPE;
            parents.set(resourceKey(args.type, args.name), isStack ? null : resourceKey(String(parent.__pulumiType), String(parent.__name)));
            return undefined;
        });
        // The program's own error is thrown below, once: left to reject inside the stack, it would also surface as an
        // unhandled rejection (a second report, with a dump) from the stack resource's outputs.
        try {
            return await program();
        } catch (e) {
            programError = { error: e };
            return undefined;
        }
    });
    await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
    const typeProblems = files.typeProblems ?? [];
    if (programError) throw withTypeProblems(files.stack, programError.error, typeProblems);
    if (typeProblems.length > 0) throw new ConfigError(files.stack, typeProblems);

    const urnOf = urnResolver(files.project, files.stack, parents);
    const seen = new Set<string>();
    const secretValues: string[] = [...files.secretPlaceholders];
    const resources: RenderedResource[] = [];
    for (const r of mocks.registrations) {
        if (r.type === STACK_TYPE) continue; // the engine's implicit root, not a resource of the program
        const key = resourceKey(r.type, r.name);
        // The real engine rejects two resources with the same URN; mocks do not, so we do (stricter: type and name).
        if (seen.has(key)) throw new Error(`duplicate resource ${key}: the real engine would reject this program`);
        seen.add(key);
        const parentKey = parents.get(key) ?? null;
        const inputs = maskSecrets(r.inputs, secretValues) as Record<string, unknown>;
        const provider = r.provider ? providerName(r.provider) : undefined;
        resources.push({
            urn: urnOf(key), type: r.type, name: r.name, parent: parentKey === null ? null : urnOf(parentKey), inputs, custom: r.custom,
            ...(r.custom ? { id: r.id } : {}), ...(provider ? { provider } : {}),
        });
    }
    assertTree(resources);
    const returned = (outputs ?? {}) as Record<string, unknown>;
    const plainOutputs = Object.fromEntries(Object.entries(returned).filter(([, v]) => v !== undefined && !pulumi.Output.isInstance(v)));
    return {
        files, resources, secretValues: [...new Set(secretValues)], plainOutputs,
        outputNames: Object.keys(returned).filter(k => returned[k] !== undefined),
    };
}
