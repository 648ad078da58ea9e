// Runs the pack's policies over a list of resources the way the analyzer server (@pulumi/policy server.js) does,
// in-process: each resource policy once per resource, each stack policy once; a policy's enforcement level and
// settings come from the pack configuration (`{ "<policy>": { "enforcementLevel": ..., <settings> } }`), and a
// `disabled` policy does not run. Used by the render's policy report, `npm run policy` and the tests; the gRPC
// test checks it against the real server.
import type { EnforcementLevel, Policies, PolicyResource } from "@pulumi/policy";
import { PACK_NAME } from "./policies";

export interface AnalyzedProvider {
    readonly type: string;
    readonly name: string;
    readonly urn: string;
    readonly props: Record<string, unknown>;
}

export interface AnalyzedResource {
    readonly type: string;
    readonly name: string;
    readonly urn?: string;
    readonly props: Record<string, unknown>;
    /** The explicit provider the resource uses (its config: region, default tags). */
    readonly provider?: AnalyzedProvider;
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

/** A URN for a resource that carries none (hand-written resources; the parent chain is unknown, so left out). */
export const urnOf = (stack: string, r: { type: string; name: string }) => `urn:pulumi:${stack}::observability-stack::${r.type}::${r.name}`;

type RenderedJson = ReadonlyArray<{ urn?: string; type: string; name: string; id?: string; provider?: string; inputs: Record<string, unknown> }>;

/**
 * The resources of a render (`resources.json`): custom resources with their id and inputs as props, each with its
 * explicit provider's inputs; providers themselves are not analyzed (as under the CLI).
 */
export function renderedResources(json: RenderedJson, stack = "stack"): AnalyzedResource[] {
    const isProvider = (type: string) => type.startsWith("pulumi:providers:");
    const providers = new Map(json.filter(r => isProvider(r.type))
        .map(r => [r.name, { type: r.type, name: r.name, urn: r.urn ?? urnOf(stack, r), props: r.inputs }]));
    return json.filter(r => r.id !== undefined && !isProvider(r.type)).map(r => {
        const provider = r.provider === undefined ? undefined : providers.get(r.provider);
        return { type: r.type, name: r.name, urn: r.urn ?? urnOf(stack, r), props: { id: r.id, ...r.inputs }, ...(provider ? { provider } : {}) };
    });
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
                    await validate({ ...common, type: r.type, name: r.name, props: r.props, urn: urn(r), opts: {}, getConfig, ...(r.provider ? { provider: r.provider } : {}) },
                        (message: string) => out.push({ policy: policy.name, enforcementLevel, message, urn: urn(r) }));
                }
            } else if ("validateStack" in policy && policy.validateStack) {
                const stackResources = resources.map(r => ({ ...common, type: r.type, name: r.name, props: r.props, urn: urn(r), opts: {}, dependencies: [], propertyDependencies: {}, ...(r.provider ? { provider: r.provider } : {}) })) as unknown as PolicyResource[];
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

export class PackConfigError extends Error {}

const LEVELS: readonly EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

/**
 * A pack configuration file's content (`pulumi preview --policy-pack-config` format: per policy an enforcement
 * level string, or an object with `enforcementLevel` and settings; `all` sets every policy's level), checked
 * against the pack: unknown policies, unknown settings and unknown levels fail with what is allowed.
 */
export function packConfig(policies: Policies, raw: unknown): PackConfig {
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new PackConfigError("policy config: expected an object keyed by policy name");
    const byName = new Map(policies.map(p => [p.name, p]));
    const level = (where: string, v: unknown): EnforcementLevel => {
        if (!LEVELS.includes(v as EnforcementLevel)) throw new PackConfigError(`policy config ${where}: enforcement level ${JSON.stringify(v)} is not one of ${LEVELS.join(", ")}`);
        return v as EnforcementLevel;
    };
    const out: PackConfig = {};
    const entries = Object.entries(raw as Record<string, unknown>);
    const all = entries.find(([k]) => k === "all");
    if (all) for (const p of policies) out[p.name] = { enforcementLevel: level("all", all[1]) };
    for (const [name, value] of entries) {
        if (name === "all") continue;
        const policy = byName.get(name);
        if (!policy) throw new PackConfigError(`policy config: no policy ${JSON.stringify(name)}; the pack has ${[...byName.keys()].join(", ")}`);
        if (typeof value === "string") {
            out[name] = { ...out[name], enforcementLevel: level(name, value) };
            continue;
        }
        if (typeof value !== "object" || value === null || Array.isArray(value)) throw new PackConfigError(`policy config ${name}: expected a level or an object`);
        const known = Object.keys(policy.configSchema?.properties ?? {});
        for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
            if (key === "enforcementLevel") level(name, v);
            else if (!known.includes(key)) throw new PackConfigError(`policy config ${name}.${key}: unknown setting; ${known.length > 0 ? `allowed: ${known.join(", ")}` : "the policy has no settings"}`);
        }
        out[name] = { ...out[name], ...(value as PackConfig[string]) };
    }
    return out;
}
