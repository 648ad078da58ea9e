// The published service-account issuer (discovery document, JWKS, bucket policy, k3s arguments) and the pods' web
// identity wiring, as pure renderers: a token signed with a real key verifies against the JWKS built from its public
// key, and the key ID is the one the openssl CLI computes the way kube-apiserver does.
import { strict as assert } from "assert";
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { backendBase } from "../../components/plan";
import { parseStackConfig } from "../../components/config";
import { placeholder, placeholderInput, renderStoringBackend, StoringBackend } from "../../components/render/backends/index";
import {
    discoveryDocument, issuerApiServerArgs, issuerBucketPolicy, jwksDocument, keyId, podWebIdentity, publicJwk, s3IssuerUrl, WEB_IDENTITY_TOKEN,
} from "../../components/render/web-identity";
import { runTool } from "../helpers/tools";
import { tempDir } from "../helpers/temp";

const ISSUER = "https://obs-dev-host-oidc-bucket-0123abc.s3.eu-west-1.amazonaws.com";
const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");

/** A token as kube-apiserver signs it: JWS compact, `kid` from the key, RS256 or ES256. */
function signToken(privatePem: string, claims: Record<string, unknown>): string {
    const key = createPrivateKey(privatePem);
    const alg = key.asymmetricKeyType === "rsa" ? "RS256" : "ES256";
    const input = `${b64url({ alg, kid: keyId(createPublicKey(key)) })}.${b64url(claims)}`;
    const signature = sign("sha256", Buffer.from(input), alg === "RS256" ? key : { key, dsaEncoding: "ieee-p1363" });
    return `${input}.${signature.toString("base64url")}`;
}

/** What STS does with the published JWKS: pick the key by `kid`, verify the signature, return the claims. */
function verifyWithJwks(token: string, jwks: { keys: ReadonlyArray<{ kid: string; alg: string }> }): Record<string, unknown> {
    const [header, payload, signature] = token.split(".");
    const { alg, kid } = JSON.parse(Buffer.from(header, "base64url").toString());
    const jwk = jwks.keys.find(k => k.kid === kid);
    assert.ok(jwk, `no key ${kid} in the JWKS`);
    assert.equal(jwk.alg, alg);
    const key = createPublicKey({ key: jwk as never, format: "jwk" });
    const ok = verify("sha256", Buffer.from(`${header}.${payload}`), alg === "RS256" ? key : { key, dsaEncoding: "ieee-p1363" }, Buffer.from(signature, "base64url"));
    assert.ok(ok, "signature verifies against the published key");
    return JSON.parse(Buffer.from(payload, "base64url").toString());
}

describe("web identity renderer", () => {
    // The shapes @pulumi/tls hands over: the private key PKCS#1 (`service.key`), the public key PKIX.
    const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const rsaPrivate = rsa.privateKey.export({ type: "pkcs1", format: "pem" }).toString();
    const rsaPublic = rsa.publicKey.export({ type: "spki", format: "pem" }).toString();

    it("publishes a JWKS against which a token signed with the SA key verifies (RSA and ECDSA)", () => {
        const now = Math.floor(Date.now() / 1000);
        const claims = { iss: ISSUER, sub: "system:serviceaccount:observability:loki", aud: ["sts.amazonaws.com"], iat: now, nbf: now, exp: now + 86400 };
        const jwks = jwksDocument([rsaPublic]);
        assert.deepEqual(Object.keys(jwks.keys[0]).sort(), ["alg", "e", "kid", "kty", "n", "use"]);
        assert.deepEqual([jwks.keys[0].kty, jwks.keys[0].alg, jwks.keys[0].use, jwks.keys[0].e], ["RSA", "RS256", "sig", "AQAB"]);
        assert.deepEqual(verifyWithJwks(signToken(rsaPrivate, claims), jwks), claims);

        const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
        const ecJwks = jwksDocument([ec.publicKey.export({ type: "spki", format: "pem" }).toString()]);
        assert.deepEqual([ecJwks.keys[0].kty, ecJwks.keys[0].crv, ecJwks.keys[0].alg], ["EC", "P-256", "ES256"]);
        assert.deepEqual(verifyWithJwks(signToken(ec.privateKey.export({ type: "sec1", format: "pem" }).toString(), claims), ecJwks), claims);

        // A token from another key, or a tampered one, does not verify.
        const other = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" }).toString();
        assert.throws(() => verifyWithJwks(signToken(other, claims), jwks), /no key/);
        const [h, , sig] = signToken(rsaPrivate, claims).split(".");
        assert.throws(() => verifyWithJwks(`${h}.${b64url({ ...claims, sub: "system:serviceaccount:observability:mimir" })}.${sig}`, jwks), /signature verifies/);
        assert.throws(() => publicJwk(generateKeyPairSync("ed25519").publicKey.export({ type: "spki", format: "pem" }).toString()), /RSA or ECDSA/);
    });

    it("key ID: base64url SHA-256 of the DER public key, as openssl computes it; the same from service.key", () => {
        const dir = tempDir("kid");
        const pem = path.join(dir, "sa.pub"), der = path.join(dir, "sa.der");
        fs.writeFileSync(pem, rsaPublic);
        const toDer = runTool("openssl", ["pkey", "-pubin", "-in", pem, "-outform", "DER", "-out", der], "openssl");
        assert.equal(toDer.status, 0, toDer.stderr);
        const digest = runTool("openssl", ["dgst", "-sha256", "-r", der], "openssl");
        assert.equal(digest.status, 0, digest.stderr);
        const expected = Buffer.from(digest.stdout.split(" ")[0], "hex").toString("base64url");
        assert.equal(publicJwk(rsaPublic).kid, expected);
        // k3s derives the key from the private key in service.key: same kid.
        assert.equal(publicJwk(rsaPrivate).kid, expected);
        assert.match(expected, /^[A-Za-z0-9_-]{43}$/);
    });

    it("discovery document: kube-apiserver's fields, the JWKS at the published key", () => {
        assert.deepEqual(discoveryDocument(ISSUER, [rsaPublic]), {
            issuer: ISSUER,
            jwks_uri: `${ISSUER}/openid/v1/jwks`,
            response_types_supported: ["id_token"],
            subject_types_supported: ["public"],
            id_token_signing_alg_values_supported: ["RS256"],
        });
        assert.equal(s3IssuerUrl("obs-dev-host-oidc-bucket-0123abc", "eu-west-1"), ISSUER);
        assert.throws(() => s3IssuerUrl("with.dots", "eu-west-1"), /cannot serve an OIDC issuer/);
        assert.deepEqual(issuerApiServerArgs(ISSUER), [
            `service-account-issuer=${ISSUER}`, "service-account-issuer=https://kubernetes.default.svc.cluster.local", `service-account-jwks-uri=${ISSUER}/openid/v1/jwks`,
        ]);
    });

    it("bucket policy: the public may GET exactly the two documents; TLS 1.2+ only", () => {
        const p = issuerBucketPolicy("arn:aws:s3:::b");
        const allows = p.Statement.filter(s => s.Effect === "Allow");
        assert.deepEqual(allows, [{
            Sid: "PublicOidcDocuments", Effect: "Allow", Principal: "*", Action: "s3:GetObject",
            Resource: ["arn:aws:s3:::b/.well-known/openid-configuration", "arn:aws:s3:::b/openid/v1/jwks"],
        }]);
        assert.deepEqual(p.Statement.filter(s => s.Effect === "Deny").map(s => s.Sid), ["DenyInsecureTransport", "DenyOutdatedTls"]);
    });

    it("pods: a projected STS token and the SDKs' env in dev with a role; nothing in prod (EKS's webhook) or without a role", () => {
        const irsa = { roleArn: "arn:aws:iam::123456789012:role/loki" };
        const dev = podWebIdentity({ environment: "dev", identity: irsa, storage: { region: "eu-west-1" } });
        assert.deepEqual(dev.env, [
            { name: "AWS_ROLE_ARN", value: irsa.roleArn },
            { name: "AWS_WEB_IDENTITY_TOKEN_FILE", value: "/var/run/secrets/eks.amazonaws.com/serviceaccount/token" },
            { name: "AWS_REGION", value: "eu-west-1" },
            { name: "AWS_STS_REGIONAL_ENDPOINTS", value: "regional" },
        ]);
        assert.deepEqual(dev.volumes, [{
            name: "aws-iam-token",
            projected: { sources: [{ serviceAccountToken: { audience: "sts.amazonaws.com", expirationSeconds: 86400, path: "token" } }] },
        }]);
        assert.deepEqual(dev.mounts, [{ name: "aws-iam-token", mountPath: "/var/run/secrets/eks.amazonaws.com/serviceaccount", readOnly: true }]);
        const none = { env: [], volumes: [], mounts: [] };
        assert.deepEqual(podWebIdentity({ environment: "prod", identity: irsa, storage: { region: "eu-west-1" } }), none);
    });

    it("each storing chart carries the token and env where its S3 pods read them (dev plan, role placeholders)", () => {
        const config = parseStackConfig("dev", { values: { adminCidrs: '["198.51.100.10/32"]' }, secrets: {}, awsRegion: "eu-west-1" });
        const input = placeholderInput(backendBase(config));
        const wi = (backend: StoringBackend) => podWebIdentity({ environment: "dev", identity: { roleArn: placeholder.role(backend) }, storage: { region: "eu-west-1" } });
        const values = (backend: StoringBackend) => renderStoringBackend(backend, input).values as Record<string, any>;
        const roleEnv = (env: Array<{ name: string; value?: string }>) => env.find(e => e.name === "AWS_ROLE_ARN")?.value;

        // Loki 18.11.0, Monolithic: the single binary (the chart concatenates global, defaults and the component's).
        const loki = values("loki");
        assert.deepEqual([loki.singleBinary.extraEnv, loki.singleBinary.extraVolumes, loki.singleBinary.extraVolumeMounts], [wi("loki").env, wi("loki").volumes, wi("loki").mounts]);
        assert.equal(roleEnv(loki.singleBinary.extraEnv), "<role:loki>");
        // Tempo 2.2.4 (monolithic chart): the tempo container's env and mounts, the pod's volumes.
        const tempo = values("tempo");
        assert.deepEqual(tempo.tempo.extraEnv, wi("tempo").env);
        assert.deepEqual(tempo.tempo.extraVolumeMounts.slice(-1), wi("tempo").mounts);
        assert.deepEqual(tempo.extraVolumes.slice(-1), wi("tempo").volumes);
        // Mimir 6.1.0: global, which every component's pod takes.
        const mimir = values("mimir");
        assert.deepEqual(mimir.global.extraEnv, wi("mimir").env);
        assert.deepEqual(mimir.global.extraVolumeMounts.slice(-1), wi("mimir").mounts);
        assert.deepEqual(mimir.global.extraVolumes.slice(-1), wi("mimir").volumes);
        // The token lives where the SDKs look for it, in a volume of the name EKS's webhook would use.
        assert.equal(WEB_IDENTITY_TOKEN.volume, "aws-iam-token");
    });
});
