// Identities (least privilege): one OTLP client certificate per application, from config, revoked by removing its
// name; and every certificate authenticating one side only (servers server_auth, clients client_auth). The resource
// graph is checked under the offline engine; the chain logic for real, with openssl-made certificates of the same
// usages and Node's TLS (OpenSSL's client/server purpose checks) in handshakes.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "tls";
import { X509Certificate } from "crypto";
import { parseStackConfig } from "../components/config";
import { MAX_OTLP_CLIENTS, parseOtlpClients } from "../components/config/clients";
import { ConfigReader } from "../components/config/reader";
import type { MutualTls } from "../components/mtls";
import { CA_USES, CLIENT_USES, SERVER_USES } from "../components/render/pki";
import { COLLECTOR_TLS } from "../components/render/collector/otel";
import { OTLP_CLIENTS_ANNOTATION, otlpClientsDigest } from "../components/render/collector/releases";
import { EngineResult, RenderedResource, runProgram, SECRET_MASK } from "../offline/engine";
import { fakePem } from "../offline/mocks";
import { opensslPki } from "./helpers/pki";
import { renderedStack } from "./helpers/rendered";

type Any = any; // eslint-disable-line @typescript-eslint/no-explicit-any

describe("otlpClients config", () => {
    const parse = (values: Record<string, string>) => {
        const r = new ConfigReader({ values, secrets: {} });
        const clients = parseOtlpClients(r);
        return { clients, problems: r.problems.map(p => `${p.key.split(":").pop()} ${JSON.stringify(p.value)}: ${p.message}`) };
    };

    it("defaults to no client, and reads a list of names", () => {
        assert.deepEqual(parse({}), { clients: [], problems: [] });
        assert.deepEqual(parse({ otlpClients: "[]" }), { clients: [], problems: [] });
        assert.deepEqual(parse({ otlpClients: '["checkout", "payments-v2", "a"]' }), { clients: ["checkout", "payments-v2", "a"], problems: [] });
        const config = parseStackConfig("dev", { values: { adminCidrs: '["198.51.100.10/32"]', otlpClients: '["checkout"]' }, secrets: {}, awsRegion: "eu-west-1" });
        assert.deepEqual(config.otlpClients, ["checkout"]);
        assert.deepEqual(parseStackConfig("dev", { values: { adminCidrs: '["198.51.100.10/32"]' }, secrets: {}, awsRegion: "eu-west-1" }).otlpClients, []);
    });

    it("refuses names that are no DNS label, duplicates, other types and more than the bound", () => {
        const cases: [string, RegExp][] = [
            ['["Checkout"]', /otlpClients "Checkout": not a client name/],
            ['["-checkout"]', /not a client name/],
            ['["checkout-"]', /not a client name/],
            ['["shop.checkout"]', /not a client name/],
            [`["${"a".repeat(64)}"]`, /not a client name/],
            ['[7]', /otlpClients 7: not a client name/],
            ['["checkout", "checkout"]', /otlpClients "checkout": listed twice/],
            [JSON.stringify(Array.from({ length: MAX_OTLP_CLIENTS + 1 }, (_, i) => `app-${i}`)), /more than 50 clients/],
            ['"checkout"', /otlpClients/],
        ];
        for (const [value, message] of cases) {
            const { problems } = parse({ otlpClients: value });
            assert.equal(problems.length, 1, `${value}: ${JSON.stringify(problems)}`);
            assert.match(problems[0], message);
        }
        assert.equal(parse({ otlpClients: `["${"a".repeat(63)}"]` }).problems.length, 0, "63 characters is a DNS label");
    });
});

/** Runs a MutualTls under the offline engine. */
async function pki(otlpClients: string[] | undefined): Promise<{ result: EngineResult; built: MutualTls }> {
    let built!: MutualTls;
    const cfg = parseStackConfig("dev", { values: { adminCidrs: '["198.51.100.10/32"]' }, secrets: {}, awsRegion: "eu-west-1" });
    const result = await runProgram(
        { project: "observability-stack", stack: "dev", config: { "aws:region": "eu-west-1" }, secretKeys: [], secretPlaceholders: [] },
        async () => {
            const { MutualTls } = await import("../components/mtls");
            built = new MutualTls("t-pki", { certificates: cfg.certificates, otlpClients });
            return {};
        },
    );
    return { result, built };
}
const value = <T>(o: pulumi.Output<T>) => new Promise<T>(resolve => o.apply(v => { resolve(v); return v; }));
const named = (r: EngineResult, type: string, name: string): RenderedResource => {
    const found = r.resources.filter(x => x.name === name && x.type.endsWith(type));
    assert.equal(found.length, 1, `one ${type} ${name}`);
    return found[0];
};
const otlpResources = (r: EngineResult) => r.resources.filter(x => /-otlp-/.test(x.name));

describe("MutualTls: OTLP clients", () => {
    /** The mock's certificate of a CA resource (the offline engine issues fake PEMs named after the resource). */
    const caPem = (name: string) => fakePem("CERTIFICATE", `t-pki-otlp-ca-${name}`);

    it("issues each client its certificate (CN the name, OU otlp-client, client_auth only) from a CA of its own, never the root", async () => {
        const { result, built } = await pki(["checkout", "payments"]);
        const root = await value(built.caCertPem);
        for (const name of ["checkout", "payments"]) {
            const ca = named(result, "SelfSignedCert", `t-pki-otlp-ca-${name}`);
            assert.equal(ca.inputs.isCaCertificate, true);
            assert.deepEqual(ca.inputs.subject, { commonName: `OTLP client CA ${name}`, organization: "observability-stack" });
            const cert = named(result, "LocallySignedCert", `t-pki-otlp-client-${name}`);
            assert.deepEqual(cert.inputs.allowedUses, ["digital_signature", "client_auth"]);
            assert.equal(cert.inputs.caCertPem, caPem(name), `${name} is signed by its own CA`);
            assert.notEqual(cert.inputs.caCertPem, root);
            assert.equal(cert.inputs.caPrivateKeyPem, SECRET_MASK);
            assert.deepEqual(named(result, "CertRequest", `t-pki-otlp-client-${name}-csr`).inputs.subject,
                { commonName: name, organization: "observability-stack", organizationalUnit: "otlp-client" });
            assert.equal(await pulumi.isSecret(built.otlpClients[name].keyPem), true);
            assert.equal(await pulumi.isSecret(built.otlpClients[name].certPem), false);
        }
        assert.deepEqual(Object.keys(built.otlpClients), ["checkout", "payments"]);
        // The agents trust exactly the two clients' CAs: not the root, which signs every stack identity.
        assert.equal(await value(built.otlpClientCaPem), caPem("checkout") + caPem("payments"));
        assert.equal(otlpResources(result).filter(x => x.name.includes("no-client")).length, 0);
        // Their expiry is recorded like every other certificate's.
        const validity = await value(built.validity);
        assert.deepEqual(validity.filter(v => v.certificate.startsWith("otlp-")).map(v => `${v.kind} ${v.certificate}`).sort(),
            ["ca otlp-ca-checkout", "ca otlp-ca-payments", "client otlp-client-checkout", "client otlp-client-payments"]);
    });

    it("revokes a removed name: its CA leaves the agents' trust and is deleted, the other clients keep their certificates", async () => {
        const before = await pki(["checkout", "payments"]);
        const after = await pki(["payments"]);
        const key = (x: RenderedResource) => `${x.type} ${x.name}`;
        const gone = otlpResources(before.result).filter(x => !otlpResources(after.result).some(y => key(y) === key(x))).map(key).sort();
        assert.deepEqual(gone, [
            "tls:index/certRequest:CertRequest t-pki-otlp-client-checkout-csr",
            "tls:index/locallySignedCert:LocallySignedCert t-pki-otlp-client-checkout",
            "tls:index/privateKey:PrivateKey t-pki-otlp-ca-checkout-key",
            "tls:index/privateKey:PrivateKey t-pki-otlp-client-checkout-key",
            "tls:index/selfSignedCert:SelfSignedCert t-pki-otlp-ca-checkout",
        ]);
        // payments: the same resources with the same inputs, so `pulumi up` leaves its CA and certificate alone.
        assert.equal(otlpResources(after.result).length, 5);
        for (const x of otlpResources(after.result)) {
            const same = otlpResources(before.result).find(y => key(y) === key(x));
            assert.ok(same, key(x));
            assert.deepEqual(x.inputs, same.inputs, key(x));
        }
        assert.equal(await value(before.built.otlpClientCaPem), caPem("checkout") + caPem("payments"));
        assert.equal(await value(after.built.otlpClientCaPem), caPem("payments"));
        // The agents roll when the list changes (their open connections end with the trust), whatever the order.
        assert.notEqual(otlpClientsDigest(["checkout", "payments"]), otlpClientsDigest(["payments"]));
        assert.equal(otlpClientsDigest(["checkout", "payments"]), otlpClientsDigest(["payments", "checkout"]));
    });

    it("with no client, the agents trust one CA that signs nothing", async () => {
        for (const clients of [undefined, []]) {
            const { result, built } = await pki(clients);
            assert.deepEqual(otlpResources(result).map(key => `${key.type.split(":").pop()} ${key.name}`).sort(),
                ["PrivateKey t-pki-otlp-no-client-ca-key", "SelfSignedCert t-pki-otlp-no-client-ca"]);
            assert.equal(await value(built.otlpClientCaPem), fakePem("CERTIFICATE", "t-pki-otlp-no-client-ca"));
            const signed = result.resources.filter(x => x.type.endsWith("LocallySignedCert") && x.inputs.caCertPem === fakePem("CERTIFICATE", "t-pki-otlp-no-client-ca"));
            assert.deepEqual(signed, [], "it issues nothing");
            assert.deepEqual(built.otlpClients, {});
        }
    });
});

describe("certificate usages and OTLP trust in the rendered stacks", () => {
    const stacks: Record<string, Any[]> = {};
    const release = (rs: Any[], name: string): Any => rs.find(r => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.name === name).inputs.values;
    before(async () => {
        for (const stack of ["dev", "prod"]) {
            const { outDir } = await renderedStack(stack);
            stacks[stack] = JSON.parse(fs.readFileSync(path.join(outDir, "resources.json"), "utf8"));
        }
    });

    it("every server certificate is server_auth only and every client certificate client_auth only: none has both", () => {
        for (const [stack, rs] of Object.entries(stacks)) {
            const certs = rs.filter(r => r.type === "tls:index/locallySignedCert:LocallySignedCert");
            const servers = certs.filter(c => /-pki-server-|-grafana-endpoint-certificate$/.test(c.name));
            const clients = certs.filter(c => /-pki-client-|-pki-otlp-client-|-pki-k3s-admin$/.test(c.name));
            assert.equal(servers.length + clients.length, certs.length, `${stack}: every certificate is a server's or a client's`);
            assert.equal(servers.length, 8, `${stack}: 7 servers and Grafana's endpoint`);
            assert.equal(clients.length, stack === "dev" ? 9 : 7, `${stack}: the collectors, Grafana, 4 backends (dev: the k3s admin and example-app)`);
            for (const c of servers) assert.deepEqual(c.inputs.allowedUses, SERVER_USES, c.name);
            for (const c of clients) assert.deepEqual(c.inputs.allowedUses, CLIENT_USES, c.name);
            assert.deepEqual(certs.filter(c => c.inputs.allowedUses.includes("server_auth") && c.inputs.allowedUses.includes("client_auth")), []);
            for (const ca of rs.filter(r => r.type === "tls:index/selfSignedCert:SelfSignedCert")) {
                assert.deepEqual(ca.inputs.allowedUses, CA_USES, ca.name);
            }
        }
        // The k3s admin (system:masters) is a client of the API server only.
        assert.deepEqual(stacks.dev.find(r => r.name === "obs-dev-pki-k3s-admin").inputs.allowedUses, ["digital_signature", "client_auth"]);
    });

    it("the agents' OTLP receivers trust only the OTLP clients' CAs (re-read on change) and roll with the list; the gateway's, the stack CA", async () => {
        for (const [stack, clients] of [["dev", ["example-app"]], ["prod", []]] as const) {
            const agent = release(stacks[stack], "otel-agent");
            for (const proto of ["grpc", "http"]) {
                const t = agent.alternateConfig.receivers.otlp.protocols[proto].tls;
                assert.equal(t.client_ca_file, COLLECTOR_TLS.otlpClientCas, `${stack} ${proto}`);
                assert.equal(t.client_ca_file_reload, true);
                assert.equal(t.cert_file, COLLECTOR_TLS.cert);
            }
            assert.equal(agent.podAnnotations[OTLP_CLIENTS_ANNOTATION], otlpClientsDigest(clients), stack);
            assert.equal(release(stacks[stack], "otel-gateway").alternateConfig.receivers.otlp.protocols.grpc.tls.client_ca_file, COLLECTOR_TLS.ca);
            const { run } = await renderedStack(stack);
            assert.ok(run.outputNames.includes("otlpClients"), stack);
            assert.ok(!run.outputNames.some(n => n.startsWith("appClient")), stack);
        }
    });
});

/** Certificates made by the real openssl with the subjects and usages the stack's PKI gives them (mtls.ts). */
function realPki() {
    const { make: issue } = opensslPki("identities");
    const make = (name: string, subject: string, uses: readonly string[], issuer?: string, san?: string) => issue(name, subject, uses, issuer, san ? [san] : []);
    const root = make("root", "/O=observability-stack/CN=observability-stack root CA", CA_USES);
    const otlpCa = (name: string) => make(`otlp-ca-${name}`, `/O=observability-stack/CN=OTLP client CA ${name}`, CA_USES);
    const otlpClient = (name: string) => make(`otlp-client-${name}`, `/O=observability-stack/OU=otlp-client/CN=${name}`, CLIENT_USES, `otlp-ca-${name}`);
    const cas = { checkout: otlpCa("checkout"), payments: otlpCa("payments"), none: make("otlp-no-client-ca", "/O=observability-stack/CN=OTLP client CA (no clients: signs nothing)", CA_USES) };
    return {
        root, cas,
        otlp: { checkout: otlpClient("checkout"), payments: otlpClient("payments") },
        agentServer: make("server-otel-agent", "/O=observability-stack/CN=otel-agent.observability-agents.svc", SERVER_USES, "root", AGENT_HOST),
        mimirServer: make("server-mimir", "/O=observability-stack/CN=mimir.observability.svc", SERVER_USES, "root", MIMIR_HOST),
        mimirClient: make("client-mimir", "/O=observability-stack/CN=mimir", CLIENT_USES, "root"),
    };
}
const AGENT_HOST = "otel-agent.observability-agents.svc";
const MIMIR_HOST = "mimir.observability.svc";

/**
 * One TLS handshake on loopback with a server that requires a client certificate (as the agents' receivers and the
 * backends' gRPC do): "ok", or why the server (its OpenSSL verification of the client's certificate) or the client
 * (of the server's) refused it.
 */
function handshake(server: { cert: string; key: string; ca: string }, client: { cert: string; key: string; ca: string; servername: string }): Promise<string> {
    return new Promise(resolve => {
        const sockets: tls.TLSSocket[] = [];
        let done = false;
        // Verified, not rejected at once, so that the verdict says why (OpenSSL's verify error).
        const srv = tls.createServer({ ...server, requestCert: true, rejectUnauthorized: false, minVersion: "TLSv1.2" });
        const finish = (verdict: string) => {
            if (done) return;
            done = true;
            for (const s of sockets) s.destroy();
            srv.close(() => resolve(verdict));
        };
        srv.on("secureConnection", s => { sockets.push(s); finish(s.authorized ? "ok" : `server: ${String(s.authorizationError)}`); });
        srv.on("tlsClientError", e => setTimeout(() => finish(`server: ${e.message}`), 300));
        srv.listen(0, "127.0.0.1", () => {
            const { port } = srv.address() as { port: number };
            const c = tls.connect({ host: "127.0.0.1", port, ...client, minVersion: "TLSv1.2" });
            sockets.push(c);
            c.on("error", e => finish(`client: ${e.message}`));
        });
    });
}

describe("certificate chains and usages, for real (openssl certificates, Node's TLS)", function () {
    this.timeout(60_000);
    let pki: ReturnType<typeof realPki>;
    before(() => { pki = realPki(); });
    const agent = (...cas: string[]) => ({ ...pki.agentServer, ca: cas.join("") });
    const toAgent = (c: { cert: string; key: string }) => ({ ...c, ca: pki.root.cert, servername: AGENT_HOST });

    it("the agents accept exactly the listed OTLP clients: removing a name refuses its certificate, the others still pass", async () => {
        const both = agent(pki.cas.checkout.cert, pki.cas.payments.cert);
        assert.equal(await handshake(both, toAgent(pki.otlp.checkout)), "ok");
        assert.equal(await handshake(both, toAgent(pki.otlp.payments)), "ok");
        // checkout removed: its CA is out of the bundle (and deleted), so its certificate, still unexpired, chains to nothing trusted.
        const paymentsOnly = agent(pki.cas.payments.cert);
        assert.match(await handshake(paymentsOnly, toAgent(pki.otlp.checkout)), /^server: UNABLE_TO_VERIFY_LEAF_SIGNATURE$/);
        assert.equal(await handshake(paymentsOnly, toAgent(pki.otlp.payments)), "ok");
        // No client listed: the one CA in the bundle has signed nothing.
        assert.equal(await handshake(agent(pki.cas.none.cert), toAgent(pki.otlp.payments)), "server: UNABLE_TO_VERIFY_LEAF_SIGNATURE");
        // The same with the certificates alone: the removed leaf was issued by no CA of the new bundle.
        const checkout = new X509Certificate(pki.otlp.checkout.cert);
        assert.equal(checkout.checkIssued(new X509Certificate(pki.cas.checkout.cert)), true);
        assert.equal(checkout.verify(new X509Certificate(pki.cas.checkout.cert).publicKey), true);
        for (const ca of [pki.cas.payments, pki.cas.none, pki.root]) assert.equal(checkout.verify(new X509Certificate(ca.cert).publicKey), false);
        assert.match(checkout.subject, /OU=otlp-client/);
    });

    it("stack identities and OTLP clients stay apart: the agents refuse a root-signed client, the backends an application's", async () => {
        // (The client sends the root along, its own trust: a self-signed certificate the agents do not trust either.)
        assert.match(await handshake(agent(pki.cas.checkout.cert, pki.cas.payments.cert), toAgent(pki.mimirClient)), /^server: (UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN)$/);
        const mimirGrpc = { ...pki.mimirServer, ca: pki.root.cert };
        assert.equal(await handshake(mimirGrpc, { ...pki.mimirClient, ca: pki.root.cert, servername: MIMIR_HOST }), "ok");
        assert.equal(await handshake(mimirGrpc, { ...pki.otlp.checkout, ca: pki.root.cert, servername: MIMIR_HOST }), "server: UNABLE_TO_VERIFY_LEAF_SIGNATURE");
    });

    it("a server certificate does not authenticate a client, nor a client certificate a server", async () => {
        const mimirGrpc = { ...pki.mimirServer, ca: pki.root.cert };
        // What the backends did before: present their server certificate when they dial.
        assert.match(await handshake(mimirGrpc, { ...pki.mimirServer, ca: pki.root.cert, servername: MIMIR_HOST }), /^server: INVALID_PURPOSE$/);
        assert.match(await handshake({ ...pki.mimirClient, ca: pki.root.cert }, { ...pki.mimirClient, ca: pki.root.cert, servername: "mimir" }), /^client: unsuitable certificate purpose$/);
        const x = (c: { cert: string }) => new X509Certificate(c.cert);
        assert.match(x(pki.mimirServer).toLegacyObject().ext_key_usage?.join(",") ?? "", /^1\.3\.6\.1\.5\.5\.7\.3\.1$/);
        assert.match(x(pki.mimirClient).toLegacyObject().ext_key_usage?.join(",") ?? "", /^1\.3\.6\.1\.5\.5\.7\.3\.2$/);
    });
});
