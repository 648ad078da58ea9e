import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { renderStack } from "../../scripts/render";

type Rendered = Awaited<ReturnType<typeof renderStack>>;
const renders = new Map<string, Promise<Rendered>>();
let root: string | undefined;

/**
 * The offline render of a stack of this project into a temporary folder, done once per test run and shared by
 * every spec that reads it. Callers await one stack at a time (the mocks are process-wide).
 */
export function renderedStack(stack: string): Promise<Rendered> {
    let r = renders.get(stack);
    if (r === undefined) {
        root ??= fs.mkdtempSync(path.join(os.tmpdir(), "obs-render-"));
        r = renderStack(stack, { outDir: path.join(root, stack) });
        renders.set(stack, r);
    }
    return r;
}
