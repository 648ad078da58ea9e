// npx tsx offline/pod-security-report.ts [--level baseline|restricted] [--verbose] <rendered-dir>...
// Lab tool (not CI: it needs the charts rendered by helm, e.g. /tmp/helmlab/rendered/<stack>/<release>.yaml): per
// release, the Pod Security Standards violations of every workload (offline/pod-security.ts), the workloads that
// mount a ServiceAccount token, and the RBAC roles with no rules or a `*`. Exit 1 when any of these is found.
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { evaluateManifests, podTemplates, type PssLevel } from "./pod-security";

type Obj = Record<string, any>;

/** Roles and ClusterRoles that grant nothing, or anything through a wildcard. */
export function suspiciousRoles(docs: readonly Obj[]): string[] {
    return docs.filter(d => d && (d.kind === "Role" || d.kind === "ClusterRole")).flatMap(d => {
        const id = `${d.kind}/${d.metadata?.name}`;
        const rules: Obj[] = d.rules ?? [];
        if (d.aggregationRule) return [];
        if (rules.length === 0) return [`${id}: no rules`];
        const wild = rules.some(r => ["apiGroups", "resources", "verbs", "nonResourceURLs"].some(k => (r[k] ?? []).includes("*")));
        return wild ? [`${id}: wildcard rule`] : [];
    });
}

/** Workloads whose pods get a ServiceAccount token: the pod's setting, else its ServiceAccount's (default: mounted). */
export function tokenMounts(docs: readonly Obj[]): string[] {
    const sas = new Map(docs.filter(d => d?.kind === "ServiceAccount").map(d => [d.metadata?.name, d.automountServiceAccountToken]));
    return podTemplates(docs).filter(t => {
        const spec = t.spec as Obj;
        const pod = spec.automountServiceAccountToken;
        const sa = sas.get(spec.serviceAccountName ?? "default");
        return pod === undefined ? sa !== false : pod !== false;
    }).map(t => `${t.workload} (sa ${(t.spec as Obj).serviceAccountName ?? "default"})`);
}

function main(argv: string[]): number {
    const level: PssLevel = argv.includes("--level") ? (argv[argv.indexOf("--level") + 1] as PssLevel) : "restricted";
    const verbose = argv.includes("--verbose");
    const dirs = argv.filter((a, i) => !a.startsWith("--") && argv[i - 1] !== "--level");
    let problems = 0;
    for (const dir of dirs) {
        let total = 0;
        for (const file of fs.readdirSync(dir).filter(f => f.endsWith(".yaml")).sort()) {
            const docs = YAML.parseAllDocuments(fs.readFileSync(path.join(dir, file), "utf8")).map(d => d.toJS() as Obj).filter(Boolean);
            // Helm test hooks are created only by `helm test` (never by an install or upgrade): counted apart.
            const testHooks = new Set(docs.filter(d => /\btest\b/.test(d.metadata?.annotations?.["helm.sh/hook"] ?? "")).map(d => `${d.kind}/${d.metadata.name}`));
            const all = evaluateManifests(docs, level);
            const results = all.filter(r => !testHooks.has(r.workload));
            const hooks = all.filter(r => testHooks.has(r.workload));
            const n = results.reduce((k, r) => k + r.violations.length, 0);
            const nHooks = hooks.reduce((k, r) => k + r.violations.length, 0);
            const roles = suspiciousRoles(docs);
            const tokens = tokenMounts(docs);
            total += n;
            problems += n + roles.length;
            console.log(`${path.basename(dir)}/${file.replace(/\.yaml$/, "")}: ${n} ${level} violations in ${results.filter(r => r.violations.length).length}/${results.length} workloads; ` +
                `${roles.length} empty/wildcard roles; token mounted in ${tokens.length}` + (hooks.length ? `; helm test hooks: ${nHooks} violations in ${hooks.map(h => h.workload).join(", ")}` : ""));
            for (const r of [...results, ...hooks]) {
                if (r.violations.length === 0) continue;
                const byCheck = new Map<string, string[]>();
                for (const v of r.violations) byCheck.set(v.check, [...(byCheck.get(v.check) ?? []), v.container ?? "pod"]);
                console.log(`    ${r.workload}${testHooks.has(r.workload) ? " (helm test hook)" : ""}: ${[...byCheck].map(([c, w]) => `${c}(${w.join(",")})`).join(" ")}`);
                if (verbose) for (const v of r.violations) console.log(`        ${v.container ?? "pod"} ${v.field}: ${v.message}`);
            }
            for (const x of roles) console.log(`    role ${x}`);
            for (const x of tokens) console.log(`    token ${x}`);
        }
        console.log(`${path.basename(dir)}: ${total} ${level} violations`);
    }
    return problems > 0 ? 1 : 0;
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
