// npm run render -- --stack <name> [--out <dir>]
// Runs the real program offline (Pulumi mocks) for one stack and writes everything it would deploy.
import * as path from "path";
import { assertNoSecrets, buildArtifacts, writeArtifacts } from "../offline/artifacts";
import { runOffline } from "../offline/engine";
import { ConfigError } from "../components/config";
import { StackFileError } from "../offline/stack-files";
import program = require("../index");

export const PROJECT_DIR = path.resolve(__dirname, "..");

/** Renders one stack into `outDir` (default out/<stack>); returns the number of resources and files. */
export async function renderStack(stack: string, outDir = path.join(PROJECT_DIR, "out", stack)) {
    const run = await runOffline(PROJECT_DIR, stack, program);
    const artifacts = buildArtifacts(run);
    assertNoSecrets(artifacts, run.secretValues);
    writeArtifacts(outDir, artifacts);
    return { run, artifacts, outDir };
}

function parseArgs(argv: string[]): { stack: string; out?: string } {
    let stack: string | undefined;
    let out: string | undefined;
    for (let i = 0; i < argv.length; i++) {
        if (argv[i] === "--stack") stack = argv[++i];
        else if (argv[i] === "--out") out = argv[++i];
        else throw new Error(`unknown argument ${argv[i]}; usage: npm run render -- --stack <name> [--out <dir>]`);
    }
    if (!stack) throw new Error("usage: npm run render -- --stack <name> [--out <dir>]");
    return { stack, out };
}

async function main(): Promise<void> {
    const args = parseArgs(process.argv.slice(2));
    const started = Date.now();
    const { run, artifacts, outDir } = await renderStack(args.stack, args.out && path.resolve(args.out));
    console.log(`rendered stack ${args.stack}: ${run.resources.length} resources, ${artifacts.length} files in ${path.relative(process.cwd(), outDir) || "."} (${Date.now() - started} ms)`);
}

if (require.main === module) {
    main().catch((err: unknown) => {
        if (err instanceof ConfigError || err instanceof StackFileError) console.error(err.message);
        else console.error(err);
        process.exitCode = 1;
    });
}
