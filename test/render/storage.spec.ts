import { strict as assert } from "assert";
import { canonicalCidr, cidrsOverlap, isDnsName, parseCidr } from "../../components/render/net";
import { serverDnsNames, SERVER_IDENTITIES } from "../../components/render/pki";
import { bucketAccessPolicy, expirationDays, lifecycleRules, STORES, tlsOnlyBucketPolicy } from "../../components/render/storage";

describe("storage renderer", () => {
    it("has one bucket per store, and only the data stores expire", () => {
        assert.deepEqual(STORES.map(s => s.store), ["loki-chunks", "loki-ruler", "tempo-traces", "mimir-blocks", "mimir-alertmanager"]);
        const retention = { metrics: 15, logs: 7, traces: 3 };
        const days = Object.fromEntries(STORES.map(s => [s.store, expirationDays(s, retention, 7)]));
        assert.deepEqual(days, {
            "loki-chunks": 14, "loki-ruler": undefined, "tempo-traces": 10, "mimir-blocks": 22, "mimir-alertmanager": undefined,
        });
    });

    it("lifecycle: expiry, noncurrent versions, incomplete uploads and delete markers", () => {
        const rules = lifecycleRules({ expirationDays: 14, noncurrentVersionExpirationDays: 7, abortIncompleteUploadDays: 2, versioning: true });
        assert.deepEqual(rules.map(r => r.id), ["expire-after-retention", "abort-incomplete-uploads", "expire-noncurrent-versions", "remove-expired-delete-markers"]);
        assert.deepEqual(rules[0].expiration, { days: 14 });
        assert.deepEqual(rules[1].abortIncompleteMultipartUpload, { daysAfterInitiation: 2 });
        assert.deepEqual(rules[2].noncurrentVersionExpiration, { noncurrentDays: 7 });
        // State buckets never expire current objects; without versioning there are no version rules.
        const state = lifecycleRules({ noncurrentVersionExpirationDays: 7, abortIncompleteUploadDays: 2, versioning: false });
        assert.deepEqual(state.map(r => r.id), ["abort-incomplete-uploads"]);
    });

    it("TLS-only bucket policy denies insecure transport and old TLS on the bucket and its objects", () => {
        const p = tlsOnlyBucketPolicy("arn:aws:s3:::b");
        const insecure = p.Statement.find(s => s.Sid === "DenyInsecureTransport")!;
        assert.equal(insecure.Effect, "Deny");
        assert.deepEqual(insecure.Resource, ["arn:aws:s3:::b", "arn:aws:s3:::b/*"]);
        assert.deepEqual(insecure.Condition, { Bool: { "aws:SecureTransport": "false" } });
        assert.deepEqual(p.Statement.find(s => s.Sid === "DenyOutdatedTls")!.Condition, { NumericLessThan: { "s3:TlsVersion": "1.2" } });
    });

    it("access policy grants exactly the given buckets, no wildcard bucket, KMS only when a key is set", () => {
        const p = bucketAccessPolicy(["arn:aws:s3:::a", "arn:aws:s3:::b"]);
        const resources = p.Statement.flatMap(s => s.Resource as string[]);
        assert.deepEqual(resources, ["arn:aws:s3:::a", "arn:aws:s3:::b", "arn:aws:s3:::a/*", "arn:aws:s3:::b/*"]);
        assert.ok(p.Statement.every(s => !(s.Action as string[]).some(a => a === "s3:*" || a.startsWith("kms:"))));
        const withKms = bucketAccessPolicy(["arn:aws:s3:::a"], "arn:aws:kms:eu-west-1:123456789012:key/k");
        assert.deepEqual(withKms.Statement.at(-1)!.Resource, ["arn:aws:kms:eu-west-1:123456789012:key/k"]);
    });
});

describe("network and PKI helpers", () => {
    it("parses, canonicalizes and overlaps CIDRs", () => {
        assert.equal(parseCidr("10.0.0.256/8"), undefined);
        assert.equal(parseCidr("10.0.0.0/33"), undefined);
        assert.equal(parseCidr("2001:db8:::/32"), undefined);
        assert.equal(canonicalCidr(parseCidr("10.1.2.3/8")!), "10.0.0.0/8");
        assert.equal(canonicalCidr(parseCidr("2001:db8:0:0:1::1/64")!), "2001:db8::/64");
        assert.equal(parseCidr("::/0")!.prefix, 0);
        assert.ok(cidrsOverlap(parseCidr("10.42.0.0/16")!, parseCidr("10.0.0.0/8")!));
        assert.ok(!cidrsOverlap(parseCidr("10.20.0.0/16")!, parseCidr("10.42.0.0/16")!));
        assert.ok(isDnsName("obs.example.com") && !isDnsName("localhost") && !isDnsName("-a.example.com"));
    });

    it("server SANs cover every in-cluster form and the public name", () => {
        const grafana = SERVER_IDENTITIES.find(s => s.name === "grafana")!;
        assert.deepEqual(serverDnsNames(grafana, "obs.example.com"), [
            "grafana", "grafana.observability", "grafana.observability.svc", "grafana.observability.svc.cluster.local", "grafana.obs.example.com",
        ]);
        const loki = SERVER_IDENTITIES.find(s => s.name === "loki")!;
        assert.ok(!serverDnsNames(loki, "obs.example.com").some(n => n.endsWith("example.com")), "loki has no public endpoint");
    });
});
