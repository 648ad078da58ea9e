// Runs the pack's policies over a list of resources the way the analyzer server does (RECIPES.md §4, pattern B):
// each resource policy per resource, each stack policy once, config from each policy's schema defaults plus
// overrides. The gRPC test drives the real server instead.
import type { Policies, PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "../../policy/policies";

export interface AnalyzedResource {
    readonly type: string;
    readonly name: string;
    readonly props: Record<string, unknown>;
}

export interface Violation {
    readonly policy: string;
    readonly level: string;
    readonly message: string;
    readonly urn: string;
}

const urnOf = (r: AnalyzedResource) => `urn:pulumi:stack::observability-stack::${r.type}::${r.name}`;

class NotApplicable extends Error {}

function configOf(policy: ResourceValidationPolicy | StackValidationPolicy, overrides: Record<string, Record<string, unknown>>): Record<string, unknown> {
    const defaults = Object.fromEntries(Object.entries(policy.configSchema?.properties ?? {})
        .filter(([, s]) => (s as { default?: unknown }).default !== undefined)
        .map(([k, s]) => [k, (s as { default?: unknown }).default]));
    return { ...defaults, ...(overrides[policy.name] ?? {}) };
}

/** The resources of a render (`resources.json`): custom resources with their id and inputs as props. */
export function renderedResources(json: Array<{ type: string; name: string; id?: string; inputs: Record<string, unknown> }>): AnalyzedResource[] {
    return json.filter(r => r.id !== undefined && !r.type.startsWith("pulumi:providers:"))
        .map(r => ({ type: r.type, name: r.name, props: { id: r.id, ...r.inputs } }));
}

export async function runPolicies(policies: Policies, resources: readonly AnalyzedResource[], overrides: Record<string, Record<string, unknown>> = {}): Promise<Violation[]> {
    const out: Violation[] = [];
    const common = {
        stackTags: new Map<string, string>(),
        notApplicable: (reason?: string): never => { throw new NotApplicable(reason); },
        isType: () => { throw new Error("isType is not used by this pack"); },
        asType: () => { throw new Error("asType is not used by this pack"); },
    };
    for (const policy of policies) {
        const level = policy.enforcementLevel ?? "advisory";
        const getConfig = <T extends object>() => configOf(policy, overrides) as T;
        try {
            if ("validateResource" in policy && policy.validateResource) {
                const validate = policy.validateResource as (args: unknown, report: (m: string) => void) => Promise<void> | void;
                for (const r of resources) {
                    const urn = urnOf(r);
                    await validate({ ...common, type: r.type, name: r.name, props: r.props, urn, opts: {}, getConfig },
                        (message: string) => out.push({ policy: policy.name, level, message, urn }));
                }
            } else if ("validateStack" in policy && policy.validateStack) {
                const stackResources = resources.map(r => ({ ...common, type: r.type, name: r.name, props: r.props, urn: urnOf(r), opts: {}, dependencies: [], propertyDependencies: {} })) as unknown as PolicyResource[];
                const validate = policy.validateStack as (args: unknown, report: (m: string, urn?: string) => void) => Promise<void> | void;
                await validate({ ...common, resources: stackResources, getConfig },
                    (message: string, urn?: string) => out.push({ policy: policy.name, level, message, urn: urn ?? "" }));
            }
        } catch (e) {
            if (!(e instanceof NotApplicable)) throw e;
        }
    }
    return out;
}
