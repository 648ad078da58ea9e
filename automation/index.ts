// The Automation API entry point: preview, up, destroy and outputs of this project's stacks, for other tools.
// The stacks are the CLI's own: LocalWorkspace runs index.ts with Pulumi.yaml and Pulumi.<stack>.yaml from the
// project root, and preview and up run the CrossGuard pack in policy/. `program` is the same Pulumi program as a
// function, for tools that run it as an inline program (`inline: true` does that here).
import * as fs from "fs";
import * as path from "path";
import {
    DestroyResult, LocalWorkspace, LocalWorkspaceOptions, OutputMap, PreviewResult, PulumiCommand, Stack, UpResult,
} from "@pulumi/pulumi/automation";
import { PROJECT } from "../components/config";
import program = require("../index");

export { program };

/** The project root: Pulumi.yaml, index.ts and the stack files. */
export const PROJECT_ROOT = path.resolve(__dirname, "..");
/** The CrossGuard pack that preview and up run. */
export const POLICY_PACK = path.join(PROJECT_ROOT, "policy");

export const INSTALL_CLI = "install the Pulumi CLI (https://www.pulumi.com/docs/iac/download-install/, e.g. `curl -fsSL https://get.pulumi.com | sh`) and put `pulumi` on PATH";

/** The Pulumi CLI, which the Automation API drives, is not installed. */
export class PulumiCliMissingError extends Error {}
/** The policy pack's npm dependencies are not installed, so the CLI could not load it. */
export class PolicyPackMissingError extends Error {}

export interface DeployOptions {
    /** The stack: `dev`, `prod`, or any stack with a `Pulumi.<stack>.yaml`. */
    readonly stack: string;
    /** Receives the CLI's output as it streams; default: this process's stdout. */
    readonly onOutput?: (text: string) => void;
    /** A policy pack configuration file (`pulumi preview --policy-pack-config` format) for preview and up. */
    readonly policyConfig?: string;
    /** Run `program` in this process as an inline program instead of index.ts through the CLI's Node.js runtime. */
    readonly inline?: boolean;
    /** Root of a Pulumi CLI installation (`<root>/bin/pulumi`); default: `pulumi` on PATH. */
    readonly pulumiRoot?: string;
}

/** The Pulumi CLI, or a PulumiCliMissingError saying what to install. */
async function pulumiCli(root?: string): Promise<PulumiCommand> {
    try {
        return await PulumiCommand.get(root ? { root } : {});
    } catch (e) {
        if (/ENOENT/.test(String((e as Error).message))) {
            throw new PulumiCliMissingError(`the Pulumi CLI was not found ${root ? `in ${root}/bin` : "on PATH"}: ${INSTALL_CLI}.`);
        }
        throw e;
    }
}

/** The policy pack's folder, once its dependencies are installed (the CLI loads it with them). */
function policyPack(): string {
    if (!fs.existsSync(path.join(POLICY_PACK, "node_modules", "@pulumi", "policy"))) {
        throw new PolicyPackMissingError(`the policy pack's dependencies are missing: run \`npm ci --prefix ${path.relative(process.cwd(), POLICY_PACK) || "."}\`.`);
    }
    return POLICY_PACK;
}

/** Selects the stack with the given CLI, creating it in the CLI's backend when it does not exist yet. */
function stackWith(pulumiCommand: PulumiCommand, opts: DeployOptions): Promise<Stack> {
    const ws: LocalWorkspaceOptions = { workDir: PROJECT_ROOT, pulumiCommand };
    return opts.inline
        ? LocalWorkspace.createOrSelectStack({ stackName: opts.stack, projectName: PROJECT, program }, ws)
        : LocalWorkspace.createOrSelectStack({ stackName: opts.stack, workDir: PROJECT_ROOT }, { pulumiCommand });
}

/** Selects the stack, creating it in the CLI's backend when it does not exist yet. */
export async function selectStack(opts: DeployOptions): Promise<Stack> {
    return stackWith(await pulumiCli(opts.pulumiRoot), opts);
}

const output = (opts: DeployOptions) => opts.onOutput ?? ((text: string) => { process.stdout.write(text); });

function policyOptions(opts: DeployOptions): { policyPacks: string[]; policyPackConfigs?: string[] } {
    const policyPacks = [policyPack()];
    if (opts.policyConfig === undefined) return { policyPacks };
    const config = path.resolve(opts.policyConfig);
    if (!fs.existsSync(config)) throw new Error(`policy config ${opts.policyConfig} does not exist`);
    return { policyPacks, policyPackConfigs: [config] };
}

/** The stack and the policy options, checking the CLI, then the pack, before touching any stack. */
async function withPolicies(opts: DeployOptions): Promise<[Stack, ReturnType<typeof policyOptions>]> {
    const cli = await pulumiCli(opts.pulumiRoot);
    const policies = policyOptions(opts);
    return [await stackWith(cli, opts), policies];
}

/** `pulumi preview` with the policy pack. */
export async function preview(opts: DeployOptions): Promise<PreviewResult> {
    const [stack, policies] = await withPolicies(opts);
    return stack.preview({ ...policies, onOutput: output(opts) });
}

/** `pulumi up` with the policy pack: a mandatory violation stops the update. */
export async function up(opts: DeployOptions): Promise<UpResult> {
    const [stack, policies] = await withPolicies(opts);
    return stack.up({ ...policies, onOutput: output(opts) });
}

/** `pulumi destroy`. Buckets of a stack with `bucketForceDestroy: false` (prod) must be emptied first. */
export async function destroy(opts: DeployOptions): Promise<DestroyResult> {
    const stack = await selectStack(opts);
    return stack.destroy({ onOutput: output(opts) });
}

/** The stack's outputs; secret ones keep `secret: true` so callers can keep them out of logs. */
export async function outputs(opts: DeployOptions): Promise<OutputMap> {
    return (await selectStack(opts)).outputs();
}
