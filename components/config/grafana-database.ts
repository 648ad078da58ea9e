// Grafana's database in prod: an RDS for PostgreSQL instance this stack creates in the existing cluster's VPC, which
// Grafana's replicas share and reach over TLS verified against the region's RDS CA bundle (from config: no registry
// carries it, and a deploy never downloads it). Dev keeps SQLite on Grafana's volume and reads none of these keys.
import { X509Certificate } from "node:crypto";
import { ConfigReader } from "./reader";
import type { ClusterKind, ConfigKey, Environment, StackConfig } from "./schema";

/** What the program creates: an instance of this class and storage, with this many days of automated backups. */
export const GRAFANA_DATABASE_DEFAULTS = { instanceClass: "db.t4g.medium", storageGiB: 20, backupDays: 7 } as const;

/**
 * The CA of the instance's server certificate (`caCertIdentifier`), and the common name of its root in a region's
 * bundle. AWS publishes each region's bundle at `rdsCaBundleUrl(region)`; it holds the RSA2048, RSA4096 and ECC384 G1
 * roots of that region.
 */
export const RDS_CA = {
    identifier: "rds-ca-rsa2048-g1",
    rootCommonName: (region: string) => `Amazon RDS ${region} Root CA RSA2048 G1`,
} as const;
export const rdsCaBundleUrl = (region: string) => `https://truststore.pki.rds.amazonaws.com/${region}/${region}-bundle.pem`;

/** Grafana's database (prod): where it runs, its size and backups, and the CA bundle Grafana verifies it against. */
export type GrafanaDatabaseConfig = NonNullable<StackConfig["grafanaDatabase"]>;

const KEYS = [
    "grafanaDatabaseSubnetIds", "grafanaDatabaseClientSecurityGroupIds", "grafanaDatabaseInstanceClass", "grafanaDatabaseStorageGiB",
    "grafanaDatabaseBackupDays", "grafanaDatabaseCaBundle",
] as const satisfies readonly ConfigKey[];
const CA_KEY = "grafanaDatabaseCaBundle";

/** A long value (a PEM bundle) as a report shows it: its start, and how long it is. */
function shown(key: ConfigKey, text: string): string {
    return key === CA_KEY && text.length > 40 ? `${text.slice(0, 27)}… (${text.length} characters)` : text;
}

export function parseGrafanaDatabase(
    r: ConfigReader, ctx: { environment: Environment; clusterKind: ClusterKind; region: string },
): GrafanaDatabaseConfig | undefined {
    if (ctx.environment !== "prod" || ctx.clusterKind !== "existing") {
        const why = ctx.environment !== "prod"
            ? "only read in prod: dev keeps Grafana's SQLite database on its volume (one replica)"
            : "only read with clusterKind existing: the database joins the existing cluster's VPC";
        for (const key of KEYS) {
            const text = r.text(key);
            if (text !== undefined) r.add(key, shown(key, text), why, "unset");
        }
        return undefined;
    }

    const list = (key: ConfigKey, item: RegExp, what: string, allowed: string, min: number, max: number): string[] => {
        const out = r.stringList(key, item, what, allowed, min, max);
        if (out === undefined && r.text(key) === undefined) r.add(key, undefined, "required in prod: Grafana's replicas share an RDS PostgreSQL instance this stack creates", allowed);
        return out ?? [];
    };
    const subnetIds = list("grafanaDatabaseSubnetIds", /^subnet-[0-9a-f]{8,17}$/, "a subnet ID",
        "2 to 6 private subnets of the cluster's VPC in at least two availability zones (the Multi-AZ standby runs in another zone), e.g. [\"subnet-0a1b2c3d\", \"subnet-4e5f6a7b\"]", 2, 6);
    const clientSecurityGroupIds = list("grafanaDatabaseClientSecurityGroupIds", /^sg-[0-9a-f]{8,17}$/, "a security group ID",
        "the security groups of the cluster's nodes, where Grafana's pods run (the only sources allowed to reach 5432), e.g. [\"sg-0a1b2c3d\"]", 1, 5);

    const instanceClass = r.text("grafanaDatabaseInstanceClass") ?? GRAFANA_DATABASE_DEFAULTS.instanceClass;
    if (!/^db\.[a-z][a-z0-9-]*\.[a-z0-9]+$/.test(instanceClass)) {
        r.add("grafanaDatabaseInstanceClass", instanceClass, "not an RDS instance class", "an RDS for PostgreSQL instance class such as db.t4g.medium or db.m7g.large");
    }
    const storageGiB = r.integer("grafanaDatabaseStorageGiB", GRAFANA_DATABASE_DEFAULTS.storageGiB, 20, 16384,
        "GiB of gp3 storage; RDS for PostgreSQL on gp3 starts at 20");
    const backupDays = r.integer("grafanaDatabaseBackupDays", GRAFANA_DATABASE_DEFAULTS.backupDays, 7, 35,
        "days of automated backups and point-in-time recovery; RDS keeps at most 35, prod at least 7");

    const caText = r.text(CA_KEY);
    const url = rdsCaBundleUrl(ctx.region);
    const caAllowed = `the PEM text of the region's RDS CA bundle, which holds ${RDS_CA.rootCommonName(ctx.region)} (the root of ${RDS_CA.identifier}), `
        + `set with: curl -fsS ${url} | pulumi config set ${CA_KEY}`;
    if (caText === undefined) {
        r.add(CA_KEY, undefined, `required in prod: Grafana verifies the database's certificate (ssl_mode verify-full) against it`, caAllowed);
    } else {
        // Without a valid region the root's name is unknown; aws:region has its own problem then.
        const region = r.problems.some(p => p.key === "aws:region") ? undefined : ctx.region;
        for (const p of caBundleProblems(caText, region)) r.add(CA_KEY, p.value ?? shown(CA_KEY, caText), p.message, caAllowed);
    }
    return { subnetIds, clientSecurityGroupIds, instanceClass, storageGiB, backupDays, caBundlePem: caText ?? "" };
}

/** The common name in a certificate's subject or issuer (node:crypto's one `attribute=value` per line form). */
function commonName(dn: string): string | undefined {
    return dn.split("\n").find(line => line.startsWith("CN="))?.slice(3);
}

/**
 * What is wrong with a CA bundle: it must be one or more PEM certificates and nothing else (never a key), each a CA
 * certificate that has not expired, and (given the region) hold the region's RDS root that signs the instance's
 * certificate, self-signed. `value` says which certificate; undefined: the bundle as a whole.
 */
export function caBundleProblems(text: string, region: string | undefined, now: Date = new Date()): { value?: string; message: string }[] {
    const problems: { value?: string; message: string }[] = [];
    const blocks = [...text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g)];
    if (blocks.length === 0) return [{ message: "no PEM certificate (-----BEGIN CERTIFICATE-----)" }];
    const outside = blocks.reduce((rest, b) => rest.replace(b[0], ""), text);
    if (outside.trim() !== "") problems.push({ message: "text outside the PEM blocks" });
    const certificates: X509Certificate[] = [];
    blocks.forEach((b, i) => {
        const which = `block ${i + 1} of ${blocks.length}`;
        if (b[1] !== "CERTIFICATE") {
            // Never shown: a private key pasted here must not reach the report.
            problems.push({ value: `${which} (${b[1].includes("PRIVATE") ? "a private key" : b[1]})`, message: "not a certificate: the bundle holds public CA certificates only" });
            return;
        }
        let cert: X509Certificate;
        try {
            cert = new X509Certificate(b[0]);
        } catch {
            problems.push({ value: which, message: "does not parse as an X.509 certificate" });
            return;
        }
        const name = `${which} (CN=${commonName(cert.subject) ?? "?"})`;
        if (!cert.ca) problems.push({ value: name, message: "not a CA certificate" });
        else if (Date.parse(cert.validTo) <= now.getTime()) problems.push({ value: name, message: `expired on ${cert.validTo}` });
        else certificates.push(cert);
    });
    if (region !== undefined && problems.length === 0) {
        const root = RDS_CA.rootCommonName(region);
        const found = certificates.find(c => commonName(c.subject) === root && c.subject === c.issuer && c.verify(c.publicKey));
        if (!found) {
            const names = certificates.map(c => commonName(c.subject) ?? "?").join(", ");
            problems.push({ value: `${certificates.length} certificate${certificates.length === 1 ? "" : "s"}: ${names}`, message: `no self-signed ${root}, the root of the instance's certificate (${RDS_CA.identifier}): not region ${region}'s RDS bundle` });
        }
    }
    return problems;
}
