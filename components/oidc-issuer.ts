import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { OidcProvider } from "./config/schema";
import {
    DISCOVERY_KEY, discoveryDocument, issuerBucketPolicy, issuerHostPath, JWKS_KEY, jwksDocument, s3IssuerUrl, STS_AUDIENCE,
} from "./render/web-identity";

export interface ServiceAccountIssuerArgs {
    /** Region of the bucket; the issuer is its virtual-hosted-style endpoint there. */
    region: string;
    /** Public key(s) that verify the cluster's service-account tokens, the signing key's first (PEM). */
    publicKeyPems: pulumi.Input<pulumi.Input<string>[]>;
}

/**
 * The k3s cluster's service-account issuer, published where STS can read it: a dedicated bucket serving the OIDC
 * discovery document and the JWKS over HTTPS (public-read on exactly those two objects, by bucket policy; ACLs
 * disabled and public ACLs blocked; TLS-only), and the IAM OIDC provider for it, whose audience is STS. The
 * backends' roles trust this provider for their ServiceAccounts (web identity, as IRSA on EKS).
 */
export class ServiceAccountIssuer extends pulumi.ComponentResource {
    /** `https://<bucket>.s3.<region>.amazonaws.com`: the `iss` of the tokens and the IAM OIDC provider's URL. */
    public readonly issuerUrl: pulumi.Output<string>;
    public readonly bucketName: pulumi.Output<string>;
    /** The IAM OIDC provider, as the backends' IRSA roles need it (ARN and issuer without the scheme). */
    public readonly oidcProvider: pulumi.Output<OidcProvider>;

    constructor(name: string, args: ServiceAccountIssuerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("observability:aws:ServiceAccountIssuer", name, {}, opts);
        const parent = { parent: this };

        // Only the two documents live here, all derived from the key: nothing to keep when the stack goes.
        const bucket = new aws.s3.Bucket(`${name}-bucket`, {
            forceDestroy: true,
            tags: { "observability-stack:purpose": "oidc-issuer" },
        }, parent);
        // ACLs off: the bucket owner owns every object and no ACL can make one public.
        const ownership = new aws.s3.BucketOwnershipControls(`${name}-bucket`, {
            bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" },
        }, parent);
        // SSE-S3 (anonymous readers cannot use a KMS key).
        new aws.s3.BucketServerSideEncryptionConfiguration(`${name}-bucket`, {
            bucket: bucket.id,
            rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
        }, parent);
        // Public ACLs blocked; the public bucket policy allowed, since it is what publishes the two documents.
        const pab = new aws.s3.BucketPublicAccessBlock(`${name}-bucket`, {
            bucket: bucket.id,
            blockPublicAcls: true,
            ignorePublicAcls: true,
            blockPublicPolicy: false,
            restrictPublicBuckets: false,
        }, parent);
        const policy = new aws.s3.BucketPolicy(`${name}-bucket`, {
            bucket: bucket.id,
            policy: bucket.arn.apply(arn => JSON.stringify(issuerBucketPolicy(arn))),
        }, { parent: this, dependsOn: [pab, ownership] });

        this.bucketName = bucket.bucket;
        this.issuerUrl = bucket.bucket.apply(b => s3IssuerUrl(b, args.region));
        const pems = pulumi.output(args.publicKeyPems);
        const document = (key: string, content: pulumi.Output<unknown>) => new aws.s3.BucketObjectv2(`${name}-${key.split("/").pop()}`, {
            bucket: bucket.id,
            key,
            content: content.apply(c => JSON.stringify(c)),
            contentType: "application/json",
            // kube-apiserver serves these with max-age 3600; a shorter one lets a rotated key reach STS sooner.
            cacheControl: "public, max-age=300",
        }, parent);
        const objects = [
            document(DISCOVERY_KEY, pulumi.all([this.issuerUrl, pems]).apply(([issuer, keys]) => discoveryDocument(issuer, keys))),
            document(JWKS_KEY, pems.apply(keys => jwksDocument(keys))),
        ];

        // No thumbprint: IAM verifies an S3-hosted issuer's certificate against its trusted root CAs (and would ignore one).
        const provider = new aws.iam.OpenIdConnectProvider(`${name}-provider`, {
            url: this.issuerUrl,
            clientIdLists: [STS_AUDIENCE],
        }, { parent: this, dependsOn: [policy, ...objects] });
        this.oidcProvider = pulumi.all([provider.arn, this.issuerUrl]).apply(([arn, issuer]) => ({ arn, issuerHostPath: issuerHostPath(issuer) }));

        this.registerOutputs({ issuerUrl: this.issuerUrl, bucketName: this.bucketName, oidcProvider: this.oidcProvider });
    }
}
