import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import type { TelemetryBuckets } from "../components/buckets";
import { parseStackConfig, StackConfig } from "../components/config";
import type { ObservabilityHost } from "../components/host";
import type { MutualTls } from "../components/mtls";
import { EngineResult, RenderedResource, runProgram, SECRET_MASK } from "../offline/engine";
import { fakeRsaPublicKeyPem } from "../offline/mocks";

const KMS = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const REPLICA_KMS = KMS.replace("eu-west-1", "eu-central-1");

function config(values: Record<string, string>): StackConfig {
    return parseStackConfig("dev", { values, secrets: {}, awsRegion: "eu-west-1" });
}

/** Runs `build` as a program under the offline engine; components must be imported after the mocks are set. */
async function run<T>(build: () => Promise<T>): Promise<{ result: EngineResult; built: T }> {
    let built!: T;
    const result = await runProgram(
        { project: "observability-stack", stack: "dev", config: { "aws:region": "eu-west-1" }, secretKeys: [], secretPlaceholders: [] },
        async () => { built = await build(); return {}; },
    );
    return { result, built };
}

const ofType = (r: EngineResult, type: string) => r.resources.filter(x => x.type.endsWith(type));
const one = (r: EngineResult, type: string, name: string): RenderedResource => {
    const found = r.resources.filter(x => x.name === name && x.type.endsWith(type));
    assert.equal(found.length, 1, `expected one ${type} named ${name}, found ${found.length}`);
    return found[0];
};
const value = <T>(o: pulumi.Output<T>) => new Promise<T>(resolve => o.apply(v => { resolve(v); return v; }));

describe("TelemetryBuckets", () => {
    it("hardens each of the five buckets: SSE, versioning, public access block, TLS-only policy, lifecycle", async () => {
        const cfg = config({ adminCidrs: '["198.51.100.10/32"]' });
        const { result, built } = await run(async () => {
            const { TelemetryBuckets } = await import("../components/buckets");
            return new TelemetryBuckets("t-s3", { retentionDays: { metrics: 15, logs: 7, traces: 3 }, buckets: cfg.buckets });
        });
        const buckets = ofType(result, "s3/bucket:Bucket");
        assert.equal(buckets.length, 5);
        for (const b of buckets) {
            assert.equal(result.resources.find(p => p.urn === b.parent)?.name, "t-s3");
            assert.ok(b.name.startsWith("t-s3-"), b.name);
            const bucketName = await value((built as TelemetryBuckets).stores[b.name.slice("t-s3-".length)].name);
            const child = (type: string) => {
                const matches = ofType(result, type).filter(x => x.inputs.bucket === bucketName);
                assert.equal(matches.length, 1, `${type} for ${b.name}`);
                return matches[0].inputs;
            };
            assert.deepEqual(child("BucketServerSideEncryptionConfiguration").rules, [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }]);
            assert.deepEqual(child("BucketVersioning").versioningConfiguration, { status: "Enabled" });
            const pab = child("BucketPublicAccessBlock");
            assert.deepEqual([pab.blockPublicAcls, pab.blockPublicPolicy, pab.ignorePublicAcls, pab.restrictPublicBuckets], [true, true, true, true]);
            const policy = JSON.parse(child("BucketPolicy").policy as string);
            assert.deepEqual(policy.Statement[0].Resource, [`arn:aws:s3:::${bucketName}`, `arn:aws:s3:::${bucketName}/*`]);
            assert.equal(policy.Statement[0].Condition.Bool["aws:SecureTransport"], "false");
            const rules = child("BucketLifecycleConfiguration").rules as { id: string; expiration?: { days?: number } }[];
            const expiry = rules.find(r => r.id === "expire-after-retention")?.expiration?.days;
            const expected: Record<string, number | undefined> = { "loki-chunks": 14, "tempo-traces": 10, "mimir-blocks": 22 };
            assert.equal(expiry, expected[b.name.slice("t-s3-".length)], `expiry of ${b.name}`);
        }
        const access = JSON.parse(await value((built as TelemetryBuckets).accessPolicyJson));
        const arns = await value((built as TelemetryBuckets).bucketArns);
        assert.equal(arns.length, 5);
        assert.deepEqual(access.Statement[0].Resource, arns);
        assert.deepEqual(access.Statement[1].Resource, arns.map(a => `${a}/*`));
        assert.equal(ofType(result, "BucketReplicationConfig").length, 0);
    });

    it("uses the KMS key and replicates to the replica region with its own role and key", async () => {
        const cfg = config({ adminCidrs: '["198.51.100.10/32"]', kmsKeyArn: KMS, replicationRegion: "eu-central-1", replicationKmsKeyArn: REPLICA_KMS });
        const { result, built } = await run(async () => {
            const { TelemetryBuckets } = await import("../components/buckets");
            return new TelemetryBuckets("t-s3", { retentionDays: { metrics: 15, logs: 7, traces: 3 }, buckets: cfg.buckets });
        });
        const sse = ofType(result, "BucketServerSideEncryptionConfiguration");
        assert.equal(sse.length, 10);
        const sources = sse.filter(s => !s.name.endsWith("-replica"));
        const replicas = sse.filter(s => s.name.endsWith("-replica"));
        for (const s of sources) assert.deepEqual(s.inputs.rules, [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: KMS }, bucketKeyEnabled: true }]);
        for (const s of replicas) {
            assert.equal((s.inputs.rules as { applyServerSideEncryptionByDefault: { kmsMasterKeyId: string } }[])[0].applyServerSideEncryptionByDefault.kmsMasterKeyId, REPLICA_KMS);
            assert.equal(s.inputs.region, "eu-central-1");
        }
        const replicaBuckets = ofType(result, "s3/bucket:Bucket").filter(b => b.name.endsWith("-replica"));
        assert.equal(replicaBuckets.length, 5);
        assert.ok(replicaBuckets.every(b => b.inputs.region === "eu-central-1"));
        const roleArn = await value((built as TelemetryBuckets).replicationRoleArn!);
        const repl = ofType(result, "BucketReplicationConfig");
        assert.equal(repl.length, 5);
        for (const r of repl) {
            assert.equal(r.inputs.role, roleArn);
            const rule = (r.inputs.rules as Record<string, any>[])[0];
            assert.equal(rule.destination.encryptionConfiguration.replicaKmsKeyId, REPLICA_KMS);
            assert.deepEqual(rule.sourceSelectionCriteria, { sseKmsEncryptedObjects: { status: "Enabled" } });
            assert.match(rule.destination.bucket, /-replica-[0-9a-f]{7}$/);
        }
        const doc = JSON.parse(one(result, "iam/rolePolicy:RolePolicy", "t-s3-replication").inputs.policy as string);
        assert.deepEqual(doc.Statement.find((s: { Sid: string }) => s.Sid === "DecryptSource").Resource, [KMS]);
        assert.deepEqual(doc.Statement.find((s: { Sid: string }) => s.Sid === "EncryptReplica").Resource, [REPLICA_KMS]);
        const access = JSON.parse(await value((built as TelemetryBuckets).accessPolicyJson));
        assert.deepEqual(access.Statement.at(-1).Resource, [KMS]);
    });
});

describe("MutualTls", () => {
    it("issues server, client and k3s certificates from the right CAs, with secret keys", async () => {
        const cfg = config({ adminCidrs: '["198.51.100.10/32"]', domain: "obs.example.com" });
        const { result, built } = await run(async () => {
            const { MutualTls } = await import("../components/mtls");
            return new MutualTls("t-pki", { certificates: cfg.certificates, domain: cfg.domain, k3s: true });
        });
        const pki = built as MutualTls;
        const component = result.resources.find(r => !r.custom && r.name === "t-pki")!;
        assert.ok(result.resources.filter(r => r.parent === component.urn).every(r => r.name.startsWith("t-pki-")));
        const grafanaCsr = one(result, "CertRequest", "t-pki-server-grafana-csr");
        assert.ok((grafanaCsr.inputs.dnsNames as string[]).includes("grafana.observability.svc.cluster.local"));
        assert.ok((grafanaCsr.inputs.dnsNames as string[]).includes("grafana.obs.example.com"));
        assert.equal(grafanaCsr.inputs.privateKeyPem, SECRET_MASK);
        const server = one(result, "LocallySignedCert", "t-pki-server-loki");
        // Each certificate authenticates one side: a backend that dials presents its own client certificate.
        assert.deepEqual(server.inputs.allowedUses, ["digital_signature", "server_auth"]);
        assert.equal(server.inputs.earlyRenewalHours, 720);
        assert.equal(server.inputs.validityPeriodHours, 8760);
        for (const id of ["otel-agent", "loki", "alertmanager"]) {
            assert.deepEqual(one(result, "LocallySignedCert", `t-pki-client-${id}`).inputs.allowedUses, ["digital_signature", "client_auth"], id);
        }
        // Leaves are signed by the root CA; the k3s admin by the k3s client CA, in system:masters.
        assert.equal(server.inputs.caCertPem, await value(pki.caCertPem));
        const admin = one(result, "LocallySignedCert", "t-pki-k3s-admin");
        assert.equal(admin.inputs.caCertPem, await value(pki.k3s!.cas["client-ca"].certPem));
        assert.deepEqual(one(result, "CertRequest", "t-pki-k3s-admin-csr").inputs.subject, { commonName: "observability-admin", organization: "system:masters" });
        assert.equal(ofType(result, "selfSignedCert:SelfSignedCert").length, 7, "root, 5 k3s CAs, and the CA of no OTLP client");
        for (const ca of ofType(result, "selfSignedCert:SelfSignedCert")) assert.equal(ca.inputs.isCaCertificate, true);
        assert.equal(one(result, "SelfSignedCert", "t-pki-k3s-server-ca").inputs.earlyRenewalHours, undefined, "k3s CAs must not rotate on their own");
        for (const kp of [pki.servers.loki, pki.clients.grafana, pki.k3s!.admin, pki.k3s!.cas["server-ca"]]) {
            assert.equal(await pulumi.isSecret(kp.keyPem), true);
            assert.equal(await pulumi.isSecret(kp.certPem), false);
        }
        assert.equal(await pulumi.isSecret(pki.k3s!.serviceAccountKeyPem), true);
        // Its public half is published (the issuer's JWKS), so it is no secret.
        assert.equal(await pulumi.isSecret(pki.k3s!.serviceAccountPublicKeyPem), false);
    });
});

describe("ObservabilityHost", () => {
    async function host(values: Record<string, string>) {
        const cfg = config(values);
        return run(async () => {
            const { MutualTls } = await import("../components/mtls");
            const { ObservabilityHost } = await import("../components/host");
            const pki = new MutualTls("t-pki", { certificates: cfg.certificates, k3s: true });
            return new ObservabilityHost("t-host", {
                host: cfg.host, region: cfg.region, stack: "dev", ingressCidrs: cfg.ingressCidrs, adminCidrs: cfg.adminCidrs,
                domain: cfg.domain, kmsKeyArn: cfg.buckets.kmsKeyArn, pki: pki.k3s!,
            });
        });
    }
    const hostRoleName = async (h: ObservabilityHost) => value(h.roleName);

    it("opens 6443 only to admin CIDRs and the public ports only to ingress CIDRs", async () => {
        const { result } = await host({ adminCidrs: '["198.51.100.10/32","2001:db8::/48"]', ingressCidrs: '["0.0.0.0/0"]' });
        const rules = ofType(result, "SecurityGroupIngressRule").map(r => r.inputs);
        const api = rules.filter(r => r.fromPort === 6443);
        assert.deepEqual(api.map(r => r.cidrIpv4 ?? r.cidrIpv6).sort(), ["198.51.100.10/32", "2001:db8::/48"]);
        assert.equal(api.find(r => r.cidrIpv6)!.cidrIpv4, undefined);
        assert.deepEqual(rules.filter(r => r.fromPort !== 6443).map(r => `${r.fromPort}:${r.cidrIpv4}`).sort(), ["4317:0.0.0.0/0", "4318:0.0.0.0/0", "443:0.0.0.0/0"]);
        assert.ok(rules.every(r => r.fromPort === r.toPort && r.ipProtocol === "tcp"));
    });

    it("requires IMDSv2, has no SSH key, encrypts both volumes and keeps CA keys out of user-data", async () => {
        const { result, built } = await host({ adminCidrs: '["198.51.100.10/32"]', kmsKeyArn: KMS });
        const instance = one(result, "ec2/instance:Instance", "t-host-instance").inputs;
        assert.equal((instance.metadataOptions as Record<string, unknown>).httpTokens, "required");
        // One hop: IMDS answers the host only; a pod (one network hop further) cannot get the instance role.
        assert.equal((instance.metadataOptions as Record<string, unknown>).httpPutResponseHopLimit, 1);
        assert.equal(instance.keyName, undefined);
        assert.deepEqual(instance.rootBlockDevice, { deleteOnTermination: true, encrypted: true, kmsKeyId: KMS, volumeSize: 30, volumeType: "gp3" });
        assert.equal(instance.userDataReplaceOnChange, true);
        const volume = one(result, "ebs/volume:Volume", "t-host-data").inputs;
        assert.deepEqual([volume.encrypted, volume.type, volume.kmsKeyId, volume.availabilityZone], [true, "gp3", KMS, "eu-west-1a"]);
        const userData = instance.userData as string;
        assert.doesNotMatch(userData, /PRIVATE KEY/);
        assert.match(userData, /DATA_VOLUME_ID=vol-[0-9a-f]{17}/);
        const params = ofType(result, "ssm/parameter:Parameter");
        assert.deepEqual(params.map(p => p.inputs.name).sort(), [
            "/observability-stack/dev/k3s/client-ca.key", "/observability-stack/dev/k3s/etcd/peer-ca.key", "/observability-stack/dev/k3s/etcd/server-ca.key",
            "/observability-stack/dev/k3s/request-header-ca.key", "/observability-stack/dev/k3s/server-ca.key", "/observability-stack/dev/k3s/service.key",
        ]);
        for (const p of params) assert.deepEqual([p.inputs.type, p.inputs.value, p.inputs.keyId], ["SecureString", SECRET_MASK, KMS]);
        const caKeys = JSON.parse(one(result, "RolePolicy", "t-host-ca-keys").inputs.policy as string);
        assert.equal(caKeys.Statement[0].Resource.length, 6);
        assert.ok(caKeys.Statement[0].Resource.every((a: string) => a.startsWith("arn:aws:ssm:eu-west-1:123456789012:parameter/observability-stack/dev/k3s/")));
        assert.deepEqual(caKeys.Statement[1].Resource, [KMS]);
        const h = built as ObservabilityHost;
        assert.equal(await pulumi.isSecret(h.kubeconfig), true);
        const gate = ofType(result, "ApiServerReadiness")[0];
        assert.equal(gate.inputs.keyPem, SECRET_MASK);
        assert.equal(gate.inputs.url, `https://${await value(h.publicIp)}:6443/readyz`);
        assert.equal(gate.inputs.timeoutSeconds, 1200);
        assert.equal(one(result, "providers:kubernetes", "t-host-k8s").inputs.kubeconfig, SECRET_MASK);
    });

    it("gives the instance role only what the host needs: SSM core and its CA keys until k3s is ready; no S3, no wildcard action", async () => {
        const { result, built } = await host({ adminCidrs: '["198.51.100.10/32"]', kmsKeyArn: KMS });
        const h = built as ObservabilityHost;
        const role = await hostRoleName(h);
        assert.deepEqual(ofType(result, "RolePolicyAttachment").filter(a => a.inputs.role === role).map(a => a.inputs.policyArn),
            ["arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"]);
        const inline = ofType(result, "iam/rolePolicy:RolePolicy").filter(p => p.inputs.role === role);
        assert.deepEqual(inline.map(p => p.name).sort(), ["t-host-ca-keys", "t-host-ca-keys-sealed"]);
        const statements = inline.flatMap(p => JSON.parse(p.inputs.policy as string).Statement as Record<string, any>[]);
        const actions = statements.flatMap(st => [].concat(st.Action) as string[]);
        assert.ok(!actions.some(a => a.startsWith("s3:")), `no S3 action: ${actions.join(", ")}`);
        assert.ok(!actions.some(a => a.includes("*")), `no wildcard action: ${actions.join(", ")}`);
        assert.ok(!statements.some(st => [].concat(st.Resource).includes("*" as never)), "no statement on every resource");

        const params = ofType(result, "ssm/parameter:Parameter").map(p => `arn:aws:ssm:eu-west-1:123456789012:parameter${p.inputs.name as string}`);
        const read = JSON.parse(one(result, "RolePolicy", "t-host-ca-keys").inputs.policy as string).Statement;
        assert.deepEqual(read[0], { Sid: "ReadCaKeys", Effect: "Allow", Action: ["ssm:GetParameter"], Resource: params });
        assert.deepEqual(read[1].Condition, { StringEquals: { "kms:ViaService": "ssm.eu-west-1.amazonaws.com" } });

        // The seal: this instance may read no CA key by any SSM action once k3s is ready (whatever the managed policy allows).
        const instanceArn = one(result, "ec2/instance:Instance", "t-host-instance");
        const seal = JSON.parse(one(result, "RolePolicy", "t-host-ca-keys-sealed").inputs.policy as string).Statement;
        assert.equal(seal.length, 1);
        assert.equal(seal[0].Effect, "Deny");
        assert.deepEqual(seal[0].Action, ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath", "ssm:GetParameterHistory"]);
        const path = "arn:aws:ssm:eu-west-1:123456789012:parameter/observability-stack/dev/k3s";
        assert.deepEqual(seal[0].Resource, [...params, path, `${path}/*`]);
        assert.deepEqual(seal[0].Condition, { ArnEqualsIfExists: { "ec2:SourceInstanceARN": `arn:aws:ec2:eu-west-1:123456789012:instance/${instanceArn.id}` } });
    });

    it("publishes the service-account issuer: two public documents of the SA key, an IAM OIDC provider for STS, k3s signing as it", async () => {
        const { result, built } = await host({ adminCidrs: '["198.51.100.10/32"]' });
        const h = built as ObservabilityHost;
        const { publicJwk, K3S_DEFAULT_ISSUER } = await import("../components/render/web-identity");
        const bucket = await value(h.issuer.bucketName);
        const issuer = `https://${bucket}.s3.eu-west-1.amazonaws.com`;
        assert.equal(await value(h.issuer.issuerUrl), issuer);
        const ofBucket = (type: string) => one(result, type, "t-host-oidc-bucket").inputs;

        // Public: exactly the two documents, read-only; ACLs disabled and public ACLs blocked; TLS only.
        const policy = JSON.parse(ofBucket("BucketPolicy").policy as string).Statement as Record<string, any>[];
        const allows = policy.filter(st => st.Effect === "Allow");
        assert.deepEqual(allows, [{
            Sid: "PublicOidcDocuments", Effect: "Allow", Principal: "*", Action: "s3:GetObject",
            Resource: [`arn:aws:s3:::${bucket}/.well-known/openid-configuration`, `arn:aws:s3:::${bucket}/openid/v1/jwks`],
        }]);
        assert.ok(policy.some(st => st.Effect === "Deny" && st.Condition?.Bool?.["aws:SecureTransport"] === "false"));
        const pab = ofBucket("BucketPublicAccessBlock");
        assert.deepEqual([pab.blockPublicAcls, pab.ignorePublicAcls, pab.blockPublicPolicy, pab.restrictPublicBuckets], [true, true, false, false]);
        assert.deepEqual(ofBucket("BucketOwnershipControls").rule, { objectOwnership: "BucketOwnerEnforced" });
        assert.deepEqual(ofBucket("BucketServerSideEncryptionConfiguration").rules, [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }]);

        // The documents: kube-apiserver's discovery document for this issuer, and the JWKS of the SA signing key.
        const objects = ofType(result, "BucketObjectv2");
        assert.deepEqual(objects.map(o => [o.inputs.bucket, o.inputs.key, o.inputs.contentType]).sort(),
            [[bucket, ".well-known/openid-configuration", "application/json"], [bucket, "openid/v1/jwks", "application/json"]]);
        const content = (key: string) => JSON.parse(objects.find(o => o.inputs.key === key)!.inputs.content as string);
        assert.deepEqual(content(".well-known/openid-configuration"), {
            issuer, jwks_uri: `${issuer}/openid/v1/jwks`, response_types_supported: ["id_token"], subject_types_supported: ["public"],
            id_token_signing_alg_values_supported: ["RS256"],
        });
        // The SA key's public PEM as the (mock) tls provider returned it: a well-formed RSA key.
        assert.equal(one(result, "tls:index/privateKey:PrivateKey", "t-pki-k3s-service-account-key").inputs.algorithm, "RSA");
        const jwk = publicJwk(fakeRsaPublicKeyPem("t-pki-k3s-service-account-key"));
        assert.deepEqual(content("openid/v1/jwks"), { keys: [jwk] });
        assert.match(jwk.kid, /^[A-Za-z0-9_-]{43}$/);

        // IAM trusts the issuer for STS; no thumbprint (IAM verifies an S3-hosted issuer against its trusted CAs).
        const provider = one(result, "OpenIdConnectProvider", "t-host-oidc-provider").inputs;
        assert.deepEqual([provider.url, provider.clientIdLists, provider.thumbprintLists], [issuer, ["sts.amazonaws.com"], undefined]);
        assert.deepEqual(await value(h.oidcProvider), { arn: `arn:aws:iam::123456789012:oidc-provider/${bucket}.s3.eu-west-1.amazonaws.com`, issuerHostPath: `${bucket}.s3.eu-west-1.amazonaws.com` });

        // k3s signs with the published issuer and still accepts its own.
        const userData = one(result, "ec2/instance:Instance", "t-host-instance").inputs.userData as string;
        assert.ok(userData.includes(`service-account-issuer=${issuer}`));
        assert.ok(userData.includes(`service-account-issuer=${K3S_DEFAULT_ISSUER}`));
        assert.ok(userData.includes(`service-account-jwks-uri=${issuer}/openid/v1/jwks`));
    });
});
