import { spawn, spawnSync, SpawnSyncReturns } from "child_process";

/** Runs a system tool; a missing tool fails the test with how to install it (tests never skip). */
export function runTool(tool: string, args: string[], debianPackage: string, input?: string): SpawnSyncReturns<string> {
    const result = spawnSync(tool, args, { encoding: "utf8", input });
    if (result.error && (result.error as NodeJS.ErrnoException).code === "ENOENT") {
        throw new Error(`${tool} is not installed: apt-get install -y ${debianPackage} (.ci/run installs it)`);
    }
    return result;
}

export { tempFile } from "./temp";

/** `cloud-init schema --config-file`; returns [ok, output]. */
export function cloudInitSchema(file: string): [boolean, string] {
    const r = runTool("cloud-init", ["schema", "--config-file", file], "cloud-init");
    return [r.status === 0, `${r.stdout}${r.stderr}`];
}

/** `shellcheck` on a file; returns [ok, output]. */
export function shellcheck(file: string): [boolean, string] {
    const r = runTool("shellcheck", ["-f", "gcc", file], "shellcheck");
    return [r.status === 0, `${r.stdout}${r.stderr}`];
}

/** `runTool`, without blocking: several tool runs can share the machine's cores. */
export function runToolAsync(tool: string, args: string[], debianPackage: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
        const child = spawn(tool, args);
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", d => { stdout += d; });
        child.stderr.on("data", d => { stderr += d; });
        child.on("error", e => reject((e as NodeJS.ErrnoException).code === "ENOENT" ? new Error(`${tool} is not installed: apt-get install -y ${debianPackage} (.ci/run installs it)`) : e));
        child.on("close", status => resolve({ status, stdout, stderr }));
    });
}
