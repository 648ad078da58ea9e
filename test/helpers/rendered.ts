import * as path from "path";
import { renderStack } from "../../scripts/render";
import { tempDir } from "./temp";

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
        root ??= tempDir("render");
        r = renderStack(stack, { outDir: path.join(root, stack) });
        renders.set(stack, r);
    }
    return r;
}
