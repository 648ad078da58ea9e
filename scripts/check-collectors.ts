// Validates the rendered collector configs of each given render folder: `tsx scripts/check-collectors.ts out/dev out/prod`.
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { validateCollectorConfig, validateCollectors } from "../components/render/collector/validate";

if (process.argv.length < 3) { console.error("usage: check-collectors <render-dir>..."); process.exit(2); }
let failed = 0;
for (const dir of process.argv.slice(2)) {
    const read = (f: string) => YAML.parse(fs.readFileSync(path.join(dir, "collector", f), "utf8"));
    const problems = [
        ...validateCollectors({ agent: read("agent.yaml"), gateway: read("gateway.yaml") }),
        ...validateCollectorConfig("forwarder", read("alertmanager-forwarder.yaml")),
    ];
    console.log(`${problems.length === 0 ? "ok  " : "FAIL"} ${dir}/collector (agent.yaml, gateway.yaml, alertmanager-forwarder.yaml)`);
    for (const p of problems) console.log(`     - ${p}`);
    failed += problems.length === 0 ? 0 : 1;
}
process.exit(failed ? 1 : 0);
