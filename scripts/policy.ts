// npm run policy -- --stack <name> | --resources <file> [--config <file>]
// Runs the CrossGuard pack over a render's resources (out/<stack>/resources.json, or any file of that format) and
// prints every violation; exits 1 on a mandatory violation, 2 on bad usage or input.
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { formatReport, packConfig, PackConfigError, policyReport, renderedResources } from "../policy/harness";
import { policies } from "../policy/policies";
import { parseFlags, UsageError } from "./args";

const USAGE = "usage: npm run policy -- (--stack <name> | --resources <resources.json>) [--config <policy-config.json|yaml>]";

function parseArgs(argv: string[]): { stack?: string; resources?: string; config?: string } {
    const args = parseFlags(argv, ["stack", "resources", "config"], USAGE);
    if ((args.stack === undefined) === (args.resources === undefined)) throw new UsageError(USAGE);
    return args;
}

function readJson(file: string, hint: string): unknown {
    if (!fs.existsSync(file)) throw new UsageError(`${file} does not exist; ${hint}`);
    const text = fs.readFileSync(file, "utf8");
    try {
        return /\.ya?ml$/.test(file) ? YAML.parse(text) : JSON.parse(text);
    } catch (e) {
        throw new UsageError(`${file}: ${(e as Error).message}`);
    }
}

export async function main(argv: string[]): Promise<number> {
    try {
        const args = parseArgs(argv);
        const file = args.resources ?? path.join("out", args.stack!, "resources.json");
        const json = readJson(file, args.stack ? `render it first: npm run render -- --stack ${args.stack}` : "pass a render's resources.json");
        if (!Array.isArray(json)) throw new UsageError(`${file}: expected the render's array of resources`);
        const config = args.config ? packConfig(policies, readJson(args.config, "pass a policy config file")) : {};
        const stack = args.stack ?? path.basename(path.dirname(path.resolve(file)));
        const report = await policyReport(policies, stack, renderedResources(json, stack), config);
        console.log(formatReport(report));
        return report.mandatory > 0 ? 1 : 0;
    } catch (e) {
        if (e instanceof UsageError || e instanceof PackConfigError) {
            console.error(e.message);
            return 2;
        }
        throw e;
    }
}

if (require.main === module) {
    main(process.argv.slice(2)).then(code => { process.exitCode = code; }, (e: unknown) => { console.error(e); process.exitCode = 2; });
}
