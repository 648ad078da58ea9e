import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import type { TelemetryBuckets } from "../components/buckets";
import { parseStackConfig, StackConfig } from "../components/config";
import type { ObservabilityHost } from "../components/host";
import type { MutualTls } from "../components/mtls";
import { EngineResult, RenderedResource, runProgram, SECRET_MASK } from "../offline/engine";

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
        assert.ok((server.inputs.allowedUses as string[]).includes("server_auth"));
        // Servers also act as clients of their own peers (internal gRPC, gossip), with the same certificate.
        assert.ok((server.inputs.allowedUses as string[]).includes("client_auth"));
        assert.equal(server.inputs.earlyRenewalHours, 720);
        assert.equal(server.inputs.validityPeriodHours, 8760);
        const client = one(result, "LocallySignedCert", "t-pki-client-otel-agent");
        assert.ok((client.inputs.allowedUses as string[]).includes("client_auth"));
        assert.ok(!(client.inputs.allowedUses as string[]).includes("server_auth"));
        // Leaves are signed by the root CA; the k3s admin by the k3s client CA, in system:masters.
        assert.equal(server.inputs.caCertPem, await value(pki.caCertPem));
        const admin = one(result, "LocallySignedCert", "t-pki-k3s-admin");
        assert.equal(admin.inputs.caCertPem, await value(pki.k3s!.cas["client-ca"].certPem));
        assert.deepEqual(one(result, "CertRequest", "t-pki-k3s-admin-csr").inputs.subject, { commonName: "observability-admin", organization: "system:masters" });
        assert.equal(ofType(result, "selfSignedCert:SelfSignedCert").length, 6);
        for (const ca of ofType(result, "selfSignedCert:SelfSignedCert")) assert.equal(ca.inputs.isCaCertificate, true);
        assert.equal(one(result, "SelfSignedCert", "t-pki-k3s-server-ca").inputs.earlyRenewalHours, undefined, "k3s CAs must not rotate on their own");
        for (const kp of [pki.servers.loki, pki.clients.grafana, pki.k3s!.admin, pki.k3s!.cas["server-ca"]]) {
            assert.equal(await pulumi.isSecret(kp.keyPem), true);
            assert.equal(await pulumi.isSecret(kp.certPem), false);
        }
        assert.equal(await pulumi.isSecret(pki.k3s!.serviceAccountKeyPem), true);
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
                domain: cfg.domain, kmsKeyArn: cfg.buckets.kmsKeyArn, bucketAccessPolicyJson: '{"Version":"2012-10-17","Statement":[]}', pki: pki.k3s!,
            });
        });
    }

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
});
