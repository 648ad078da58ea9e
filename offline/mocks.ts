// Pulumi mocks for the offline engine: answer every registration with plausible, deterministic provider
// outputs, and fail loudly on any invoke nobody taught them, so a new data source cannot slip through.
import { createHash, createPublicKey } from "crypto";
import * as pulumi from "@pulumi/pulumi";

export const ACCOUNT_ID = "123456789012";
/** When the offline engine's certificates are issued (their notAfter follows from validityPeriodHours). */
export const MOCK_ISSUED_AT = "2026-01-01T00:00:00Z";

/** What the engine hands `newResource`, kept for the render. */
export interface Registration {
    readonly type: string;
    readonly name: string;
    readonly inputs: Record<string, unknown>;
    readonly custom: boolean;
    readonly provider?: string;
    readonly id: string;
}

function digest(text: string, length: number): string {
    return createHash("sha256").update(text).digest("hex").slice(0, length);
}

/**
 * A well-formed RSA public key (PEM SubjectPublicKeyInfo) derived from `seed`: a deterministic 2048-bit modulus with
 * e = 65537, so what is computed from a public key (the k3s issuer's JWKS) renders, reproducibly. Not a key pair.
 */
export function fakeRsaPublicKeyPem(seed: string): string {
    const modulus = Buffer.concat(Array.from({ length: 8 }, (_, i) => createHash("sha256").update(`${seed}/${i}`).digest()));
    modulus[0] |= 0x80;
    modulus[255] |= 0x01;
    return createPublicKey({ key: { kty: "RSA", n: modulus.toString("base64url"), e: "AQAB" }, format: "jwk" }).export({ type: "spki", format: "pem" }).toString();
}

/** A PEM block that looks like the real thing, so a leak of a (mock) private key is caught by PEM scans. */
export function fakePem(label: string, seed: string): string {
    const body = Buffer.from(`offline-mock ${label} ${seed} ${digest(seed, 32)}`).toString("base64");
    return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}

function resourceOutputs(type: string, name: string, inputs: Record<string, unknown>, region: string): { id: string; state: Record<string, unknown> } {
    const h = digest(`${type}::${name}`, 17);
    const state: Record<string, unknown> = { ...inputs };
    const arn = (service: string, resource: string, r: string = region) => `arn:aws:${service}:${r}:${ACCOUNT_ID}:${resource}`;
    const r = (inputs.region as string | undefined) ?? region;
    switch (type) {
        case "aws:s3/bucket:Bucket": {
            const bucket = `${name}-${h.slice(0, 7)}`;
            return { id: bucket, state: { ...state, bucket, arn: `arn:aws:s3:::${bucket}`, region: r, bucketRegionalDomainName: `${bucket}.s3.${r}.amazonaws.com` } };
        }
        case "aws:iam/role:Role": {
            const roleName = `${name}-${h.slice(0, 7)}`;
            return { id: roleName, state: { ...state, name: roleName, arn: `arn:aws:iam::${ACCOUNT_ID}:role/${roleName}` } };
        }
        case "aws:iam/instanceProfile:InstanceProfile": {
            const profile = `${name}-${h.slice(0, 7)}`;
            return { id: profile, state: { ...state, name: profile, arn: `arn:aws:iam::${ACCOUNT_ID}:instance-profile/${profile}` } };
        }
        case "aws:ssm/parameter:Parameter":
            return { id: String(inputs.name), state: { ...state, arn: arn("ssm", `parameter${String(inputs.name)}`) } };
        case "aws:ec2/eip:Eip": {
            const n = parseInt(h.slice(0, 2), 16) % 250 + 2;
            return { id: `eipalloc-${h}`, state: { ...state, allocationId: `eipalloc-${h}`, publicIp: `203.0.113.${n}` } };
        }
        case "aws:iam/openIdConnectProvider:OpenIdConnectProvider": {
            const url = String(inputs.url).replace(/^https:\/\//, "");
            return { id: `arn:aws:iam::${ACCOUNT_ID}:oidc-provider/${url}`, state: { ...state, arn: `arn:aws:iam::${ACCOUNT_ID}:oidc-provider/${url}` } };
        }
        case "aws:ec2/instance:Instance":
            return { id: `i-${h}`, state: { ...state, arn: arn("ec2", `instance/i-${h}`), privateIp: "10.20.0.10" } };
        case "aws:ebs/volume:Volume":
            return { id: `vol-${h}`, state: { ...state, arn: arn("ec2", `volume/vol-${h}`) } };
        case "aws:ec2/vpc:Vpc":
            return { id: `vpc-${h}`, state: { ...state, arn: arn("ec2", `vpc/vpc-${h}`) } };
        case "aws:ec2/subnet:Subnet":
            return { id: `subnet-${h}`, state: { ...state, arn: arn("ec2", `subnet/subnet-${h}`) } };
        case "aws:ec2/securityGroup:SecurityGroup":
            return { id: `sg-${h}`, state: { ...state, arn: arn("ec2", `security-group/sg-${h}`) } };
        case "aws:msk/configuration:Configuration":
            return { id: arn("kafka", `configuration/${String(inputs.name)}/${h}`), state: { ...state, arn: arn("kafka", `configuration/${String(inputs.name)}/${h}`), latestRevision: 1 } };
        case "aws:msk/cluster:Cluster": {
            const cluster = String(inputs.clusterName);
            const count = Number(inputs.numberOfBrokerNodes);
            const brokers = (port: number) => Array.from({ length: count }, (_, i) => `b-${i + 1}.${cluster}.${h.slice(0, 6)}.c2.kafka.${r}.amazonaws.com:${port}`).join(",");
            return {
                id: arn("kafka", `cluster/${cluster}/${h}`),
                state: { ...state, arn: arn("kafka", `cluster/${cluster}/${h}`), bootstrapBrokersSaslScram: brokers(9096), bootstrapBrokersSaslIam: brokers(9098) },
            };
        }
        case "aws:rds/subnetGroup:SubnetGroup":
        case "aws:rds/parameterGroup:ParameterGroup": {
            // Auto-named (lower case, as RDS requires); the name is the id.
            const groupName = String(inputs.name ?? `${name}-${h.slice(0, 7)}`);
            const kind = type === "aws:rds/subnetGroup:SubnetGroup" ? "subgrp" : "pg";
            return { id: groupName, state: { ...state, name: groupName, arn: arn("rds", `${kind}:${groupName}`) } };
        }
        case "aws:rds/instance:Instance": {
            // The instance's DNS name, as RDS forms it: <identifier>.<account and region hash>.<region>.rds.amazonaws.com.
            const identifier = String(inputs.identifier ?? `${name}-${h.slice(0, 7)}`);
            const address = `${identifier}.c${h.slice(0, 11)}.${r}.rds.amazonaws.com`;
            const port = Number(inputs.port ?? 5432);
            return { id: identifier, state: { ...state, identifier, arn: arn("rds", `db:${identifier}`), address, port, endpoint: `${address}:${port}` } };
        }
        case "tls:index/privateKey:PrivateKey":
            return {
                id: `key-${h}`,
                state: {
                    ...state,
                    privateKeyPem: fakePem(inputs.algorithm === "RSA" ? "RSA PRIVATE KEY" : "EC PRIVATE KEY", name),
                    privateKeyPemPkcs8: fakePem("PRIVATE KEY", name),
                    publicKeyPem: inputs.algorithm === "RSA" ? fakeRsaPublicKeyPem(name) : fakePem("PUBLIC KEY", name),
                },
            };
        case "tls:index/certRequest:CertRequest":
            return { id: `csr-${h}`, state: { ...state, certRequestPem: fakePem("CERTIFICATE REQUEST", name) } };
        case "tls:index/selfSignedCert:SelfSignedCert":
        case "tls:index/locallySignedCert:LocallySignedCert": {
            // Validity from a fixed issue time, so renders are reproducible; RFC 3339 like the provider's.
            const hours = Number(inputs.validityPeriodHours);
            const start = Date.parse(MOCK_ISSUED_AT);
            return {
                id: `cert-${h}`,
                state: {
                    ...state, certPem: fakePem("CERTIFICATE", name), readyForRenewal: false,
                    validityStartTime: MOCK_ISSUED_AT, validityEndTime: new Date(start + hours * 3600_000).toISOString().replace(".000Z", "Z"),
                },
            };
        }
        case "random:index/randomPassword:RandomPassword":
            return { id: `pw-${h}`, state: { ...state, result: `offline-password-${digest(name, 24)}` } };
        default:
            if (type.startsWith("aws:")) {
                const kind = type.split(":")[1].split("/")[0];
                return { id: `${name}-${h.slice(0, 7)}`, state: { arn: arn(kind, `${name}`), ...state } };
            }
            return { id: `${name}-id`, state };
    }
}

/** The invokes the program makes, answered with realistic data. Anything else throws. */
function answerCall(token: string, inputs: Record<string, unknown>, region: string): Record<string, unknown> {
    switch (token) {
        case "aws:index/getPartition:getPartition":
            return { id: "aws", partition: "aws", dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws" };
        case "aws:index/getCallerIdentity:getCallerIdentity":
            return { id: ACCOUNT_ID, accountId: ACCOUNT_ID, arn: `arn:aws:iam::${ACCOUNT_ID}:user/offline`, userId: "OFFLINE" };
        case "aws:ec2/getSubnet:getSubnet": {
            const id = String(inputs.id);
            return { id, arn: `arn:aws:ec2:${region}:${ACCOUNT_ID}:subnet/${id}`, vpcId: `vpc-${digest(id, 17)}`, availabilityZone: `${region}a` };
        }
        case "aws:ssm/getParameter:getParameter": {
            const name = String(inputs.name);
            if (!name.startsWith("/aws/service/ami-amazon-linux-latest/")) throw new Error(`offline engine: no mock for SSM parameter ${name}`);
            return { id: name, name, type: "String", value: `ami-${digest(name, 17)}`, arn: `arn:aws:ssm:${region}::parameter${name}`, version: 1 };
        }
        default:
            throw new Error(`offline engine: no mock for invoke ${token}; add one to offline/mocks.ts`);
    }
}

export class OfflineMocks implements pulumi.runtime.Mocks {
    readonly registrations: Registration[] = [];

    constructor(private readonly region: string) {}

    newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, unknown> } {
        const { id, state } = resourceOutputs(args.type, args.name, args.inputs ?? {}, this.region);
        this.registrations.push({ type: args.type, name: args.name, inputs: args.inputs ?? {}, custom: args.custom ?? false, provider: args.provider, id });
        return { id, state };
    }

    call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
        return answerCall(args.token, args.inputs ?? {}, this.region);
    }
}
