// A stack's render (the shared test render) as the policy pack analyzes it.
import * as fs from "fs";
import * as path from "path";
import { AnalyzedResource, renderedResources } from "../../policy/harness";
import { renderedStack } from "./rendered";

export async function stackResources(stack: string): Promise<AnalyzedResource[]> {
    const { outDir } = await renderedStack(stack);
    return renderedResources(JSON.parse(fs.readFileSync(path.join(outDir, "resources.json"), "utf8")), stack);
}
