// The rule catalogue, checked and run by the real promtool: every file passes `promtool check rules`, every alert
// fires on its own case with exactly the expected labels and annotations, the noisy ones stay silent on healthy
// data, and every alert has its section in docs/runbooks.md.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { alertDefinitions, catalogueFiles, ruleCounts, ruleFiles, RulesInput } from "../components/render/rules/index";
import { isAlert, SEVERITIES } from "../components/render/rules/model";
import { alertCases, promtoolTest, writeRuleFiles } from "./helpers/rules";
import { runTool } from "./helpers/tools";

const RUNBOOKS = "https://example.org/observability-stack/docs/runbooks.md";
const INPUT: RulesInput = {
    runbookBaseUrl: RUNBOOKS,
    slos: [{ name: "checkout-availability", service: "checkout", sli: "availability", objective: 0.999, windowDays: 30 }],
    red: { errorRatio: 0.05, latencyP95Seconds: 1, serviceLatencyP95Seconds: { search: 0.5, "payments.api": 2 } },
    genAi: { prices: [{ model: "gpt-4o", inputUsdPerMillionTokens: 2.5, outputUsdPerMillionTokens: 10 }], dailyBudgetUsd: 50, latencyP95Seconds: 20 },
    certificates: [
        { certificate: "root-ca", kind: "ca", notAfter: "2036-11-25T00:00:00Z" },
        { certificate: "loki", kind: "server", notAfter: "2027-11-25T00:00:00Z" },
    ],
    // 3 brokers of 100 GiB, 24 h: the retained records with 3 replicas may take in about 0.99 MB/s.
    kafkaDisk: { brokers: 3, volumeGiB: 100, retentionHours: 24 },
};

/** Level-2 headings of the runbooks page. */
export function runbookSections(): string[] {
    const md = fs.readFileSync(path.join(__dirname, "..", "docs", "runbooks.md"), "utf8");
    return [...md.matchAll(/^## (.+)$/gm)].map(m => m[1].trim());
}

describe("rule catalogue (promtool)", () => {
    const files = ruleFiles(INPUT);
    const defs = alertDefinitions(INPUT);
    const { dir, paths } = writeRuleFiles(files);

    it("renders at least 60 alerts and 30 recording rules, which promtool accepts", () => {
        const counts = ruleCounts(files);
        assert.ok(counts.alerting >= 60, `${counts.alerting} alerts`);
        assert.ok(counts.recording >= 30, `${counts.recording} recording rules`);
        const r = runTool("promtool", ["check", "rules", ...paths], "prometheus");
        assert.equal(r.status, 0, r.stdout + r.stderr);
        const found = [...r.stdout.matchAll(/SUCCESS: (\d+) rules found/g)].reduce((n, m) => n + Number(m[1]), 0);
        assert.equal(found, counts.alerting + counts.recording);
    });

    it("gives every alert a severity, a summary, a description and its own runbook link", () => {
        const names = files.flatMap(f => f.groups.flatMap(g => g.rules.filter(isAlert)));
        for (const a of names) {
            assert.ok(a.labels.severity in SEVERITIES, `${a.alert}: severity ${a.labels.severity}`);
            assert.ok(a.annotations.summary && a.annotations.description, `${a.alert}: summary and description`);
            assert.equal(a.annotations.runbook_url, `${RUNBOOKS}#${a.alert.toLowerCase()}`);
        }
        const unique = new Set(defs.map(d => d.alert));
        assert.equal(unique.size, defs.length, "alert names are unique in the catalogue");
    });

    it("fires every alert on its case, with exact labels and annotations, and keeps the noisy ones quiet", async function () {
        this.timeout(300000);
        // One promtool run per rule file (its cases need only its rules), two at a time.
        const byFile = Object.entries(catalogueFiles(INPUT)).map(([name, groups]) => ({ name, defs: groups.flatMap(g => g.alerts) }));
        assert.equal(byFile.reduce((n, f) => n + f.defs.length, 0), defs.length);
        const failures: string[] = [];
        for (let i = 0; i < byFile.length; i += 2) {
            const results = await Promise.all(byFile.slice(i, i + 2).map(f => promtoolTest(dir, f.name, [path.join(dir, `${f.name}.yaml`)], alertCases(f.defs, RUNBOOKS))));
            for (const [ok, out] of results) if (!ok) failures.push(out);
        }
        assert.deepEqual(failures, []);
    });

    it("has a runbook section for every alert, and no section for an alert that does not exist", () => {
        const alerts = new Set(files.flatMap(f => f.groups.flatMap(g => g.rules.filter(isAlert).map(a => a.alert))));
        const sections = runbookSections();
        const missing = [...alerts].filter(a => !sections.includes(a));
        assert.deepEqual(missing, [], `docs/runbooks.md lacks sections: ${missing.join(", ")}`);
        const orphans = sections.filter(s => !alerts.has(s));
        assert.deepEqual(orphans, [], `docs/runbooks.md has sections for no alert: ${orphans.join(", ")}`);
    });
});
