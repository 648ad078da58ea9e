// How the dashboards reach Grafana on a real deploy, as the rendered stacks would do it: the Grafana provider at
// the endpoint's URL, verifying the certificate against the stack's CA with the admin password as a secret; the
// endpoint's certificate names that URL's host (the k3s host's public IP in dev, grafana.<domain> in prod); every
// dashboard in its folder through that provider; and the files in out/<stack>/dashboards are what it uploads.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { FOLDERS } from "../components/render/dashboards/index";
import { renderedStack } from "./helpers/rendered";

type Res = { type: string; name: string; parent: string | null; provider?: string; inputs: Record<string, any> };

async function stack(name: "dev" | "prod") {
    const r = await renderedStack(name);
    const resources: Res[] = JSON.parse(fs.readFileSync(path.join(r.outDir, "resources.json"), "utf8"));
    return { ...r, resources, of: (type: string) => resources.filter(x => x.type === type) };
}

describe("dashboards delivered through the Grafana API (rendered stacks)", () => {
    it("dev: the provider reaches Traefik at the host's public IP with a CA-issued certificate for that IP", async () => {
        const s = await stack("dev");
        const ip = s.run.plainOutputs.hostPublicIp as string;
        assert.match(ip, /^\d+\.\d+\.\d+\.\d+$/);
        const [provider] = s.of("pulumi:providers:grafana");
        assert.equal(provider.inputs.url, `https://${ip}`);
        assert.equal(provider.inputs.caCert, s.run.plainOutputs.caCertPem, "verifies against the stack's CA");
        assert.equal(provider.inputs.auth, "[secret]");
        assert.equal(provider.inputs.insecureSkipVerify, "false");
        const csr = s.of("tls:index/certRequest:CertRequest").find(c => c.name.includes("grafana-endpoint"))!;
        assert.deepEqual(csr.inputs.ipAddresses, [ip]);
        const cert = s.of("tls:index/locallySignedCert:LocallySignedCert").find(c => c.name === csr.name.replace(/-csr$/, ""))!;
        assert.equal(cert.inputs.caCertPem, s.run.plainOutputs.caCertPem, "issued by the root CA");
        // Clients that dial an IP send no SNI: Traefik serves this certificate as its default.
        const [config] = s.of("kubernetes:helm.cattle.io/v1:HelmChartConfig");
        assert.deepEqual([config.inputs.metadata.name, config.inputs.metadata.namespace], ["traefik", "kube-system"]);
        assert.match(config.inputs.spec.valuesContent, /defaultCertificate:\n\s+secretName: grafana-endpoint-tls/);
        const secrets = s.of("kubernetes:core/v1:Secret").filter(x => x.inputs.metadata?.name === "grafana-endpoint-tls");
        assert.deepEqual(secrets.map(x => x.inputs.metadata.namespace).sort(), ["kube-system", "observability"]);
        const [ingress] = s.of("kubernetes:networking.k8s.io/v1:Ingress");
        assert.equal(ingress.inputs.spec.rules[0].host, undefined, "any host: it is reached by IP");
        assert.deepEqual(ingress.inputs.spec.rules[0].http.paths[0].backend, { service: { name: "grafana", port: { number: 80 } } });
        assert.equal(ingress.inputs.metadata.annotations["traefik.ingress.kubernetes.io/router.tls"], "true");
    });

    it("prod: the provider reaches grafana.<domain>, the ingress answers to that name with a certificate for it", async () => {
        const s = await stack("prod");
        const [provider] = s.of("pulumi:providers:grafana");
        assert.equal(provider.inputs.url, "https://grafana.obs.example.com");
        const csr = s.of("tls:index/certRequest:CertRequest").find(c => c.name.includes("grafana-endpoint"))!;
        assert.deepEqual(csr.inputs.dnsNames, ["grafana.obs.example.com"]);
        assert.equal(csr.inputs.ipAddresses, undefined);
        const [ingress] = s.of("kubernetes:networking.k8s.io/v1:Ingress");
        assert.equal(ingress.inputs.spec.rules[0].host, "grafana.obs.example.com");
        assert.deepEqual(ingress.inputs.spec.tls, [{ hosts: ["grafana.obs.example.com"], secretName: "grafana-endpoint-tls" }]);
        assert.equal(s.of("kubernetes:helm.cattle.io/v1:HelmChartConfig").length, 0);
    });

    for (const name of ["dev", "prod"] as const) {
        it(`${name}: every dashboard, in its folder, through the stack's Grafana provider, as written to dashboards/`, async () => {
            const s = await stack(name);
            const [provider] = s.of("pulumi:providers:grafana");
            const folders = s.of("grafana:oss/folder:Folder");
            assert.deepEqual(folders.map(f => f.inputs.uid).sort(), Object.values(FOLDERS).map(f => f.uid).sort());
            const dashboards = s.of("grafana:oss/dashboard:Dashboard");
            assert.equal(dashboards.length, 12);
            const files = fs.readdirSync(path.join(s.outDir, "dashboards")).sort();
            assert.equal(files.length, dashboards.length);
            for (const d of [...folders, ...dashboards]) assert.ok(d.provider?.includes(provider.name), `${d.name} uses the stack's Grafana provider`);
            for (const d of dashboards) {
                const model = JSON.parse(d.inputs.configJson);
                assert.ok(folders.some(f => f.inputs.uid === d.inputs.folder), `${d.name} in a stack folder`);
                assert.equal(d.inputs.overwrite, true);
                assert.deepEqual(JSON.parse(fs.readFileSync(path.join(s.outDir, "dashboards", `${model.uid}.json`), "utf8")), model);
            }
            // The endpoint's certificate is watched like every other.
            assert.match(fs.readFileSync(path.join(s.outDir, "rules/certificates.yaml"), "utf8"), /certificate: grafana-endpoint/);
        });
    }
});
