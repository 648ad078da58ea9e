// The offline engine: runs the real Pulumi program in-process under mocks and returns every resource it
// registered, with its parent and its inputs (secrets masked).
import * as pulumi from "@pulumi/pulumi";
import { OfflineMocks } from "./mocks";
import { readStackFiles, StackFiles } from "./stack-files";

export const SECRET_MASK = "[secret]";
/** The engine's marker for a secret value inside serialized inputs. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_SIG_VALUE = "1b47061264138c4ac30d75fd1eb44270";

export interface RenderedResource {
    readonly type: string;
    readonly name: string;
    /** Name of the parent resource, or null for top-level resources. */
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

/** Runs `program` for one stack of the project in `projectDir`, offline. */
export async function runOffline(projectDir: string, stack: string, program: Program): Promise<EngineResult> {
    return runProgram(readStackFiles(projectDir, stack), program);
}

/** Runs `program` under mocks with the given engine-style config (what `runOffline` reads from the stack files). */
export async function runProgram(files: StackFiles, program: Program): Promise<EngineResult> {
    const mocks = new OfflineMocks(files.config["aws:region"] ?? "us-east-1");
    await pulumi.runtime.setMocks(mocks, files.project, files.stack, false);
    pulumi.runtime.setAllConfig(files.config, files.secretKeys);

    const parents = new Map<string, string | null>();
    const outputs = await pulumi.runtime.runInPulumiStack(async () => {
        pulumi.runtime.registerStackTransformation(args => {
            const parent = args.opts.parent as (pulumi.Resource & { __name?: string; __pulumiType?: string }) | undefined;
            const isStack = parent === undefined || parent.__pulumiType === "pulumi:pulumi:Stack";
            parents.set(`${args.type}::${args.name}`, isStack ? null : parent.__name ?? null);
            return undefined;
        });
        return program();
    });
    await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();

    const seen = new Set<string>();
    const secretValues: string[] = [...files.secretPlaceholders];
    const resources: RenderedResource[] = [];
    for (const r of mocks.registrations) {
        if (r.type === "pulumi:pulumi:Stack") continue; // the engine's implicit root, not a resource of the program
        const key = `${r.type}::${r.name}`;
        // The real engine rejects two resources with the same URN; mocks do not, so we do.
        if (seen.has(key)) throw new Error(`duplicate resource ${key}: the real engine would reject this program`);
        seen.add(key);
        const inputs = maskSecrets(r.inputs, secretValues) as Record<string, unknown>;
        const provider = r.provider ? providerName(r.provider) : undefined;
        resources.push({
            type: r.type, name: r.name, parent: parents.get(key) ?? null, inputs, custom: r.custom,
            ...(r.custom ? { id: r.id } : {}), ...(provider ? { provider } : {}),
        });
    }
    const returned = (outputs ?? {}) as Record<string, unknown>;
    const plainOutputs = Object.fromEntries(Object.entries(returned).filter(([, v]) => v !== undefined && !pulumi.Output.isInstance(v)));
    return {
        files, resources, secretValues: [...new Set(secretValues)], plainOutputs,
        outputNames: Object.keys(returned).filter(k => returned[k] !== undefined),
    };
}
