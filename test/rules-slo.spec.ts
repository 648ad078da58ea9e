// SLO burn-rate rules from declared SLOs, checked and run by the real promtool: each alert fires on data that burns
// its budget at its rate, and stays silent on data that burns slower.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import type { AlertingRule } from "../components/render/rules/model";
import { BURN_RATE_ALERTS, SloSpec, sloRuleGroups, validateSlo } from "../components/render/rules/slo";
import { runTool, tempFile } from "./helpers/tools";

const SLOS: SloSpec[] = [
    { name: "checkout-availability", service: "checkout", sli: "availability", objective: 0.999, windowDays: 30 },
    { name: "search-latency", service: "search", sli: "latency", objective: 0.99, latencySeconds: 0.256, windowDays: 28 },
];
const runbook = (alert: string) => `https://runbooks.example/docs/runbooks.md#${alert.toLowerCase()}`;

/** Span-metrics counters of a service over `minutes` at one sample a minute: `perMinute` calls, `errorRatio` of them failing. */
function calls(service: string, perMinute: number, errorRatio: number, minutes: number) {
    const errors = perMinute * errorRatio;
    const base = `traces_spanmetrics_calls_total{service="${service}", span_kind="SPAN_KIND_SERVER"`;
    return [
        { series: `${base}, status_code="STATUS_CODE_OK"}`, values: `0+${perMinute - errors}x${minutes}` },
        { series: `${base}, status_code="STATUS_CODE_ERROR"}`, values: `0+${errors}x${minutes}` },
    ];
}

/** Latency histogram counters: `slowRatio` of the calls take longer than the 0.256 s bucket. */
function latency(service: string, perMinute: number, slowRatio: number, minutes: number) {
    const labels = `service="${service}", span_kind="SPAN_KIND_SERVER", status_code="STATUS_CODE_OK"`;
    return [
        { series: `traces_spanmetrics_latency_bucket{${labels}, le="0.256"}`, values: `0+${perMinute * (1 - slowRatio)}x${minutes}` },
        { series: `traces_spanmetrics_latency_count{${labels}}`, values: `0+${perMinute}x${minutes}` },
    ];
}

describe("SLO burn-rate rules (promtool)", () => {
    const groups = sloRuleGroups(SLOS, runbook);
    const rulesFile = tempFile("slo.rules.yaml", YAML.stringify({ groups }));
    const alert = (slo: string, name: string) => groups.find(g => g.name === `slo-${slo}`)!.rules.find(r => "alert" in r && r.alert === name) as AlertingRule;
    const firing = (slo: string, name: string) => {
        const a = alert(slo, name);
        return [{ exp_labels: a.labels, exp_annotations: a.annotations }];
    };

    it("renders recording rules per window and the two alerts per SLO, which promtool accepts", () => {
        const check = runTool("promtool", ["check", "rules", rulesFile], "prometheus");
        assert.equal(check.status, 0, check.stdout + check.stderr);
        // 7 windows (+ the SLO window) + objective + budget left + 2 alerts, per SLO.
        assert.match(check.stdout, /SUCCESS: 24 rules found/);
        const fast = alert("checkout-availability", "SLOErrorBudgetBurnFast");
        assert.equal(fast.expr, '(slo:sli_error:ratio_rate1h{slo="checkout-availability"} > 0.0144 and slo:sli_error:ratio_rate5m{slo="checkout-availability"} > 0.0144)\nor\n'
            + '(slo:sli_error:ratio_rate6h{slo="checkout-availability"} > 0.006 and slo:sli_error:ratio_rate30m{slo="checkout-availability"} > 0.006)');
        assert.equal(fast.annotations.runbook_url, "https://runbooks.example/docs/runbooks.md#sloerrorbudgetburnfast");
        assert.deepEqual(BURN_RATE_ALERTS.map(a => a.conditions.map(c => [c.factor, c.long, c.short])), [[[14.4, "1h", "5m"], [6, "6h", "30m"]], [[3, "1d", "2h"], [1, "3d", "6h"]]]);
    });

    it("pages on a fast burn, tickets on a slow one, and stays silent on a healthy service", () => {
        const tests = {
            rule_files: [path.basename(rulesFile)],
            evaluation_interval: "1m",
            tests: [
                {   // checkout: 50% errors → both alerts (fast burn pages; it also burns the slow budget)
                    interval: "1m",
                    input_series: [...calls("checkout", 100, 0.5, 90), ...latency("search", 100, 0.2, 90)],
                    alert_rule_test: [
                        { eval_time: "1m", alertname: "SLOErrorBudgetBurnFast", exp_alerts: [] }, // pending for 2m first
                        { eval_time: "60m", alertname: "SLOErrorBudgetBurnFast", exp_alerts: [...firing("checkout-availability", "SLOErrorBudgetBurnFast"), ...firing("search-latency", "SLOErrorBudgetBurnFast")] },
                    ],
                },
                {   // 0.5% errors: above 3× a 0.1% budget, below 6× → ticket, no page
                    interval: "1m",
                    input_series: calls("checkout", 1000, 0.005, 120),
                    alert_rule_test: [
                        { eval_time: "100m", alertname: "SLOErrorBudgetBurnSlow", exp_alerts: firing("checkout-availability", "SLOErrorBudgetBurnSlow") },
                        { eval_time: "100m", alertname: "SLOErrorBudgetBurnFast", exp_alerts: [] },
                    ],
                },
                {   // 0.05% errors: half the budget → nothing, and half the budget left
                    interval: "1m",
                    input_series: calls("checkout", 1000, 0.0005, 120),
                    alert_rule_test: [
                        { eval_time: "100m", alertname: "SLOErrorBudgetBurnSlow", exp_alerts: [] },
                        { eval_time: "100m", alertname: "SLOErrorBudgetBurnFast", exp_alerts: [] },
                    ],
                    promql_expr_test: [{
                        expr: 'slo:error_budget_remaining:ratio{slo="checkout-availability"}', eval_time: "100m",
                        exp_samples: [{ labels: 'slo:error_budget_remaining:ratio{slo="checkout-availability", service="checkout", sli="availability"}', value: 0.5 }],
                    }],
                },
            ],
        };
        const file = path.join(path.dirname(rulesFile), "slo.test.yaml");
        fs.writeFileSync(file, YAML.stringify(tests));
        const run = runTool("promtool", ["test", "rules", file], "prometheus");
        assert.equal(run.status, 0, run.stdout + run.stderr);
    });

    it("refuses SLOs the rules cannot express, naming the SLO, the field and what is allowed", () => {
        const bad: Array<[Partial<SloSpec>, RegExp]> = [
            [{ name: "Checkout SLO" }, /name must be lower-case letters, digits and dashes/],
            [{ objective: 0.5 }, /objective 0\.5 must be above 0\.9 and below 1/],
            [{ objective: 1 }, /objective 1 must be above 0\.9 and below 1/],
            [{ windowDays: 365 }, /windowDays 365 must be a whole number of days from 7 to 90/],
            [{ sli: "latency", latencySeconds: 0.3 }, /latencySeconds 0\.3 must be one of the span-metrics buckets: 0\.002, 0\.004, .*0\.256, 0\.512, 1\.024/],
            [{ latencySeconds: 0.256 }, /latencySeconds applies only to sli latency/],
            [{ service: 'a"b' }, /service "a\\"b" must be a non-empty label value/],
        ];
        for (const [change, message] of bad) {
            const problems = validateSlo({ ...SLOS[0], ...change });
            assert.ok(problems.some(p => message.test(p)), `${JSON.stringify(change)}: ${problems.join("; ")}`);
        }
        assert.throws(() => sloRuleGroups([SLOS[0], SLOS[0]], runbook), /slo checkout-availability: declared twice/);
    });
});
