// Turns rule files and alert definitions into what promtool reads: rule files in a folder, and a `promtool test
// rules` file with one firing case (and one quiet case, where given) per alert, with exact expected annotations.
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { AlertDefinition, alertingRule, RuleFile } from "../../components/render/rules/model";
import { tempDir } from "./temp";
import { runToolAsync } from "./tools";

/** Writes each file as `<name>.yaml` into a fresh folder; returns the folder and the file paths. */
export function writeRuleFiles(files: readonly RuleFile[]): { dir: string; paths: string[] } {
    const dir = tempDir("rules");
    const paths = files.map(f => {
        const p = path.join(dir, `${f.name}.yaml`);
        fs.writeFileSync(p, YAML.stringify({ groups: f.groups }));
        return p;
    });
    return { dir, paths };
}

/** Expands `{{ $labels.x }}`; anything else between braces is an error (annotations must be exact to test). */
export function expand(template: string, labels: Record<string, string>): string {
    const out = template.replace(/\{\{ \$labels\.([a-zA-Z_][a-zA-Z0-9_]*) \}\}/g, (_m, name: string) => {
        if (!(name in labels)) throw new Error(`template ${JSON.stringify(template)} reads label ${name}, which the alert does not carry`);
        return labels[name];
    });
    if (out.includes("{{")) throw new Error(`template ${JSON.stringify(template)} uses more than {{ $labels.<name> }}`);
    return out;
}

/** The promtool cases of the definitions: firing (exact labels and annotations), and quiet where given. */
export function alertCases(defs: readonly AlertDefinition[], runbookBase: string): object[] {
    return defs.flatMap(d => {
        const rule = alertingRule(d, runbookBase);
        const firing = {
            interval: "1m",
            name: `${d.alert} fires`,
            input_series: d.fires.series,
            alert_rule_test: [{
                eval_time: d.fires.at,
                alertname: d.alert,
                exp_alerts: d.fires.alerts.map(extra => {
                    const labels = { ...rule.labels, ...extra };
                    return { exp_labels: labels, exp_annotations: Object.fromEntries(Object.entries(rule.annotations).map(([k, v]) => [k, expand(v, labels)])) };
                }),
            }],
        };
        const quiet = d.quiet && {
            interval: "1m",
            name: `${d.alert} stays quiet`,
            input_series: d.quiet.series,
            alert_rule_test: [{ eval_time: d.quiet.at, alertname: d.alert, exp_alerts: [] }],
        };
        return quiet ? [firing, quiet] : [firing];
    });
}

/** `promtool test rules` over the given cases against rule files in `dir`; resolves to [ok, output]. */
export async function promtoolTest(dir: string, name: string, ruleFiles: readonly string[], cases: readonly object[]): Promise<[boolean, string]> {
    const file = path.join(dir, `${name}.tests.yaml`);
    fs.writeFileSync(file, YAML.stringify({ rule_files: ruleFiles.map(f => path.basename(f)), evaluation_interval: "1m", tests: cases }));
    const r = await runToolAsync("promtool", ["test", "rules", file], "prometheus");
    return [r.status === 0, `${r.stdout}${r.stderr}`];
}
