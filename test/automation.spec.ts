// The Automation API module: which CLI commands it runs (against a stand-in `pulumi` that records them), its exit
// status without a CLI, and the exported program run the way another tool would, offline.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { destroy, outputs, POLICY_PACK, preview, program, PROJECT_ROOT, up } from "../automation";
import { main as deploy } from "../automation/cli";
import { runProgram } from "../offline/engine";
import { readStackFiles } from "../offline/stack-files";
import { renderedStack } from "./helpers/rendered";
import { tempDir } from "./helpers/temp";

/** A stand-in for the Pulumi CLI: logs `<cwd>\t<args>` per call and answers what the Automation API reads back. */
const FAKE_PULUMI = `#!/bin/sh
printf '%s\\t%s\\n' "$PWD" "$*" >> "$FAKE_PULUMI_LOG"
case "$1" in
  version) echo "v3.270.0" ;;
  stack) case "$2" in
    output) case "$*" in
      *--show-secrets*) echo '{"otlpEndpoint":"otlp.example:4317","grafanaAdminPassword":"s3cr3t-value"}' ;;
      *) echo '{"otlpEndpoint":"otlp.example:4317","grafanaAdminPassword":"[secret]"}' ;;
    esac ;;
    history) echo '[]' ;;
    *) echo '{}' ;;
  esac ;;
  *) echo "fake pulumi ran: $1" ;;
esac
`;

describe("Automation API", () => {
    let root: string;
    let log: string;
    const calls = () => fs.readFileSync(log, "utf8").trim().split("\n").map(l => l.split("\t") as [string, string]);
    /** The last call of a CLI command. */
    const command = (verb: string) => calls().reverse().find(([, args]) => args.startsWith(`${verb} `));

    before(() => {
        root = tempDir("automation");
        fs.mkdirSync(path.join(root, "bin"));
        fs.writeFileSync(path.join(root, "bin", "pulumi"), FAKE_PULUMI, { mode: 0o755 });
        log = path.join(root, "calls.log");
        process.env.FAKE_PULUMI_LOG = log;
    });
    beforeEach(() => fs.writeFileSync(log, ""));
    after(() => { delete process.env.FAKE_PULUMI_LOG; });

    it("preview and up run the policy pack on the CLI's stack in the project root; destroy does not; output streams", async () => {
        const streamed: string[] = [];
        const opts = { stack: "dev", pulumiRoot: root, onOutput: (t: string) => streamed.push(t) };
        await preview(opts);
        const [cwd, args] = command("preview")!;
        assert.equal(cwd, PROJECT_ROOT, "the CLI runs in the project root (Pulumi.yaml, index.ts, Pulumi.dev.yaml)");
        assert.match(args, new RegExp(`--policy-pack ${POLICY_PACK} .*--exec-kind auto\\.local .*--stack dev`));
        assert.ok(calls().some(([, a]) => a === "stack select --stack dev --non-interactive"));

        const config = path.join(tempDir("automation"), "policy-config.json");
        fs.writeFileSync(config, JSON.stringify({ "retention-s3-expiry-matches-retention": { marginDays: 7 } }));
        await up({ ...opts, policyConfig: config });
        assert.match(command("up")![1], new RegExp(`^up --yes --skip-preview --policy-pack ${POLICY_PACK} --policy-pack-config ${config} `));

        await destroy(opts);
        assert.doesNotMatch(command("destroy")![1], /--policy-pack/);
        assert.deepEqual(streamed, ["fake pulumi ran: preview", "fake pulumi ran: up", "fake pulumi ran: destroy"].map(s => `${s}\n`));

        await preview({ ...opts, inline: true });
        assert.match(command("preview")![1], /--client=127\.0\.0\.1:\d+ --exec-kind auto\.inline /);
    });

    it("outputs keep secrets marked, and the deploy CLI prints them masked", async () => {
        const out = await outputs({ stack: "dev", pulumiRoot: root });
        assert.deepEqual(out.grafanaAdminPassword, { value: "s3cr3t-value", secret: true });
        const printed: string[] = [];
        const [path0, consoleLog] = [process.env.PATH, console.log];
        process.env.PATH = `${path.join(root, "bin")}${path.delimiter}${path0}`;
        console.log = (m: string) => printed.push(m);
        try {
            assert.equal(await deploy(["outputs", "--stack", "dev"]), 0);
        } finally {
            process.env.PATH = path0;
            console.log = consoleLog;
        }
        assert.deepEqual(JSON.parse(printed.join("\n")), { otlpEndpoint: "otlp.example:4317", grafanaAdminPassword: "[secret]" });
    });

    it("npm run deploy without a Pulumi CLI exits 127, naming what to install", function () {
        this.timeout(60_000);
        // A PATH holding only node, npm and the shell npm runs scripts with: no `pulumi` anywhere.
        const bin = tempDir("automation");
        fs.symlinkSync(process.execPath, path.join(bin, "node"));
        fs.symlinkSync("/bin/sh", path.join(bin, "sh"));
        const npm = spawnSync("sh", ["-c", "command -v npm"], { encoding: "utf8" }).stdout.trim();
        fs.symlinkSync(fs.realpathSync(npm), path.join(bin, "npm"));
        const r = spawnSync(path.join(bin, "npm"), ["run", "-s", "deploy", "--", "up", "--stack", "dev"],
            { cwd: PROJECT_ROOT, encoding: "utf8", env: { ...process.env, PATH: bin } });
        assert.equal(r.status, 127, r.stderr);
        assert.match(r.stderr, /deploy: the Pulumi CLI was not found on PATH: install the Pulumi CLI \(https:\/\/www\.pulumi\.com\/docs\/iac\/download-install\//);
        const usage = spawnSync(path.join(bin, "npm"), ["run", "-s", "deploy", "--", "apply", "--stack", "dev"], { cwd: PROJECT_ROOT, encoding: "utf8", env: { ...process.env, PATH: bin } });
        assert.equal(usage.status, 2);
        assert.match(usage.stderr, /unknown operation "apply"; usage: npm run deploy -- <preview\|up\|destroy\|outputs>/);
    });

    it("the exported program, run by another tool from its own folder, builds the same resources as the render", async () => {
        await renderedStack("prod"); // another stack ran first in this process
        const render = (await renderedStack("dev")).run;
        const cwd = process.cwd();
        process.chdir(tempDir("automation"));
        try {
            const inline = await runProgram(readStackFiles(PROJECT_ROOT, "dev"), program);
            assert.ok(inline.resources.length > 100);
            assert.deepEqual(inline.resources, render.resources);
            assert.deepEqual(inline.outputNames, render.outputNames);
        } finally {
            process.chdir(cwd);
        }
    });
});
