// npm run render -- --stack <name> [--out <dir>]
// Runs the real program offline (Pulumi mocks) for one stack and writes everything it would deploy.
import * as path from "path";
import { assertNoSecrets, buildArtifacts, capacityLine, policyReportArtifact, writeArtifacts } from "../offline/artifacts";
import { runOffline } from "../offline/engine";
import { ConfigError } from "../components/config";
import { StackFileError } from "../offline/stack-files";
import { parseFlags, UsageError } from "./args";
import program = require("../index");

export const PROJECT_DIR = path.resolve(__dirname, "..");

/** Renders one stack of `projectDir` into `outDir` (default `<projectDir>/out/<stack>`); returns the run, its files and the folder. */
export async function renderStack(stack: string, options: { projectDir?: string; outDir?: string } = {}) {
    const projectDir = options.projectDir ?? PROJECT_DIR;
    const outDir = options.outDir ?? path.join(projectDir, "out", stack);
    const run = await runOffline(projectDir, stack, program);
    const { artifact, report } = await policyReportArtifact(run);
    const artifacts = [...buildArtifacts(run), artifact];
    assertNoSecrets(artifacts, run.secretValues);
    writeArtifacts(outDir, artifacts);
    return { run, artifacts, outDir, report };
}

const USAGE = "usage: npm run render -- --stack <name> [--out <dir>] [--project <dir with Pulumi.yaml>]";

function parseArgs(argv: string[]): { stack: string; out?: string; project?: string } {
    const args = parseFlags(argv, ["stack", "out", "project"], USAGE);
    if (!args.stack) throw new UsageError(USAGE);
    return { ...args, stack: args.stack };
}

async function main(): Promise<void> {
    const args = parseArgs(process.argv.slice(2));
    const started = Date.now();
    const { run, artifacts, outDir, report } = await renderStack(args.stack, {
        projectDir: args.project && path.resolve(args.project),
        outDir: args.out && path.resolve(args.out),
    });
    console.log(`rendered stack ${args.stack}: ${run.resources.length} resources, ${artifacts.length} files in ${path.relative(process.cwd(), outDir) || "."} (${Date.now() - started} ms)`);
    console.log(`backend requests (${args.stack}): ${capacityLine(run)}`);
    console.log(`policy pack (${args.stack}): ${report.policies.length} policies, ${report.mandatory} mandatory and ${report.advisory} advisory violations (policy-report.json; npm run policy -- --stack ${args.stack})`);
}

if (require.main === module) {
    main().catch((err: unknown) => {
        if (err instanceof ConfigError || err instanceof StackFileError || err instanceof UsageError) console.error(err.message);
        else console.error(err);
        process.exitCode = 1;
    });
}
