// npm run deploy -- <preview|up|destroy|outputs> --stack <name> [--inline] [--policy-config <file>]
// A small command line over the Automation API module. Exit status: 0 done, 1 the operation failed (including a
// mandatory policy violation), 2 bad usage, 127 the Pulumi CLI (or the policy pack's dependencies) is missing.
import { destroy, DeployOptions, outputs, PolicyPackMissingError, preview, PulumiCliMissingError, up } from "./index";

const OPERATIONS = ["preview", "up", "destroy", "outputs"] as const;
type Operation = (typeof OPERATIONS)[number];

export const USAGE = `usage: npm run deploy -- <${OPERATIONS.join("|")}> --stack <name> [--inline] [--policy-config <file>]`;

class UsageError extends Error {}

export function parseArgs(argv: readonly string[]): { operation: Operation; options: DeployOptions } {
    const [operation, ...rest] = argv;
    if (!OPERATIONS.includes(operation as Operation)) throw new UsageError(`unknown operation ${JSON.stringify(operation ?? "")}; ${USAGE}`);
    let stack: string | undefined, policyConfig: string | undefined, inline = false;
    for (let i = 0; i < rest.length; i++) {
        if (rest[i] === "--inline") inline = true;
        else if (rest[i] === "--stack" && rest[i + 1] !== undefined) stack = rest[++i];
        else if (rest[i] === "--policy-config" && rest[i + 1] !== undefined) policyConfig = rest[++i];
        else throw new UsageError(`bad argument ${rest[i]}; ${USAGE}`);
    }
    if (!stack) throw new UsageError(`--stack is required; ${USAGE}`);
    return { operation: operation as Operation, options: { stack, inline, ...(policyConfig ? { policyConfig } : {}) } };
}

export async function main(argv: readonly string[]): Promise<number> {
    try {
        const { operation, options } = parseArgs(argv);
        if (operation === "outputs") {
            const out = await outputs(options);
            const shown = Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.secret ? "[secret]" : v.value]));
            console.log(JSON.stringify(shown, null, 2));
        } else {
            await { preview, up, destroy }[operation](options);
        }
        return 0;
    } catch (e) {
        if (e instanceof UsageError) {
            console.error(e.message);
            return 2;
        }
        if (e instanceof PulumiCliMissingError || e instanceof PolicyPackMissingError) {
            console.error(`deploy: ${e.message}`);
            return 127;
        }
        console.error(`deploy: ${(e as Error).message ?? e}`);
        return 1;
    }
}

if (require.main === module) {
    main(process.argv.slice(2)).then(code => { process.exitCode = code; });
}
