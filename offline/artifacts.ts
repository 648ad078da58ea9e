// Turns an offline run into files under out/<stack>/. Generic: every artifact is `{ path, content }`, produced
// by an extractor that reads the rendered resources. A later area (Helm values, collector configs, rules,
// dashboards) adds one extractor to EXTRACTORS and nothing else.
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { ALERTMANAGER_RELEASE } from "../components/render/backends/alertmanager";
import { FORWARDER_CONFIG_KEY } from "../components/render/backends/alertmanager-forwarder";
import { MIMIR_RULES_CONFIGMAP } from "../components/render/backends/mimir";
import { CapacityReport, DiskReport, formatCapacity, formatDisk } from "../components/render/capacity";
import { policyReport, PolicyReport, renderedResources } from "../policy/harness";
import { policies } from "../policy/policies";
import { Census, censusMarkdown, tlsCensus } from "../components/render/connections/census";
import { NAMESPACE } from "../components/render/pki";
import type { EngineResult, RenderedResource } from "./engine";
import { keyReference } from "./references";

export interface Artifact {
    /** Path relative to the stack's output folder, with `/` separators. */
    readonly path: string;
    readonly content: string;
}

export type Extractor = (run: EngineResult) => Artifact[];

const json = (value: unknown) => JSON.stringify(value, null, 2) + "\n";

/**
 * `resources.json`: every resource as `{ urn, type, name, parent (the parent's URN), id (custom resources), provider
 * (explicit ones), inputs }`.
 */
export const resourcesJson: Extractor = run => [{
    path: "resources.json",
    content: json(run.resources.map(r => ({
        urn: r.urn, type: r.type, name: r.name, parent: r.parent,
        ...(r.id !== undefined ? { id: r.id } : {}), ...(r.provider ? { provider: r.provider } : {}), inputs: r.inputs,
    }))),
}];

/**
 * Mermaid node ids by URN: type and name reduced to `[A-Za-z0-9_]`, readable in diffs and stable when resources are
 * added; the rare reductions that coincide get a numeric suffix.
 */
export function mermaidIds(resources: readonly Pick<RenderedResource, "urn" | "type" | "name">[]): Map<string, string> {
    const ids = new Map<string, string>();
    const taken = new Set<string>();
    for (const r of resources) {
        const base = `${r.type}__${r.name}`.replace(/[^A-Za-z0-9_]/g, "_");
        let id = base;
        for (let n = 2; taken.has(id); n++) id = `${base}_${n}`;
        taken.add(id);
        ids.set(r.urn, id);
    }
    return ids;
}

/** `graph.mmd`: a mermaid flowchart of components and their children. */
export const graphMermaid: Extractor = run => {
    const ids = mermaidIds(run.resources);
    const lines = ["flowchart LR", "  classDef component fill:#e8f0fe,stroke:#1a73e8,stroke-width:2px"];
    for (const r of run.resources) {
        const shortType = r.type.replace(/^pulumi-nodejs:dynamic\//, "dynamic:").split(":").slice(-1)[0];
        const label = `${r.name}<br/><small>${shortType}</small>`.replace(/"/g, "'");
        lines.push(`  ${ids.get(r.urn)}["${label}"]${r.custom ? "" : ":::component"}`);
    }
    for (const r of run.resources) {
        if (r.parent === null) continue;
        const parent = ids.get(r.parent);
        if (parent === undefined) throw new Error(`graph.mmd: ${r.urn} has parent ${r.parent}, which was not rendered`);
        lines.push(`  ${parent} --> ${ids.get(r.urn)}`);
    }
    return [{ path: "graph.mmd", content: lines.join("\n") + "\n" }];
};

/** `summary.md`: resource counts per type and what a newcomer should read first. */
export const summaryMarkdown: Extractor = run => {
    const counts = new Map<string, number>();
    for (const r of run.resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
    const rows = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    const components = run.resources.filter(r => !r.custom).map(r => `\`${r.name}\` (${r.type})`);
    const text = [
        `# Stack \`${run.files.stack}\`: what \`pulumi up\` would create`,
        "",
        `${run.resources.length} resources (${run.resources.filter(r => r.custom).length} cloud/provider resources, ${components.length} components).`,
        "",
        "## Read first",
        "",
        "1. `README.md`: what the platform is and how to deploy it; `docs/configuration.md`: every config key.",
        `2. \`Pulumi.${run.files.stack}.yaml\`: this stack's settings; \`components/config/\` for defaults and validation.`,
        "3. `index.ts`: how the components are wired (config → plan → components).",
        "4. `graph.mmd` (this folder): the component tree; `resources.json`: every input of every resource.",
        ...(run.resources.some(r => r.type === "aws:ec2/instance:Instance")
            ? ["5. `host/cloud-init.yaml` and `host/files/`: exactly what boots on the k3s host."]
            : []),
        "",
        "## Backend requests",
        "",
        capacityLine(run),
        ...(run.plainOutputs.dataVolume ? ["", `Data volume: ${formatDisk(run.plainOutputs.dataVolume as DiskReport)}`] : []),
        "",
        "## Components",
        "",
        ...components.map(c => `- ${c}`),
        "",
        "## Resources per type",
        "",
        "| type | count |",
        "| --- | ---: |",
        ...rows.map(([type, n]) => `| \`${type}\` | ${n} |`),
        "",
        "## Stack outputs",
        "",
        run.outputNames.map(n => `\`${n}\``).join(", "),
        "",
    ].join("\n");
    return [{ path: "summary.md", content: text }];
};

/** The summed requests of the backend releases, as the program reported them (`backendRequests` output). */
export function capacityLine(run: EngineResult): string {
    const report = run.plainOutputs.backendRequests as CapacityReport | undefined;
    return report ? formatCapacity(report) : "(the program reported no backend requests)";
}

export const HELM_RELEASE_TYPE = "kubernetes:helm.sh/v3:Release";

/** One entry of `helm/releases.json`. */
export interface ReleaseEntry {
    name: string;
    chart: string;
    version: string;
    repository: string;
    namespace: string;
    values: string;
}

/**
 * `helm/releases.json` and `helm/<name>.values.yaml`: every Helm release with its pinned chart and the values
 * exactly as passed to it (secrets appear as `[secret]`).
 */
export const helmReleases: Extractor = run => {
    const releases = run.resources.filter(r => r.type === HELM_RELEASE_TYPE);
    if (releases.length === 0) return [];
    const entries: ReleaseEntry[] = [];
    const files: Artifact[] = [];
    for (const r of releases) {
        const i = r.inputs as { name?: string; chart?: string; version?: string; namespace?: string; repositoryOpts?: { repo?: string }; values?: unknown };
        if (!i.name || !i.chart || !i.version || !i.repositoryOpts?.repo) throw new Error(`release ${r.name} is not pinned (name, chart, version and repository are required)`);
        const valuesFile = `${i.name}.values.yaml`;
        entries.push({ name: i.name, chart: i.chart, version: i.version, repository: i.repositoryOpts.repo, namespace: i.namespace ?? "default", values: valuesFile });
        files.push({ path: `helm/${valuesFile}`, content: YAML.stringify(i.values ?? {}, { lineWidth: 0, aliasDuplicateObjects: false }) });
    }
    entries.sort((a, b) => a.name.localeCompare(b.name));
    return [{ path: "helm/releases.json", content: json(entries) }, ...files];
};

/** Collector config file per role, from the release of each `opentelemetry-collector` chart. */
const COLLECTOR_FILES: Readonly<Record<string, string>> = { "otel-agent": "collector/agent.yaml", "otel-gateway": "collector/gateway.yaml" };

/**
 * `collector/agent.yaml` and `collector/gateway.yaml`: the collector configs exactly as the releases pass them
 * (`alternateConfig`, which the chart writes to the ConfigMap unmerged).
 */
export const collectorConfigs: Extractor = run => run.resources
    .filter(r => r.type === HELM_RELEASE_TYPE && (r.inputs as { chart?: string }).chart === "opentelemetry-collector")
    .map(r => {
        const i = r.inputs as { name: string; values?: { alternateConfig?: unknown } };
        const file = COLLECTOR_FILES[i.name];
        if (!file || !i.values?.alternateConfig) throw new Error(`collector release ${i.name} has no known role or no alternateConfig`);
        return { path: file, content: YAML.stringify(i.values.alternateConfig, { lineWidth: 0, aliasDuplicateObjects: false }) };
    });

/** `rules/<file>.yaml`: the rule files exactly as the ruler's ConfigMap mounts them. */
export const ruleFileArtifacts: Extractor = run => run.resources
    .filter(r => r.type === "kubernetes:core/v1:ConfigMap" && (r.inputs as { metadata?: { name?: string } }).metadata?.name === MIMIR_RULES_CONFIGMAP)
    .flatMap(r => Object.entries((r.inputs as { data?: Record<string, string> }).data ?? {}).map(([file, content]) => ({ path: `rules/${file}`, content })));

/**
 * `alertmanager/alertmanager.yaml`: the configuration the Alertmanager release runs (the chart writes `config` as is);
 * `collector/alertmanager-forwarder.yaml`: its metrics sidecar's collector config (a file of the chart's `templates`).
 */
export const alertmanagerConfigArtifact: Extractor = run => run.resources
    .filter(r => r.type === HELM_RELEASE_TYPE && (r.inputs as { name?: string }).name === ALERTMANAGER_RELEASE)
    .flatMap(r => {
        const values = (r.inputs as { values?: { config?: unknown; templates?: Record<string, unknown> } }).values;
        const forwarder = values?.templates?.[FORWARDER_CONFIG_KEY];
        return [
            { path: "alertmanager/alertmanager.yaml", content: YAML.stringify(values?.config ?? {}, { lineWidth: 0 }) },
            ...(typeof forwarder === "string" ? [{ path: "collector/alertmanager-forwarder.yaml", content: forwarder }] : []),
        ];
    });

/** `dashboards/<uid>.json`: each dashboard exactly as the Grafana provider uploads it. */
export const dashboardArtifacts: Extractor = run => run.resources
    .filter(r => r.type === "grafana:oss/dashboard:Dashboard")
    .map(r => {
        const model = JSON.parse(String((r.inputs as { configJson?: string }).configJson)) as { uid?: string };
        if (!model.uid) throw new Error(`dashboard ${r.name} has no uid`);
        return { path: `dashboards/${model.uid}.json`, content: json(model) };
    });

/** `host/cloud-init.yaml` and every file it writes, as its own file under `host/files/`. */
export const hostCloudInit: Extractor = run => {
    const hosts = run.resources.filter(r => r.type === "aws:ec2/instance:Instance" && typeof r.inputs.userData === "string");
    return hosts.flatMap((host: RenderedResource) => {
        const dir = hosts.length === 1 ? "host" : `host/${host.name}`;
        const userData = host.inputs.userData as string;
        const doc = YAML.parse(userData) as { write_files?: { path: string; content: string }[] };
        return [
            { path: `${dir}/cloud-init.yaml`, content: userData },
            ...(doc.write_files ?? []).map(f => ({ path: `${dir}/files${f.path}`, content: f.content })),
        ];
    });
};

/** `policy-report.json`: the CrossGuard pack (default configuration) over the resources of `resources.json`. */
export async function policyReportArtifact(run: EngineResult): Promise<{ artifact: Artifact; report: PolicyReport }> {
    const report = await policyReport(policies, run.files.stack, renderedResources(run.resources, run.files.stack));
    return { artifact: { path: "policy-report.json", content: json(report) }, report };
}

/** Every extractor, in order. */
/** The TLS census of the run: every connection with its TLS, from the rendered configs. */
export function runCensus(run: EngineResult): Census {
    return tlsCensus({ namespace: NAMESPACE, resources: run.resources, reference: keyReference });
}

/** `connections.md`: the TLS census as tables (servers, then every client → server connection). */
export const connectionsMarkdown: Extractor = run => [{ path: "connections.md", content: censusMarkdown(run.files.stack, runCensus(run)) }];

export const EXTRACTORS: readonly Extractor[] = [
    resourcesJson, graphMermaid, summaryMarkdown, hostCloudInit, helmReleases, collectorConfigs, ruleFileArtifacts, alertmanagerConfigArtifact, dashboardArtifacts,
    connectionsMarkdown,
];

const PRIVATE_KEY_RE = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;

/** Refuses content that holds a private key or any of the given secret values. */
export function assertNoSecrets(artifacts: readonly Artifact[], secretValues: readonly string[]): void {
    for (const a of artifacts) {
        if (PRIVATE_KEY_RE.test(a.content)) throw new Error(`refusing to write ${a.path}: it contains a PEM private key`);
        for (const s of secretValues) {
            if (s.length >= 8 && a.content.includes(s)) throw new Error(`refusing to write ${a.path}: it contains a secret value`);
        }
    }
}

/** Builds every artifact of a run. */
export function buildArtifacts(run: EngineResult, extractors: readonly Extractor[] = EXTRACTORS): Artifact[] {
    const artifacts = extractors.flatMap(e => e(run));
    const paths = new Set<string>();
    for (const a of artifacts) {
        if (paths.has(a.path)) throw new Error(`two artifacts want ${a.path}`);
        if (a.path.startsWith("/") || a.path.split("/").includes("..")) throw new Error(`artifact path escapes the output folder: ${a.path}`);
        paths.add(a.path);
    }
    return artifacts;
}

/** Replaces `outDir` with the given artifacts. */
export function writeArtifacts(outDir: string, artifacts: readonly Artifact[]): void {
    fs.rmSync(outDir, { recursive: true, force: true });
    for (const a of artifacts) {
        const file = path.join(outDir, ...a.path.split("/"));
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, a.content);
    }
}
