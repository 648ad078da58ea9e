// The test collector built from otelcol/builder.yaml (`npm run build:otelcol`): where it is, the test values of the
// environment placeholders the rendered configs use, and its `validate` command.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { CA_USES, SERVER_USES } from "../../components/render/pki";
import { opensslPki } from "./pki";

export const OTELCOL = path.resolve(__dirname, "../../.cache/otelcol/src/otelcol-obs");
const MANIFEST = path.resolve(__dirname, "../../otelcol/builder.yaml");

/** The binary, or a failure that says how to build it (tests never skip). */
export function otelcolBinary(): string {
    if (!fs.existsSync(OTELCOL)) throw new Error(`${OTELCOL} is missing: run npm run build:otelcol (.ci/run builds it)`);
    return OTELCOL;
}

/** The builder manifest: the release and each component's Go module. */
export function builderManifest(): { version: string; modules: { kind: string; module: string; version: string }[] } {
    const m = YAML.parse(fs.readFileSync(MANIFEST, "utf8")) as Record<string, unknown> & { dist: { version: string } };
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
 * Components the test collector lacks because the module proxy does not serve them at the release (otelcol/
 * builder.yaml says why), each with the stand-in the tests put in its place: an OTLP receiver for the Kafka receiver
 * (the same signals arrive, from a network peer). Only the tests use a stand-in; the stacks deploy the contrib image.
 */
export const NOT_BUILT: Readonly<Record<string, { kind: "receivers"; standIn: Record<string, unknown> }>> = {
    kafka: { kind: "receivers", standIn: { protocols: { grpc: { endpoint: "127.0.0.1:0" } } } },
};

/** A config with each component the build lacks replaced by its stand-in (`otlp/<type>-stand-in`), pipelines too. */
export function withStandIns<T extends Record<string, any>>(config: T): T {
    const c = structuredClone(config) as Record<string, any>;
    for (const [type, { kind, standIn }] of Object.entries(NOT_BUILT)) {
        for (const id of Object.keys(c[kind] ?? {}).filter(i => i.split("/")[0] === type)) {
            const replacement = `otlp/${id.replace("/", "-")}-stand-in`;
            c[kind][replacement] = structuredClone(standIn);
            delete c[kind][id];
            for (const p of Object.values<Record<string, string[]>>(c.service?.pipelines ?? {})) p[kind] = (p[kind] ?? []).map(x => (x === id ? replacement : x));
        }
    }
    return c as T;
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

/** `otelcol-obs validate` of a config file (stand-ins in place), with its placeholders' test values; status and output. */
export function otelcolValidate(file: string): { status: number | null; output: string } {
    const text = fs.readFileSync(file, "utf8");
    const env = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...placeholderEnv(text) };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "obs-otelcol-validate-"));
    const copy = path.join(dir, path.basename(file));
    fs.writeFileSync(copy, YAML.stringify(withoutPodToken(withStandIns(YAML.parse(hostPaths(text, dir)) as Record<string, unknown>))));
    const r = spawnSync(otelcolBinary(), ["validate", `--config=file:${copy}`], { encoding: "utf8", env, timeout: 60000 });
    fs.rmSync(dir, { recursive: true, force: true });
    return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

/** The component types built into the binary (`otelcol-obs components`), by kind, with their Go modules. */
export function otelcolComponents(): Record<string, { name: string; module: string }[]> {
    const r = spawnSync(otelcolBinary(), ["components"], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`otelcol-obs components failed: ${r.stderr}`);
    return YAML.parse(r.stdout) as Record<string, { name: string; module: string }[]>;
}
