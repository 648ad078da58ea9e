import { strict as assert } from "assert";
import * as YAML from "yaml";
import { BOOTSTRAP_SCRIPT, CloudInitInput, renderCloudInit, renderKubeconfig } from "../../components/render/cloud-init";
import { K3S_CAS } from "../../components/render/pki";
import { cloudInitSchema, shellcheck, tempFile } from "../helpers/tools";

const pem = (n: string) => `-----BEGIN CERTIFICATE-----\n${Buffer.from(n).toString("base64")}\n-----END CERTIFICATE-----\n`;
const INPUT: CloudInitInput = {
    k3sVersion: "v1.34.1+k3s1",
    architecture: "arm64",
    region: "eu-west-1",
    nodeName: "obs-dev-host",
    tlsSans: ["203.0.113.10", "api.obs.example.com"],
    dataVolumeId: "vol-0123456789abcdef0",
    ssmPrefix: "/observability-stack/dev/k3s",
    caCertificates: Object.fromEntries(K3S_CAS.map(ca => [ca, pem(ca)])) as CloudInitInput["caCertificates"],
    serviceAccountIssuer: "https://obs-dev-host-oidc-bucket-0123abc.s3.eu-west-1.amazonaws.com",
};

describe("cloud-init renderer", () => {
    const rendered = renderCloudInit(INPUT);
    const doc = YAML.parse(rendered.userData) as { write_files: { path: string; content: string; permissions: string }[]; runcmd: string[][] };

    it("passes cloud-init's own schema check", () => {
        const [ok, out] = cloudInitSchema(tempFile("user-data.yaml", rendered.userData));
        assert.ok(ok, out);
        assert.match(out, /Valid cloud-config/);
    });

    it("the schema check rejects a broken document (the check is real)", () => {
        const broken = rendered.userData.replace(/runcmd:[\s\S]*$/, "runcmd: not-a-list\n");
        const [ok, out] = cloudInitSchema(tempFile("broken.yaml", broken));
        assert.equal(ok, false);
        assert.match(out, /runcmd/);
    });

    it("embeds scripts that pass shellcheck", () => {
        const [ok, out] = shellcheck(tempFile("bootstrap.sh", rendered.embedded["obs-k3s-bootstrap.sh"]));
        assert.ok(ok, out);
        const [bad] = shellcheck(tempFile("bad.sh", "#!/usr/bin/env bash\nfor f in $(ls *.txt); do echo $f; done\n"));
        assert.equal(bad, false, "shellcheck must flag a known-bad script");
    });

    it("places every k3s CA certificate and runs the bootstrap, with no private key in user-data", () => {
        for (const ca of K3S_CAS) {
            const file = doc.write_files.find(f => f.path === `/etc/observability-stack/k3s-ca/${ca.replace("/", "_")}.crt`);
            assert.ok(file, `missing staged certificate for ${ca}`);
            assert.equal(file.content, pem(ca));
        }
        assert.deepEqual(doc.runcmd, [["/usr/local/sbin/obs-k3s-bootstrap.sh"]]);
        assert.doesNotMatch(rendered.userData, /PRIVATE KEY/);
        // Keys come from SSM SecureStrings, decrypted with the instance role (retried while its policy propagates),
        // for each CA and the SA key.
        assert.match(BOOTSTRAP_SCRIPT, /aws ssm get-parameter --region "\$REGION" --name "\$SSM_PREFIX\/\$1" --with-decryption/);
        assert.match(BOOTSTRAP_SCRIPT, /for attempt in \$\(seq 1 30\)/);
        assert.match(BOOTSTRAP_SCRIPT, /fetch_key "\$ca\.key" "\$staged\/\$ca\.key"/);
        assert.match(BOOTSTRAP_SCRIPT, /fetch_key service\.key "\$staged\/service\.key"/);
        // Before the first start: the CA block precedes `systemctl enable --now k3s`; server-ca.crt, the marker that
        // skips the block on later boots, is placed last, after every key was read.
        assert.ok(BOOTSTRAP_SCRIPT.indexOf("placing the stack's k3s CAs") < BOOTSTRAP_SCRIPT.indexOf("enable --now k3s"));
        assert.ok(BOOTSTRAP_SCRIPT.indexOf("fetch_key service.key") < BOOTSTRAP_SCRIPT.indexOf('install -m 0644 "$workdir/server-ca.crt" "$tls/server-ca.crt"'));
    });

    it("pins k3s and verifies its checksum; configures SANs and the node name", () => {
        assert.match(rendered.embedded["bootstrap.env"], /^K3S_VERSION=v1\.34\.1\+k3s1$/m);
        assert.match(rendered.embedded["bootstrap.env"], /^K3S_ARCH=arm64$/m);
        assert.match(BOOTSTRAP_SCRIPT, /sha256sum-\$K3S_ARCH\.txt/);
        assert.match(BOOTSTRAP_SCRIPT, /"\$expected" != "\$actual"/);
        const k3s = YAML.parse(rendered.embedded["k3s-config.yaml"]);
        assert.deepEqual(k3s["tls-san"], ["203.0.113.10", "api.obs.example.com"]);
        assert.equal(k3s["node-name"], "obs-dev-host");
        assert.equal(k3s["secrets-encryption"], true);
        assert.equal(renderCloudInit({ ...INPUT, architecture: "x86_64" }).embedded["bootstrap.env"].includes("K3S_ARCH=amd64"), true);
    });

    it("signs service-account tokens as the published issuer, still accepting k3s's own", () => {
        const args = YAML.parse(rendered.embedded["k3s-config.yaml"])["kube-apiserver-arg"] as string[];
        assert.deepEqual(args, [
            "tls-min-version=VersionTLS12",
            // The first issuer signs; both validate, so tokens issued before the switch stay valid.
            "service-account-issuer=https://obs-dev-host-oidc-bucket-0123abc.s3.eu-west-1.amazonaws.com",
            "service-account-issuer=https://kubernetes.default.svc.cluster.local",
            "service-account-jwks-uri=https://obs-dev-host-oidc-bucket-0123abc.s3.eu-west-1.amazonaws.com/openid/v1/jwks",
        ]);
        // The audiences stay k3s's (STS tokens carry their own audience per projected volume).
        assert.ok(!args.some(a => a.startsWith("api-audiences")));
        const k3s = doc.write_files.find(f => f.path === "/etc/rancher/k3s/config.yaml")!;
        assert.equal(k3s.content, rendered.embedded["k3s-config.yaml"]);
        assert.throws(() => renderCloudInit({ ...INPUT, serviceAccountIssuer: "http://example.com" }), /not an https issuer URL/);
    });

    it("stays within EC2's 16 KiB user-data limit", () => {
        assert.ok(Buffer.byteLength(rendered.userData) < 16384, `${Buffer.byteLength(rendered.userData)} bytes`);
    });

    it("refuses values that would inject shell", () => {
        assert.throws(() => renderCloudInit({ ...INPUT, region: "eu-west-1; rm -rf /" }), /unsafe shell value/);
    });

    it("renders a kubeconfig with the CA and client certificate", () => {
        const kc = YAML.parse(renderKubeconfig({ name: "obs-dev", server: "https://203.0.113.10:6443", caPem: "CA", certPem: "CERT", keyPem: "KEY" }));
        assert.equal(kc.clusters[0].cluster.server, "https://203.0.113.10:6443");
        assert.equal(Buffer.from(kc.clusters[0].cluster["certificate-authority-data"], "base64").toString(), "CA");
        assert.equal(Buffer.from(kc.users[0].user["client-key-data"], "base64").toString(), "KEY");
        assert.equal(kc["current-context"], "obs-dev");
    });
});
