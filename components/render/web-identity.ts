// Pure description of web identity (IRSA) on the k3s host: the service-account issuer the program publishes (its
// OIDC discovery document and JWKS, built from the service-account signing key the program owns), the public-read
// policy of the bucket that serves them, and what a backend pod needs to assume its role without EKS's pod identity
// webhook (a projected token and the AWS SDKs' environment). No provider SDK: node:crypto only.
import { createHash, createPublicKey, JsonWebKey, KeyObject } from "crypto";
import type { Environment } from "../config/primitives";
import type { AwsIdentity, Values } from "./backends/common";
import { PolicyDocument, tlsOnlyBucketPolicy } from "./storage";

/** The audience of the tokens STS accepts (the IAM OIDC provider's client ID). */
export const STS_AUDIENCE = "sts.amazonaws.com";
/** k3s's own issuer (`https://kubernetes.default.svc.<cluster domain>`), kept so that tokens it issued stay valid. */
export const K3S_DEFAULT_ISSUER = "https://kubernetes.default.svc.cluster.local";
/** Object keys of the two public documents, below the issuer URL (the paths kube-apiserver serves them at). */
export const DISCOVERY_KEY = ".well-known/openid-configuration";
export const JWKS_KEY = "openid/v1/jwks";

/** Where the pods read their token: the paths EKS's webhook uses, so the SDKs and any runbook see the same layout. */
export const WEB_IDENTITY_TOKEN = {
    volume: "aws-iam-token",
    mountPath: "/var/run/secrets/eks.amazonaws.com/serviceaccount",
    path: "token",
    expirationSeconds: 86400,
} as const;

/** The issuer URL of a bucket that serves the documents: S3's virtual-hosted-style HTTPS endpoint of the region. */
export function s3IssuerUrl(bucket: string, region: string): string {
    if (!/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(bucket)) {
        // A dot would break the wildcard certificate of *.s3.<region>.amazonaws.com that STS verifies.
        throw new Error(`bucket name ${JSON.stringify(bucket)} cannot serve an OIDC issuer over virtual-hosted HTTPS`);
    }
    return `https://${bucket}.s3.${region}.amazonaws.com`;
}

/** The issuer without its scheme: the IAM OIDC provider's name and the prefix of its trust-policy condition keys. */
export const issuerHostPath = (issuerUrl: string): string => issuerUrl.replace(/^https:\/\//, "");

/** A public JWK as kube-apiserver publishes it (`kid`, `use`, `alg` and the key's own members). */
export interface PublicJwk {
    readonly kid: string;
    readonly kty: "RSA" | "EC";
    readonly use: "sig";
    readonly alg: string;
    readonly n?: string;
    readonly e?: string;
    readonly crv?: string;
    readonly x?: string;
    readonly y?: string;
}

/**
 * The key ID kube-apiserver puts in every token it signs: base64url (unpadded) of the SHA-256 of the public key's
 * DER SubjectPublicKeyInfo (`keyIDFromPublicKey` in kubernetes/pkg/serviceaccount/jwt.go).
 */
export function keyId(key: KeyObject): string {
    return createHash("sha256").update(key.export({ type: "spki", format: "der" })).digest("base64url");
}

const EC_ALGORITHMS: Readonly<Record<string, string>> = { "P-256": "ES256", "P-384": "ES384", "P-521": "ES512" };

/**
 * The JWK of a service-account signing key, from its public (or private) PEM: RS256 for RSA, ES256/384/512 by
 * curve for ECDSA (kube-apiserver's `algorithmFromPublicKey`); other key types are refused, as the apiserver does.
 */
export function publicJwk(pem: string): PublicJwk {
    const key = createPublicKey(pem);
    const jwk = key.export({ format: "jwk" }) as JsonWebKey;
    const kid = keyId(key);
    if (jwk.kty === "RSA") return { kid, kty: "RSA", use: "sig", alg: "RS256", n: jwk.n, e: jwk.e };
    if (jwk.kty === "EC" && jwk.crv !== undefined && EC_ALGORITHMS[jwk.crv]) {
        return { kid, kty: "EC", use: "sig", alg: EC_ALGORITHMS[jwk.crv], crv: jwk.crv, x: jwk.x, y: jwk.y };
    }
    throw new Error(`a service-account key must be RSA or ECDSA P-256/384/521, not ${jwk.kty}${jwk.crv ? ` ${jwk.crv}` : ""}`);
}

/** The JWKS document (`{"keys": [...]}`) of the given public keys, the signing key first. */
export function jwksDocument(pems: readonly string[]): { keys: PublicJwk[] } {
    return { keys: pems.map(publicJwk) };
}

/** The OIDC discovery document kube-apiserver would serve for this issuer (`openIDMetadata`), with our JWKS URI. */
export function discoveryDocument(issuerUrl: string, pems: readonly string[]): Record<string, unknown> {
    return {
        issuer: issuerUrl,
        jwks_uri: `${issuerUrl}/${JWKS_KEY}`,
        response_types_supported: ["id_token"],
        subject_types_supported: ["public"],
        id_token_signing_alg_values_supported: [...new Set(jwksDocument(pems).keys.map(k => k.alg))].sort(),
    };
}

/**
 * The issuer bucket's policy: anyone may GET exactly the two documents (STS fetches them anonymously); nothing else
 * is public, and every request needs TLS 1.2 or newer (the stack's TLS-only statements).
 */
export function issuerBucketPolicy(bucketArn: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            ...tlsOnlyBucketPolicy(bucketArn).Statement,
            {
                Sid: "PublicOidcDocuments",
                Effect: "Allow",
                Principal: "*",
                Action: "s3:GetObject",
                Resource: [DISCOVERY_KEY, JWKS_KEY].map(k => `${bucketArn}/${k}`),
            },
        ],
    };
}

/** The k3s API server's arguments for the published issuer: it signs with it and still accepts k3s's own. */
export function issuerApiServerArgs(issuerUrl: string): string[] {
    if (!/^https:\/\/[a-z0-9.-]+$/.test(issuerUrl)) throw new Error(`not an https issuer URL without a path: ${JSON.stringify(issuerUrl)}`);
    return [
        // The first --service-account-issuer signs new tokens; every one listed is accepted.
        `service-account-issuer=${issuerUrl}`,
        `service-account-issuer=${K3S_DEFAULT_ISSUER}`,
        `service-account-jwks-uri=${issuerUrl}/${JWKS_KEY}`,
    ];
}

/** What a storing backend's pods add to assume their role: env vars, the projected token volume and its mount. */
export interface PodWebIdentity {
    readonly env: Values[];
    readonly volumes: Values[];
    readonly mounts: Values[];
}

/**
 * The projected token (audience sts.amazonaws.com) and the AWS SDKs' web-identity environment for a backend with
 * its own role, in dev: the k3s host has no pod identity webhook, so the pods carry them themselves. Elsewhere
 * (an existing EKS cluster) the webhook injects the same from the ServiceAccount's role annotation; the result is
 * empty there.
 */
export function podWebIdentity(ctx: { environment: Environment; identity: AwsIdentity; storage: { region: string } }): PodWebIdentity {
    if (ctx.environment !== "dev") return { env: [], volumes: [], mounts: [] };
    const t = WEB_IDENTITY_TOKEN;
    return {
        env: [
            { name: "AWS_ROLE_ARN", value: ctx.identity.roleArn },
            { name: "AWS_WEB_IDENTITY_TOKEN_FILE", value: `${t.mountPath}/${t.path}` },
            { name: "AWS_REGION", value: ctx.storage.region },
            { name: "AWS_STS_REGIONAL_ENDPOINTS", value: "regional" },
        ],
        volumes: [{
            name: t.volume,
            projected: { sources: [{ serviceAccountToken: { audience: STS_AUDIENCE, expirationSeconds: t.expirationSeconds, path: t.path } }] },
        }],
        mounts: [{ name: t.volume, mountPath: t.mountPath, readOnly: true }],
    };
}
