// The test collectors built from otelcol/*.yaml (`npm run build:otelcol`): the agents' (and Alertmanager's metrics
// forwarder's) and the gateway's, where they are, the test values of the environment placeholders the rendered
// configs use, and their `validate` command.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { CA_USES, SERVER_USES } from "../../components/render/pki";
import { opensslPki } from "./pki";

/** The two distributions: which roles' configs each runs, its manifest. */
export type Distribution = "agent" | "gateway";
const ROOT = path.resolve(__dirname, "../..");
export const MANIFESTS: Readonly<Record<Distribution, string>> = {
    agent: path.join(ROOT, "otelcol/builder.yaml"),
    gateway: path.join(ROOT, "otelcol/gateway.builder.yaml"),
};

/** A distribution's binary, or a failure that says how to build it (tests never skip). */
export function otelcolBinary(d: Distribution = "agent"): string {
    const m = YAML.parse(fs.readFileSync(MANIFESTS[d], "utf8")) as { dist: { name: string; output_path: string } };
    const file = path.join(ROOT, m.dist.output_path, m.dist.name);
    if (!fs.existsSync(file)) throw new Error(`${file} is missing: run npm run build:otelcol (.ci/run builds it)`);
    return file;
}

/** The builder manifest: the release and each component's Go module. */
export function builderManifest(d: Distribution): { version: string; modules: { kind: string; module: string; version: string }[] } {
    const m = YAML.parse(fs.readFileSync(MANIFESTS[d], "utf8")) as Record<string, unknown> & { dist: { version: string } };
    const modules = ["receivers", "processors", "exporters", "extensions", "connectors"].flatMap(kind =>
        ((m[kind] as { gomod: string }[] | undefined) ?? []).map(c => {
            const [module, version] = c.gomod.split(" ");
            return { kind, module, version };
        }));
    return { version: m.dist.version, modules };
}

/** Test values for the `${env:NAME}` placeholders a config uses; an unknown name fails, so each new one is decided here. */
export function placeholderEnv(configText: string): Record<string, string> {
    const names = [...new Set([...configText.matchAll(/\$\{env:([A-Za-z0-9_]+)\}/g)].map(m => m[1]))];
    const value = (name: string): string => {
        if (/_IP$/.test(name)) return "127.0.0.1";
        if (/NODE_NAME$/.test(name)) return "test-node";
        if (name === "POD_NAME") return "alertmanager-0";
        if (name === "KAFKA_BROKERS_LIST") return "[127.0.0.1:9096]";
        if (name === "KAFKA_USERNAME") return "otel-test";
        if (name === "KAFKA_PASSWORD") return "test-password";
        throw new Error(`no test value for \${env:${name}}: add it to test/helpers/otelcol.ts`);
    };
    return Object.fromEntries(names.map(n => [n, value(n)]));
}

/**
 * The pods' mounts the configs name (TLS Secrets, the host's /proc under root_path, the service-account CA), made in
 * `dir` (validate checks that they exist; certificates are checked as files, so a placeholder PEM does), and the
 * config text with those paths pointing there.
 */
let pki: { ca: string; cert: string; key: string } | undefined;
/** A mounted file's test content: a CA certificate (`ca.crt`, `*clients.crt`), a leaf (`*.crt`) and its key, a token. */
function mountFile(name: string): string {
    if (!pki) {
        const { make } = opensslPki("otelcol-validate");
        const ca = make("ca", "/CN=validate CA", CA_USES);
        const leaf = make("leaf", "/CN=validate leaf", [...SERVER_USES, "client_auth"], "ca", ["localhost"]);
        pki = { ca: ca.cert, cert: leaf.cert, key: leaf.key };
    }
    if (name.endsWith(".key")) return pki.key;
    if (name === "ca.crt" || name.endsWith("clients.crt")) return pki.ca;
    if (name.endsWith(".crt")) return pki.cert;
    return "test-token";
}
const MOUNTS = ["/etc/otelcol/tls", "/etc/observability/tls", "/hostfs", "/var/run/secrets/kubernetes.io/serviceaccount"];
function hostPaths(text: string, dir: string): string {
    let out = text;
    for (const [i, mount] of MOUNTS.entries()) {
        const local = path.join(dir, `mount-${i}`);
        fs.mkdirSync(path.join(local, "proc"), { recursive: true });
        for (const f of text.match(new RegExp(`${mount}/[A-Za-z0-9._-]+`, "g")) ?? []) fs.writeFileSync(path.join(local, path.basename(f)), mountFile(path.basename(f)));
        out = out.split(mount).join(local);
    }
    return out;
}

/**
 * kubelet_stats with `auth_type: serviceAccount` reads the pod's token from a fixed path when the pipeline is built,
 * which a test machine does not have: validation sets `auth_type: none` (every other setting stays as rendered).
 */
function withoutPodToken<T extends Record<string, any>>(config: T): T {
    const c = structuredClone(config) as Record<string, any>;
    for (const [id, r] of Object.entries<Record<string, unknown>>(c.receivers ?? {})) {
        if (id.split("/")[0] === "kubelet_stats" && r.auth_type === "serviceAccount") r.auth_type = "none";
    }
    return c as T;
}

/** `validate` of a config file by a distribution, with its placeholders' test values; status and output. */
export function otelcolValidate(file: string, d: Distribution): { status: number | null; output: string } {
    const text = fs.readFileSync(file, "utf8");
    const env = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...placeholderEnv(text) };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "obs-otelcol-validate-"));
    const copy = path.join(dir, path.basename(file));
    fs.writeFileSync(copy, YAML.stringify(withoutPodToken(YAML.parse(hostPaths(text, dir)) as Record<string, unknown>)));
    const r = spawnSync(otelcolBinary(d), ["validate", `--config=file:${copy}`], { encoding: "utf8", env, timeout: 60000 });
    fs.rmSync(dir, { recursive: true, force: true });
    return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

/** The component types built into a distribution (`<binary> components`), by kind, with their Go modules. */
export function otelcolComponents(d: Distribution): Record<string, { name: string; module: string }[]> {
    const r = spawnSync(otelcolBinary(d), ["components"], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`otelcol-obs components failed: ${r.stderr}`);
    return YAML.parse(r.stdout) as Record<string, { name: string; module: string }[]>;
}
