// Every temporary folder the tests make comes from here, under os.tmpdir() as `obs-<prefix>-XXXXXX`, and is removed
// once the whole run is over: the rendered stacks are shared by many specs, and servers started by a spec are
// stopped by that spec's own `after` hooks, which run before the root suite's.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const created = new Set<string>();

/** A fresh folder `<tmpdir>/obs-<prefix>-XXXXXX`, removed at the end of the test run. */
export function tempDir(prefix: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `obs-${prefix}-`));
    created.add(dir);
    return dir;
}

/** Writes `content` to `name` in a fresh temporary folder and returns the file's path. */
export function tempFile(name: string, content: string): string {
    const file = path.join(tempDir("test"), name);
    fs.writeFileSync(file, content);
    return file;
}

/** Removes every folder made so far. */
export function removeTempDirs(): void {
    for (const dir of created) fs.rmSync(dir, { recursive: true, force: true });
    created.clear();
}

// Registered while mocha loads the spec files (outside any describe), so on the root suite: it runs after every
// spec, also when a single spec is run with --no-config. Outside mocha (the benchmarks) the caller removes them.
if (typeof after === "function") after(removeTempDirs);
