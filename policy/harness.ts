// Runs the pack's policies over a list of resources the way the analyzer server (@pulumi/policy server.js) does,
// in-process: each resource policy once per resource, each stack policy once; a policy's enforcement level and
// settings come from the pack configuration (`{ "<policy>": { "enforcementLevel": ..., <settings> } }`), and a
// `disabled` policy does not run. Used by the render's policy report, `npm run policy` and the tests; the gRPC
// test checks it against the real server.
import type { EnforcementLevel, Policies, PolicyResource } from "@pulumi/policy";
import { PACK_NAME } from "./policies";

export interface AnalyzedResource {
    readonly type: string;
    readonly name: string;
    readonly urn?: string;
    readonly props: Record<string, unknown>;
}

export interface Violation {
    readonly policy: string;
    readonly enforcementLevel: EnforcementLevel;
    readonly message: string;
    readonly urn: string;
}

/** Pack configuration as `pulumi preview --policy-pack-config` takes it: per policy, a level and/or settings. */
export type PackConfig = Record<string, { enforcementLevel?: EnforcementLevel } & Record<string, unknown>>;

export interface PolicyReport {
    readonly pack: string;
    readonly stack: string;
    readonly resources: number;
    readonly policies: Array<{ name: string; enforcementLevel: EnforcementLevel; description: string; violations: number }>;
    readonly violations: Violation[];
    readonly mandatory: number;
    readonly advisory: number;
}

class NotApplicable extends Error {}

/** The rendered resources' URN (the render records no parent types, so the parent chain is left out). */
export const urnOf = (stack: string, r: { type: string; name: string }) => `urn:pulumi:${stack}::observability-stack::${r.type}::${r.name}`;

/** The resources of a render (`resources.json`): custom resources with their id and inputs as props; providers left out. */
export function renderedResources(json: ReadonlyArray<{ type: string; name: string; id?: string; inputs: Record<string, unknown> }>, stack = "stack"): AnalyzedResource[] {
    return json.filter(r => r.id !== undefined && !r.type.startsWith("pulumi:providers:"))
        .map(r => ({ type: r.type, name: r.name, urn: urnOf(stack, r), props: { id: r.id, ...r.inputs } }));
}

const levelOf = (policy: Policies[number], config: PackConfig): EnforcementLevel =>
    config[policy.name]?.enforcementLevel ?? policy.enforcementLevel ?? "advisory";

export async function runPolicies(policies: Policies, resources: readonly AnalyzedResource[], config: PackConfig = {}): Promise<Violation[]> {
    const out: Violation[] = [];
    const common = {
        stackTags: new Map<string, string>(),
        notApplicable: (reason?: string): never => { throw new NotApplicable(reason); },
        isType: () => { throw new Error("isType is not used by this pack"); },
        asType: () => { throw new Error("asType is not used by this pack"); },
    };
    const urn = (r: AnalyzedResource) => r.urn ?? urnOf("stack", r);
    for (const policy of policies) {
        const enforcementLevel = levelOf(policy, config);
        if (enforcementLevel === "disabled") continue;
        const { enforcementLevel: _, ...own } = config[policy.name] ?? {};
        const getConfig = () => own;
        try {
            if ("validateResource" in policy && policy.validateResource) {
                const validate = policy.validateResource as (args: unknown, report: (m: string) => void) => Promise<void> | void;
                for (const r of resources) {
                    await validate({ ...common, type: r.type, name: r.name, props: r.props, urn: urn(r), opts: {}, getConfig },
                        (message: string) => out.push({ policy: policy.name, enforcementLevel, message, urn: urn(r) }));
                }
            } else if ("validateStack" in policy && policy.validateStack) {
                const stackResources = resources.map(r => ({ ...common, type: r.type, name: r.name, props: r.props, urn: urn(r), opts: {}, dependencies: [], propertyDependencies: {} })) as unknown as PolicyResource[];
                const validate = policy.validateStack as (args: unknown, report: (m: string, urn?: string) => void) => Promise<void> | void;
                await validate({ ...common, resources: stackResources, getConfig },
                    (message: string, at?: string) => out.push({ policy: policy.name, enforcementLevel, message, urn: at ?? "" }));
            }
        } catch (e) {
            if (!(e instanceof NotApplicable)) throw e;
        }
    }
    return out;
}

/** The pack's verdict on one stack's resources: every policy with its level and count, and every violation. */
export async function policyReport(policies: Policies, stack: string, resources: readonly AnalyzedResource[], config: PackConfig = {}): Promise<PolicyReport> {
    const violations = await runPolicies(policies, resources, config);
    return {
        pack: PACK_NAME,
        stack,
        resources: resources.length,
        policies: policies.map(p => ({
            name: p.name, enforcementLevel: levelOf(p, config), description: p.description,
            violations: violations.filter(v => v.policy === p.name).length,
        })),
        violations,
        mandatory: violations.filter(v => v.enforcementLevel === "mandatory").length,
        advisory: violations.filter(v => v.enforcementLevel === "advisory").length,
    };
}

/** The report as a reviewer reads it: one line per violation, then the totals. */
export function formatReport(r: PolicyReport): string {
    const lines = r.violations.map(v => `${v.enforcementLevel.toUpperCase()} ${v.policy}: ${v.message}${v.urn ? `\n    at ${v.urn}` : ""}`);
    const active = r.policies.filter(p => p.enforcementLevel !== "disabled").length;
    lines.push(`${r.pack} on ${r.stack}: ${active} policies over ${r.resources} resources; ${r.mandatory} mandatory, ${r.advisory} advisory violations`);
    return lines.join("\n");
}
