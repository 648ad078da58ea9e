import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import type { CertificateConfig } from "./config/schema";
import type { CertificateValidity } from "./render/rules/catalogue/certificates";
import {
    CA_USES, CLIENT_IDENTITIES, CLIENT_USES, ClientIdentity, K3S_CAS, K3sCa, k3sCaResourceName, NAMESPACE, OTLP_CLIENT_OU, SERVER_IDENTITIES,
    SERVER_USES, serverDnsNames,
} from "./render/pki";

export interface MutualTlsArgs {
    /** Validity and renewal window of the CA and of every issued certificate. */
    certificates: CertificateConfig;
    /** Public domain; servers with a public endpoint also get `<label>.<domain>`. Defaults to none. */
    domain?: string;
    /** Namespace of the in-cluster Service names in server SANs. Defaults to `observability`. */
    namespace?: string;
    /** Also create the k3s cluster CAs, service-account key and admin certificate. Defaults to false. */
    k3s?: boolean;
    /** Organization in every subject. Defaults to `observability-stack`. */
    organization?: string;
    /** Applications sending OTLP to the agents (`otlpClients`): a client certificate each, from a CA of its own. Defaults to none. */
    otlpClients?: readonly string[];
}

/** A certificate and its private key (the key is always a secret Output). */
export interface KeyPair {
    readonly certPem: pulumi.Output<string>;
    readonly keyPem: pulumi.Output<string>;
}

export interface K3sPki {
    readonly cas: Readonly<Record<K3sCa, KeyPair>>;
    /** Service-account token signing key (`service.key`); it has no certificate. */
    readonly serviceAccountKeyPem: pulumi.Output<string>;
    /** Its public key (PEM), published as the issuer's JWKS for web identity. */
    readonly serviceAccountPublicKeyPem: pulumi.Output<string>;
    /** Client certificate in `system:masters`, for the deploy's kubeconfig. */
    readonly admin: KeyPair;
}

/**
 * The stack's PKI, all made with `@pulumi/tls`: a root CA, a server certificate per backend service, a client
 * certificate per component that dials (the collectors, Grafana, each backend), an OTLP client certificate per
 * application from a CA of its own, and (for a k3s host) the cluster CAs and an admin certificate. Leaf
 * certificates carry `earlyRenewalHours`, so a `pulumi up` inside the renewal window re-issues them.
 */
export class MutualTls extends pulumi.ComponentResource {
    /** PEM of the root CA that every backend client verifies against. */
    public readonly caCertPem: pulumi.Output<string>;
    public readonly servers: Readonly<Record<string, KeyPair>>;
    public readonly clients: Readonly<Record<ClientIdentity, KeyPair>>;
    /** Each OTLP client's certificate and key (`otlpClients`), by name: CN the name, OU `otlp-client`. */
    public readonly otlpClients: Readonly<Record<string, KeyPair>>;
    /**
     * The agents' OTLP trust (PEM bundle): the CA of each listed OTLP client, and no other, so a removed client's
     * certificate (its CA deleted with it) chains to nothing the agents trust. With no client, one CA that signs nothing.
     */
    public readonly otlpClientCaPem: pulumi.Output<string>;
    public readonly k3s?: K3sPki;

    private readonly root: KeyPair;
    private readonly organization: string;
    private readonly issued: pulumi.Output<CertificateValidity>[] = [];
    private readonly certs: CertificateConfig;

    constructor(name: string, args: MutualTlsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("observability:pki:MutualTls", name, {}, opts);
        this.organization = args.organization ?? "observability-stack";
        this.certs = args.certificates;
        const namespace = args.namespace ?? NAMESPACE;

        const root = this.selfSignedCa(`${name}-root-ca`, "observability-stack root CA", "root-ca");
        this.caCertPem = root.certPem;

        const servers: Record<string, KeyPair> = {};
        for (const id of SERVER_IDENTITIES) {
            servers[id.name] = this.issue(`${name}-server-${id.name}`, root, {
                commonName: `${id.services[0]}.${id.namespace ?? namespace}.svc`,
                dnsNames: serverDnsNames(id, args.domain, namespace),
                uses: SERVER_USES,
            }, { certificate: id.name, kind: "server" });
        }
        this.servers = servers;

        const clients = {} as Record<ClientIdentity, KeyPair>;
        for (const id of CLIENT_IDENTITIES) {
            clients[id] = this.issue(`${name}-client-${id}`, root, { commonName: id, uses: CLIENT_USES }, { certificate: `client-${id}`, kind: "client" });
        }
        this.clients = clients;

        // OTLP clients: a CA per client, not the root, so neither the backends (which trust the root) accept an
        // application's certificate nor the agents any other client's, and dropping a name drops exactly its CA.
        const otlpClients: Record<string, KeyPair> = {};
        const otlpCas: pulumi.Output<string>[] = [];
        for (const client of args.otlpClients ?? []) {
            const ca = this.selfSignedCa(`${name}-otlp-ca-${client}`, `OTLP client CA ${client}`, `otlp-ca-${client}`);
            otlpCas.push(ca.certPem);
            otlpClients[client] = this.issue(`${name}-otlp-client-${client}`, ca, { commonName: client, organizationalUnit: OTLP_CLIENT_OU, uses: CLIENT_USES },
                { certificate: `otlp-client-${client}`, kind: "client" });
        }
        if (otlpCas.length === 0) otlpCas.push(this.selfSignedCa(`${name}-otlp-no-client-ca`, "OTLP client CA (no clients: signs nothing)", "otlp-no-client-ca").certPem);
        this.otlpClients = otlpClients;
        this.otlpClientCaPem = pulumi.all(otlpCas).apply(pems => pems.map(p => `${p.trim()}\n`).join(""));

        if (args.k3s) {
            // Dedicated CAs for the cluster: k3s advises against sharing a root across clusters or with other PKI.
            // No early renewal on these: rotating a k3s CA needs `k3s certificate rotate-ca` (see docs/architecture.md).
            const cas = {} as Record<K3sCa, KeyPair>;
            for (const ca of K3S_CAS) {
                cas[ca] = this.selfSignedCa(`${name}-k3s-${k3sCaResourceName(ca)}`, `k3s ${ca}`, `k3s-${k3sCaResourceName(ca)}`, false);
            }
            const serviceAccountKey = new tls.PrivateKey(`${name}-k3s-service-account-key`, { algorithm: "RSA", rsaBits: 2048 }, { parent: this });
            const admin = this.issue(`${name}-k3s-admin`, cas["client-ca"], {
                commonName: "observability-admin",
                organization: "system:masters",
                uses: CLIENT_USES,
            }, { certificate: "k3s-admin", kind: "client" });
            this.k3s = {
                cas, admin,
                serviceAccountKeyPem: pulumi.secret(serviceAccountKey.privateKeyPem),
                serviceAccountPublicKeyPem: serviceAccountKey.publicKeyPem,
            };
        }

        this.root = root;
        this.registerOutputs({ caCertPem: this.caCertPem, servers: this.servers, clients: this.clients, otlpClients: this.otlpClients, k3s: this.k3s });
    }

    /**
     * Every certificate issued so far (including `issueServer`'s) with its notAfter, for the expiry alerts: read it
     * after the last `issueServer`.
     */
    public get validity(): pulumi.Output<CertificateValidity[]> {
        return pulumi.all([...this.issued]);
    }

    /**
     * A further server certificate from the root CA, for names known only once other resources exist (the dev host's
     * public IP for Grafana's endpoint). It renews like the others and is counted in `validity`.
     */
    public issueServer(name: string, spec: { certificate: string; commonName: string; dnsNames?: string[]; ipAddresses?: pulumi.Input<string>[] }): KeyPair {
        return this.issue(name, this.root, { commonName: spec.commonName, dnsNames: spec.dnsNames, ipAddresses: spec.ipAddresses, uses: SERVER_USES }, { certificate: spec.certificate, kind: "server" });
    }

    private selfSignedCa(name: string, commonName: string, certificate: string, renew = true): KeyPair {
        const key = new tls.PrivateKey(`${name}-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent: this });
        const cert = new tls.SelfSignedCert(name, {
            privateKeyPem: key.privateKeyPem,
            subject: { commonName, organization: this.organization },
            isCaCertificate: true,
            allowedUses: [...CA_USES],
            validityPeriodHours: this.certs.caValidityHours,
            earlyRenewalHours: renew ? this.certs.earlyRenewalHours : undefined,
        }, { parent: this });
        this.issued.push(cert.validityEndTime.apply(notAfter => ({ certificate, kind: "ca" as const, notAfter })));
        return { certPem: cert.certPem, keyPem: pulumi.secret(key.privateKeyPem) };
    }

    private issue(
        name: string, ca: KeyPair,
        spec: { commonName: string; organization?: string; organizationalUnit?: string; dnsNames?: string[]; ipAddresses?: pulumi.Input<string>[]; uses: readonly string[] },
        id: Omit<CertificateValidity, "notAfter">,
    ): KeyPair {
        const key = new tls.PrivateKey(`${name}-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent: this });
        const csr = new tls.CertRequest(`${name}-csr`, {
            privateKeyPem: key.privateKeyPem,
            subject: {
                commonName: spec.commonName, organization: spec.organization ?? this.organization,
                ...(spec.organizationalUnit ? { organizationalUnit: spec.organizationalUnit } : {}),
            },
            dnsNames: spec.dnsNames,
            ipAddresses: spec.ipAddresses,
        }, { parent: this });
        const cert = new tls.LocallySignedCert(name, {
            certRequestPem: csr.certRequestPem,
            caPrivateKeyPem: ca.keyPem,
            caCertPem: ca.certPem,
            allowedUses: [...spec.uses],
            validityPeriodHours: this.certs.validityHours,
            earlyRenewalHours: this.certs.earlyRenewalHours,
        }, { parent: this });
        this.issued.push(cert.validityEndTime.apply(notAfter => ({ ...id, notAfter })));
        return { certPem: cert.certPem, keyPem: pulumi.secret(key.privateKeyPem) };
    }
}
