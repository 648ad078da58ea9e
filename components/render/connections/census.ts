// The TLS census: every client → server connection of a rendered stack, read from what the program renders (the Helm
// releases' values and the program configs inside them, the collector configs, Grafana's datasources, the ingress),
// with the TLS each side sets. A connection is sound when it is TLS, the client verifies the server against the
// stack CA (or, for a service outside the stack, the system roots) by a name among the server certificate's SANs, and
// presents a client certificate where the server requires one; a server serves its server certificate (server_auth
// only) and a client presents its client certificate (client_auth only). Pure: no provider SDK, no Outputs.
import * as YAML from "yaml";
import { TLS_FILES, tlsSecretName, type Values } from "../backends/common";
import { COLLECTOR_TLS } from "../collector/otel";
import { SERVER_IDENTITIES, serverDnsNames } from "../pki";
import { forwarderConfigOf } from "../backends/alertmanager-forwarder";
import { GRAFANA_SERVER_TLS_DIR, GRAFANA_UPSTREAM_CA_SECRET } from "../backends/grafana";
import { type Activity, type BlockContext, classify, get, tlsCapableBlocks } from "./dskit";

/** A program config key reference (`reference/configs/<program>-<version>.keys.json`). */
export interface KeyReference {
    readonly program: string;
    readonly version: string;
    readonly keys: Readonly<Record<string, string>>;
}

/** What the census reads: the rendered resources (type, name, inputs), and the key reference of each program. */
export interface CensusInput {
    readonly namespace: string;
    readonly domain?: string;
    readonly resources: readonly { type: string; name: string; inputs: Record<string, unknown> }[];
    /** The key reference of a program at a version, e.g. `("mimir", "3.1.2")`. */
    readonly reference: (program: string, version: string) => KeyReference;
}

/** How a server treats client certificates. */
export type ClientAuth = "required" | "verified if given" | "not requested";

export interface Server {
    readonly key: string;
    readonly tls: boolean;
    readonly clientAuth: ClientAuth;
    /** Why a TLS server does not require a client certificate. */
    readonly why?: string;
    /** The certificate file it serves. */
    readonly certFile?: string;
}

export interface Connection {
    readonly client: string;
    /** `<release>:<port>` of a stack server, or an outside service. */
    readonly server: string;
    /** Where the client's settings are: file and key path. */
    readonly via: string;
    readonly tls: boolean;
    /** `stack CA`, `system roots`, `cluster CA`, or what else the client trusts. */
    readonly ca: string;
    readonly serverName?: string;
    readonly clientCert: boolean;
    /** The certificate file it presents, when it presents one from a file. */
    readonly clientCertFile?: string;
    readonly problems: readonly string[];
}

export interface Census {
    readonly servers: readonly Server[];
    readonly connections: readonly Connection[];
    /** Blocks of the program configs that the rules do not classify, and servers without TLS. */
    readonly problems: readonly string[];
}

const HELM_RELEASE = "kubernetes:helm.sh/v3:Release";
const STACK_CA_FILES = new Set([TLS_FILES.ca, COLLECTOR_TLS.ca, "$__file{/etc/grafana/observability-tls/ca.crt}"]);
/** The mounts of the stack's server certificates (server_auth only), and of its client certificates (client_auth only). */
const SERVER_CERT_FILES = new Set([TLS_FILES.cert, COLLECTOR_TLS.cert, `${GRAFANA_SERVER_TLS_DIR}/tls.crt`]);
const CLIENT_CERT_FILES = new Set([TLS_FILES.clientCert, COLLECTOR_TLS.clientCert, "$__file{/etc/grafana/observability-tls/tls.crt}"]);
const str = (v: unknown) => (typeof v === "string" ? v : undefined);
/** Which program and version each chart runs (the charts' appVersion). */
const PROGRAMS: Readonly<Record<string, { program: string; version: string }>> = {
    "mimir-distributed": { program: "mimir", version: "3.1.2" },
    loki: { program: "loki", version: "3.7.6" },
    tempo: { program: "tempo", version: "2.10.8" },
    "tempo-distributed": { program: "tempo", version: "2.10.7" },
};
const isObject = (v: unknown): v is Values => typeof v === "object" && v !== null && !Array.isArray(v);
/** The host of an endpoint (`dns:///h:p`, `https://h:p/path`, `h:p`). */
export const host = (endpoint: string) => endpoint.replace(/^[a-z]+:\/\//, "").replace(/^dns:\/\/\//, "").split(/[:/]/)[0];

interface Release { name: string; chart: string; values: Values }

/** What a client trusts, from its CA file: the stack CA (a mount of it), that file, or the system roots when none. */
function trustOf(caFile: string | undefined): string {
    return caFile ? (STACK_CA_FILES.has(caFile) ? "stack CA" : caFile) : "system roots";
}

/** A server's client-certificate mode, from its exporter-toolkit/dskit `client_auth_type`. */
function clientAuthOf(cfg: unknown): ClientAuth {
    const t = get(cfg, "client_auth_type");
    return t === "RequireAndVerifyClientCert" ? "required" : t === "VerifyClientCertIfGiven" ? "verified if given" : "not requested";
}

/** The program config a dskit chart renders, from the values it copies into it. */
export function programConfig(r: Release): Values {
    const v = r.values;
    switch (r.chart) {
        case "mimir-distributed": return (get(v, "mimir.structuredConfig") as Values) ?? {};
        case "loki": {
            const loki = (v.loki as Values) ?? {};
            return { server: loki.server, limits_config: loki.limits_config, compactor: loki.compactor, ...(loki.structuredConfig as Values) };
        }
        case "tempo": return typeof v.config === "string" ? (YAML.parse(v.config) as Values) : {};
        default: return (get(v, "tempo.structuredConfig") as Values) ?? {};
    }
}

/** The list items a block path stands for: `a[].b` expands over the list at `a`. */
function blockValues(config: Values, block: string): unknown[] {
    const [head, ...rest] = block.split("[]");
    if (rest.length === 0) return [get(config, block)];
    const list = get(config, head);
    return Array.isArray(list) ? list.map(item => get(item, rest.join("[]").replace(/^\./, ""))) : [];
}

function dskitServers(r: Release, config: Values): Server[] {
    const tlsOf = (port: string, cfg: unknown, why?: string): Server => ({
        key: `${r.name}:${port}`, tls: isObject(cfg) && Boolean(cfg.cert_file), clientAuth: clientAuthOf(cfg), why, certFile: str(get(cfg, "cert_file")),
    });
    const servers = [
        tlsOf("http", get(config, "server.http_tls_config"), "kubelet probes it without a client certificate"),
        tlsOf("grpc", get(config, "server.grpc_tls_config")),
        { key: `${r.name}:gossip`, tls: get(config, "memberlist.tls_enabled") === true, clientAuth: "not requested" as const, why: "dskit's memberlist listener has no client-certificate setting",
            certFile: str(get(config, "memberlist.tls_cert_path")) },
    ];
    // OTLP receivers of Tempo's distributor (the gateway's traces).
    const otlp = r.chart === "tempo" ? get(config, "distributor.receivers.otlp.protocols.grpc.tls") : get(r.values, "traces.otlp.grpc.receiverConfig.tls");
    if (otlp !== undefined || r.chart.startsWith("tempo")) servers.push({ key: `${r.name}:otlp-grpc`, tls: Boolean(get(otlp, "cert_file")), clientAuth: get(otlp, "client_ca_file") ? "required" : "not requested", certFile: str(get(otlp, "cert_file")) });
    return servers;
}

/** Memcached servers of a release's caches: TLS when `-Z` is among the args, client certificates at verify mode 2. */
function memcachedServer(r: Release): Server | undefined {
    const sections = Object.entries(r.values).filter(([k, v]) => /cache$|^memcached$/i.test(k) && get(v, "enabled") === true);
    if (sections.length === 0) return undefined;
    const tls = sections.every(([, v]) => {
        const args = get(v, "extraArgs");
        const text = Array.isArray(args) ? args.join(" ") : `${isObject(args) && "Z" in args ? "-Z " : ""}${get(v, "extraExtendedOptions") ?? ""}`;
        return /(^|\s)-Z(\s|$)/.test(text) && /ssl_chain_cert=/.test(text) && /ssl_verify_mode=2/.test(text);
    });
    const chain = /ssl_chain_cert=([^,\s"]+)/.exec(sections.map(([, v]) => JSON.stringify(v)).join(" "))?.[1];
    return { key: `${r.name}:memcached`, tls, clientAuth: tls ? "required" : "not requested", certFile: chain };
}

/** A dskit-style client block (`tls_enabled`, `tls_ca_path`, `tls_server_name`, `tls_cert_path`). */
function dskitClient(client: string, server: string, via: string, cfg: unknown, tlsByScheme?: boolean): Omit<Connection, "problems"> {
    const tls = (tlsByScheme ?? true) && get(cfg, "tls_enabled") === true && get(cfg, "tls_insecure_skip_verify") !== true;
    const ca = get(cfg, "tls_ca_path") as string | undefined;
    return {
        client, server, via, tls, ca: trustOf(ca), serverName: get(cfg, "tls_server_name") as string | undefined,
        clientCert: Boolean(get(cfg, "tls_cert_path") && get(cfg, "tls_key_path")), clientCertFile: str(get(cfg, "tls_cert_path")),
    };
}

/** A Prometheus-style `tls_config` (remote write, scrapes) on an `https` or `http` URL. */
function promClient(client: string, server: string, via: string, scheme: string, cfg: unknown): Omit<Connection, "problems"> {
    const ca = get(cfg, "ca_file") as string | undefined;
    return {
        client, server, via, tls: scheme === "https" && get(cfg, "insecure_skip_verify") !== true,
        ca: trustOf(ca), serverName: get(cfg, "server_name") as string | undefined,
        clientCert: Boolean(get(cfg, "cert_file") && get(cfg, "key_file")), clientCertFile: str(get(cfg, "cert_file")),
    };
}

/** The census of a rendered stack. */
export function tlsCensus(input: CensusInput): Census {
    const releases: Release[] = input.resources.filter(r => r.type === HELM_RELEASE).map(r => {
        const i = r.inputs as { name: string; chart: string; values?: Values };
        return { name: i.name, chart: i.chart, values: i.values ?? {} };
    });
    const problems: string[] = [];
    const servers: Server[] = [];
    const conns: Omit<Connection, "problems">[] = [];
    /** The stack server a host name belongs to: the release whose certificate lists it. */
    const releaseOfHost = (h: string) => SERVER_IDENTITIES.find(id => serverDnsNames(id, input.domain, input.namespace).includes(h))?.name;
    const configs = new Map<string, Values>();

    for (const r of releases) {
        const program = PROGRAMS[r.chart];
        if (program) {
            const config = programConfig(r);
            configs.set(r.name, config);
            const distributed = r.chart === "tempo-distributed" || r.chart === "mimir-distributed" || get(r.values, "deploymentMode") === "Distributed";
            servers.push(...dskitServers(r, config));
            const ref = input.reference(program.program, program.version);
            const ctx: BlockContext = { release: r.name, config, values: r.values, distributed };
            for (const block of tlsCapableBlocks(ref.keys)) {
                const activity: Activity | undefined = classify(program.program, ctx, block);
                if (!activity) { problems.push(`${r.name}: ${program.program} ${program.version} block ${block} can dial with TLS, and the census does not know whether it runs: classify it in components/render/connections/dskit.ts`); continue; }
                if ("idle" in activity) continue;
                const server = "server" in activity.target ? activity.target.server : activity.target.external;
                const url = block === "ruler.alertmanager_client" ? String(get(config, "ruler.alertmanager_url")) : undefined;
                blockValues(config, block).forEach((cfg, i, all) => conns.push(dskitClient(
                    `${r.name}`, server, `${r.name} ${program.program} config ${block}${all.length > 1 ? `[${i}]` : ""}`, cfg, url === undefined ? undefined : url.startsWith("https://"))));
            }
            // Clients outside the tls_enabled blocks: Loki's tail proxy (HTTP) and the metrics-generator's remote write.
            const tail = get(config, "frontend.tail_proxy_url") as string | undefined;
            if (tail) {
                const tt = get(config, "frontend.tail_tls_config");
                conns.push({ ...dskitClient(r.name, `${releaseOfHost(host(tail)) ?? host(tail)}:http`, `${r.name} loki config frontend.tail_proxy_url`, { ...(tt as Values), tls_enabled: true }), tls: tail.startsWith("https://") && get(tt, "tls_insecure_skip_verify") !== true });
            }
            const remoteWrites = [get(config, "metrics_generator.storage.remote_write"), get(r.values, "metricsGenerator.config.storage.remote_write")].find(Array.isArray) as Values[] | undefined;
            for (const [i, rw] of (remoteWrites ?? []).entries()) {
                const url = String(rw.url);
                conns.push(promClient(r.name, `${releaseOfHost(host(url)) ?? host(url)}:http`, `${r.name} tempo config metrics_generator.storage.remote_write[${i}]`, url.split(":")[0], rw.tls_config));
            }
            const mc = memcachedServer(r);
            if (mc) {
                servers.push(mc);
                const args = get(r.values, "memcachedExporter.extraArgs");
                const flags = Array.isArray(args) ? Object.fromEntries(args.map(a => String(a).replace(/^--/, "").split("=")).map(([k, v]) => [k, v ?? ""])) : (args as Values | undefined) ?? {};
                conns.push({
                    client: `${r.name} memcached-exporter`, server: mc.key, via: `${r.name} values memcachedExporter.extraArgs`,
                    tls: "memcached.tls.enable" in flags && !("memcached.tls.insecure-skip-verify" in flags),
                    ca: trustOf(flags["memcached.tls.ca-file"] as string | undefined),
                    serverName: flags["memcached.tls.server-name"] === undefined ? "localhost" : String(flags["memcached.tls.server-name"]),
                    clientCert: Boolean(flags["memcached.tls.cert-file"] && flags["memcached.tls.key-file"]), clientCertFile: str(flags["memcached.tls.cert-file"]),
                });
            }
        } else if (r.chart === "alertmanager") {
            const files = (r.values.templates as Values | undefined) ?? {};
            const args = (r.values.extraArgs as Values | undefined) ?? {};
            const fileOf = (flag: string) => { const p = args[flag] as string | undefined; return p ? YAML.parse(String(files[p.split("/").pop()!] ?? "{}")) as Values : undefined; };
            const web = fileOf("web.config.file")?.tls_server_config;
            const cluster = fileOf("cluster.tls-config");
            servers.push({ key: `${r.name}:http`, tls: Boolean(get(web, "cert_file")), clientAuth: clientAuthOf(web), why: "kubelet probes it without a client certificate", certFile: str(get(web, "cert_file")) });
            servers.push({ key: `${r.name}:gossip`, tls: Boolean(get(cluster, "tls_server_config.cert_file")), clientAuth: clientAuthOf(get(cluster, "tls_server_config")), certFile: str(get(cluster, "tls_server_config.cert_file")) });
            const peer = get(cluster, "tls_client_config");
            conns.push({ ...promClient(r.name, `${r.name}:gossip`, `${r.name} values templates.cluster-tls.yml tls_client_config`, peer ? "https" : "http", peer) });
            // Its metrics forwarder (a collector sidecar: scrape on loopback, OTLP to the gateway).
            const forwarder = forwarderConfigOf(r.values);
            if (forwarder) collectorConnections({ ...r, values: { alternateConfig: forwarder } }, releaseOfHost, servers, conns);
        } else if (r.chart === "grafana") {
            const server = get(r.values["grafana.ini"], "server");
            const https = ["https", "h2"].includes(String(get(server, "protocol"))) && Boolean(get(server, "cert_file"));
            servers.push({ key: `${r.name}:http`, tls: https, clientAuth: "not requested", why: "Grafana's server has no client-certificate setting", certFile: str(get(server, "cert_file")) });
            const datasources = (get(r.values, "datasources") as Values | undefined)?.["datasources.yaml"] as Values | undefined;
            for (const ds of (datasources?.datasources as Values[] | undefined) ?? []) {
                const url = String(ds.url);
                const j = (ds.jsonData as Values) ?? {};
                const s = (ds.secureJsonData as Values) ?? {};
                const ca = j.tlsAuthWithCACert === true ? String(s.tlsCACert) : undefined;
                conns.push({
                    client: r.name, server: `${releaseOfHost(host(url)) ?? host(url)}:http`, via: `${r.name} datasource ${ds.name} (${url})`,
                    tls: url.startsWith("https://") && j.tlsSkipVerify !== true, ca: trustOf(ca),
                    serverName: (j.serverName as string | undefined) ?? host(url), clientCert: j.tlsAuth === true && Boolean(s.tlsClientCert && s.tlsClientKey),
                    clientCertFile: j.tlsAuth === true ? str(s.tlsClientCert) : undefined,
                });
            }
        } else if (r.chart === "opentelemetry-collector") {
            collectorConnections(r, releaseOfHost, servers, conns);
        }
    }
    ingressConnections(input, releases, conns);

    for (const s of servers) {
        if (!s.tls) problems.push(`${s.key} serves plaintext`);
        else if (s.certFile !== undefined && !SERVER_CERT_FILES.has(s.certFile)) problems.push(`${s.key} serves ${s.certFile}, not a server certificate (server_auth only)`);
    }
    const byKey = new Map(servers.map(s => [s.key, s]));
    const sans = (server: string) => {
        const id = SERVER_IDENTITIES.find(i => i.name === server.split(":")[0]);
        return id ? serverDnsNames(id, input.domain, input.namespace) : undefined;
    };
    const connections: Connection[] = conns.map(c => {
        const p: string[] = [];
        const s = byKey.get(c.server);
        const external = s === undefined;
        if (!c.tls) p.push(s && s.tls ? "client without TLS to a TLS server" : "plaintext");
        else if (s && !s.tls) p.push("TLS client to a plaintext server");
        if (c.tls && !external && c.ca !== "stack CA") p.push(`verifies against ${c.ca}, not the stack CA`);
        const names = sans(c.server);
        if (c.tls && !external && names && !(c.serverName && names.includes(c.serverName))) p.push(`server name ${c.serverName ?? "(the dialled address)"} is not among the certificate's SANs`);
        if (c.tls && s?.clientAuth === "required" && !c.clientCert) p.push("presents no client certificate to a server that requires one");
        // A server that asks for a client certificate verifies its client_auth usage: only a client certificate passes.
        if (c.tls && c.clientCert && s && s.clientAuth !== "not requested" && !(c.clientCertFile && CLIENT_CERT_FILES.has(c.clientCertFile))) {
            p.push(`presents ${c.clientCertFile ?? "a certificate"}, not a client certificate (client_auth only)`);
        }
        return { ...c, problems: p };
    });
    // Every server release mounts its identity's certificate.
    for (const r of releases) {
        if (SERVER_IDENTITIES.some(i => i.name === r.name) && !JSON.stringify(r.values).includes(`"${tlsSecretName(r.name)}"`)) problems.push(`${r.name} does not mount its certificate (${tlsSecretName(r.name)})`);
    }
    return { servers, connections, problems };
}

/** The collectors: OTLP receivers (servers), exporters, scrapes and the kubelet (clients). */
function collectorConnections(r: Release, releaseOfHost: (h: string) => string | undefined, servers: Server[], conns: Omit<Connection, "problems">[]): void {
    const config = (r.values.alternateConfig as Values | undefined) ?? {};
    for (const [id, rec] of Object.entries((config.receivers as Record<string, Values>) ?? {})) {
        const type = id.split("/")[0];
        if (type === "otlp") {
            for (const [proto, cfg] of Object.entries((rec.protocols as Record<string, Values>) ?? {})) {
                servers.push({ key: `${r.name}:otlp-${proto}`, tls: Boolean(get(cfg, "tls.cert_file")), clientAuth: get(cfg, "tls.client_ca_file") ? "required" : "not requested", certFile: str(get(cfg, "tls.cert_file")) });
            }
        } else if (type === "prometheus") {
            for (const job of (get(rec, "config.scrape_configs") as Values[] | undefined) ?? []) {
                const statics = (job.static_configs as Values[] | undefined)?.flatMap(s => s.targets as string[]) ?? [];
                // A collector scraping its own telemetry on loopback is inside the pod, not a connection.
                if (statics.length > 0 && statics.every(t => t.startsWith("127.0.0.1:"))) continue;
                conns.push(promClient(r.name, `${String(job.job_name)}:http`, `${r.name} config receivers.${id} job ${String(job.job_name)}`, String(job.scheme ?? "http"), job.tls_config));
            }
        } else if (type === "kubelet_stats") {
            const ca = String(rec.ca_file ?? "");
            conns.push({ client: r.name, server: "kubelet", via: `${r.name} config receivers.${id}`, tls: String(rec.endpoint).startsWith("https://") && rec.insecure_skip_verify !== true,
                ca: ca.endsWith("/serviceaccount/ca.crt") ? "cluster CA" : ca || "system roots", serverName: undefined, clientCert: rec.auth_type === "serviceAccount" });
        } else if (type === "kafka") {
            conns.push(collectorClient(r.name, "kafka", `receivers.${id}`, rec));
        }
    }
    for (const [id, exp] of Object.entries((config.exporters as Record<string, Values>) ?? {})) {
        const type = id.split("/")[0];
        if (type === "load_balancing") {
            const target = `${String(get(exp, "resolver.dns.hostname") ?? get(exp, "resolver.k8s.service") ?? "")}`.replace(/\.cluster\.local$/, "");
            conns.push(collectorClient(r.name, `${releaseOfHost(target) ?? target}:otlp-grpc`, `exporters.${id}`, get(exp, "protocol.otlp") as Values, target));
        } else if (type === "kafka") {
            conns.push(collectorClient(r.name, "kafka", `exporters.${id}`, exp));
        } else {
            const endpoint = String(exp.endpoint ?? "");
            const h = host(endpoint);
            const stack = releaseOfHost(h);
            const port = type === "otlp_grpc" ? "otlp-grpc" : "http";
            conns.push(collectorClient(r.name, stack ? `${stack}:${port}` : h, `exporters.${id}`, exp, h, endpoint.startsWith("http://")));
        }
    }
}

/** A collector client's `tls` block (configtls): insecure or skip-verify turn verification off. */
function collectorClient(release: string, server: string, via: string, cfg: Values | undefined, dialled?: string, plainHttp = false): Omit<Connection, "problems"> {
    const tls = get(cfg, "tls");
    const on = !plainHttp && isObject(tls) && get(tls, "insecure") !== true && get(tls, "insecure_skip_verify") !== true;
    const ca = get(tls, "ca_file") as string | undefined;
    return {
        client: release, server, via: `${release} config ${via}`, tls: on,
        ca: trustOf(ca),
        serverName: (get(tls, "server_name_override") as string | undefined) ?? dialled,
        clientCert: Boolean(get(tls, "cert_file") && get(tls, "key_file")), clientCertFile: str(get(tls, "cert_file")),
    };
}

/** The ingress controller → Grafana hop: Traefik's ServersTransport, or ingress-nginx's proxy-ssl annotations. */
function ingressConnections(input: CensusInput, releases: Release[], conns: Omit<Connection, "problems">[]): void {
    for (const ing of input.resources.filter(r => r.type === "kubernetes:networking.k8s.io/v1:Ingress")) {
        const i = ing.inputs as { metadata?: { annotations?: Record<string, string> }; spec?: { rules?: Values[] } };
        const a = i.metadata?.annotations ?? {};
        const service = String(get((get(i.spec?.rules?.[0], "http.paths") as Values[] | undefined)?.[0], "backend.service.name") ?? "");
        const release = releases.find(r => r.name === service);
        const svcAnnotations = (get(release?.values, "service.annotations") as Record<string, string> | undefined) ?? {};
        const via = `Ingress ${service}`;
        if (svcAnnotations["traefik.ingress.kubernetes.io/service.serversscheme"] === "https") {
            const ref = svcAnnotations["traefik.ingress.kubernetes.io/service.serverstransport"]?.replace(/@kubernetescrd$/, "");
            const st = input.resources.find(r => r.type === "kubernetes:traefik.io/v1alpha1:ServersTransport" && `${get(r.inputs, "metadata.namespace")}-${get(r.inputs, "metadata.name")}` === ref);
            const spec = get(st?.inputs, "spec") as Values | undefined;
            const caSecret = String(get((spec?.rootCAs as Values[] | undefined)?.[0], "secret") ?? "");
            conns.push({ client: "ingress (traefik)", server: `${service}:http`, via: `${via} → ServersTransport ${ref ?? "(none)"}`, tls: Boolean(spec) && spec!.insecureSkipVerify !== true,
                ca: caSecret && caIsStack(input, caSecret) ? "stack CA" : caSecret || "system roots", serverName: spec?.serverName as string | undefined, clientCert: Array.isArray(spec?.certificatesSecrets) });
        } else if (a["nginx.ingress.kubernetes.io/backend-protocol"] === "HTTPS") {
            const secret = (a["nginx.ingress.kubernetes.io/proxy-ssl-secret"] ?? "").split("/").pop() ?? "";
            conns.push({ client: "ingress (nginx)", server: `${service}:http`, via: `${via} annotations`, tls: a["nginx.ingress.kubernetes.io/proxy-ssl-verify"] === "on",
                ca: secret && caIsStack(input, secret) ? "stack CA" : secret || "system roots", serverName: a["nginx.ingress.kubernetes.io/proxy-ssl-name"], clientCert: false });
        } else {
            conns.push({ client: "ingress", server: `${service}:http`, via, tls: false, ca: "none", clientCert: false });
        }
    }
}

/** The Secret the stack makes with only its CA (`ca.crt`), which the ingress controller trusts. */
function caIsStack(input: CensusInput, secret: string): boolean {
    return secret === GRAFANA_UPSTREAM_CA_SECRET && input.resources.some(r => r.type === "kubernetes:core/v1:Secret" && get(r.inputs, "metadata.name") === secret);
}

/** `connections.md`: the census as tables. */
export function censusMarkdown(stack: string, c: Census): string {
    const cell = (s: string) => s.replace(/\|/g, "\\|");
    const bad = c.connections.filter(x => x.problems.length > 0).length + c.problems.length;
    return [
        `# TLS connections of stack \`${stack}\``,
        "",
        `${c.connections.length} connections, ${c.connections.filter(x => !x.tls).length} plaintext, ${bad} with problems. Generated by the render from the rendered configs (components/render/connections).`,
        "",
        "## Servers",
        "",
        "| server | TLS | client certificate | why not required |",
        "| --- | --- | --- | --- |",
        ...c.servers.map(s => `| ${s.key} | ${s.tls ? "yes" : "**no**"} | ${s.clientAuth} | ${s.clientAuth === "required" ? "" : cell(s.why ?? "")} |`),
        "",
        "## Connections",
        "",
        "| client | server | TLS | CA | server name | client cert | via | problems |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
        ...c.connections.map(x => `| ${x.client} | ${x.server} | ${x.tls ? "yes" : "**no**"} | ${cell(x.ca)} | ${x.serverName ?? ""} | ${x.clientCert ? "yes" : "no"} | ${cell(x.via)} | ${cell(x.problems.join("; "))} |`),
        ...(c.problems.length > 0 ? ["", "## Problems", "", ...c.problems.map(p => `- ${p}`)] : []),
        "",
    ].join("\n");
}
