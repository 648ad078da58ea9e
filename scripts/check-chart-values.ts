// npm run check:values -- <render-dir>... (e.g. out/dev out/prod)
// Checks the rendered Helm values of each render folder against the pinned charts' key sets and schema types, the
// Kubernetes probe and security-context fields, and the Mimir/Loki/Tempo config keys (offline/chart-values.ts).
// Exits 0 when every release is clean, 1 when anything is reported, 2 on bad usage.
import { checkRenderDirs, RenderDirError, type CheckResult } from "../offline/chart-values";

const USAGE = "usage: npm run check:values -- <render-dir> [<render-dir> ...]";

export function formatResults(results: readonly CheckResult[]): string[] {
    const lines: string[] = [];
    for (const r of results) {
        const label = `${r.dir}: ${r.label}`;
        lines.push(r.findings.length === 0 ? `ok   ${label}` : `FAIL ${label}`);
        for (const f of r.findings) lines.push(`     - ${f.message}`);
        for (const n of r.notes) lines.push(`     note: ${n}`);
    }
    const failed = results.filter(r => r.findings.length > 0).length;
    lines.push(`check-chart-values: ${results.length - failed} releases clean, ${failed} with problems`);
    return lines;
}

export function main(argv: readonly string[]): number {
    if (argv.length === 0 || argv.some(a => a.startsWith("-"))) {
        console.error(USAGE);
        return 2;
    }
    let results: CheckResult[];
    try {
        results = checkRenderDirs(argv);
    } catch (e) {
        if (!(e instanceof RenderDirError)) throw e;
        console.error(`${e.message}\n${USAGE}`);
        return 2;
    }
    for (const line of formatResults(results)) console.log(line);
    return results.some(r => r.findings.length > 0) ? 1 : 0;
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
