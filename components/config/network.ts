// Network and TLS: the host's VPC, who may reach the public and admin ports, the public domain, and how long the
// stack's certificates live.
import { canonicalCidr, Cidr, cidrsOverlap, isDnsName, parseCidr } from "../render/net";
import { ConfigReader } from "./reader";
import { CertificateConfig, ClusterKind, DEFAULTS } from "./schema";

/** k3s's own pod and service networks: the VPC must not overlap them. */
const K3S_NETWORKS = ["10.42.0.0/16", "10.43.0.0/16"];

export interface NetworkSettings {
    readonly vpcCidr: string;
    readonly ingressCidrs: readonly string[];
    readonly adminCidrs: readonly string[];
    readonly domain?: string;
    readonly certificates: CertificateConfig;
}

export function parseNetwork(r: ConfigReader, clusterKind: ClusterKind): NetworkSettings {
    const ingressCidrs = cidrList(r, "ingressCidrs", false);
    const adminCidrs = cidrList(r, "adminCidrs", true);
    if (clusterKind === "ec2-k3s" && adminCidrs.length === 0 && !r.hasProblem("adminCidrs")) {
        r.add("adminCidrs", r.text("adminCidrs") === undefined ? undefined : adminCidrs, "empty: the deploy's readiness gate and kubectl reach the k3s API (6443) only from these",
            "at least one CIDR block, e.g. your workstation's public address as x.x.x.x/32");
    }
    const domain = r.text("domain");
    if (domain !== undefined && !isDnsName(domain)) {
        r.add("domain", domain, "not a lower-case DNS name with at least two labels", "a domain such as obs.example.com");
    }
    return { vpcCidr: parseVpcCidr(r), ingressCidrs, adminCidrs, domain, certificates: parseCertificates(r) };
}

function parseVpcCidr(r: ConfigReader): string {
    const vpcCidr = r.text("vpcCidr") ?? DEFAULTS.vpcCidr;
    const vpc = parseCidr(vpcCidr);
    const allowed = "an IPv4 CIDR block from /16 to /24, e.g. 10.20.0.0/16";
    if (!vpc || vpc.family !== 4) r.add("vpcCidr", vpcCidr, "not an IPv4 CIDR block", allowed);
    else if (vpc.prefix < 16 || vpc.prefix > 24 || vpc.hostBitsSet) {
        r.add("vpcCidr", vpcCidr, vpc.hostBitsSet ? `host bits are set (did you mean ${canonicalCidr(vpc)}?)` : "prefix outside what a VPC allows", allowed);
    } else {
        const clash = K3S_NETWORKS.find(n => cidrsOverlap(vpc, parseCidr(n)!));
        if (clash) r.add("vpcCidr", vpcCidr, `overlaps k3s's pod/service network ${clash}`, `a block outside ${K3S_NETWORKS.join(" and ")}`);
    }
    return vpcCidr;
}

/** `ingressCidrs` (public ports) or `adminCidrs` (the Kubernetes API: never the whole internet). */
function cidrList(r: ConfigReader, key: "ingressCidrs" | "adminCidrs", admin: boolean): string[] {
    const list = r.json(key, "array");
    if (list === undefined) return [];
    const allowed = admin
        ? "specific IPv4/IPv6 CIDR blocks with a prefix of at least /8 (IPv4) or /16 (IPv6), never 0.0.0.0/0 or ::/0"
        : "IPv4/IPv6 CIDR blocks such as 203.0.113.0/24 or 2001:db8::/32";
    const out: string[] = [];
    for (const item of list as unknown[]) {
        if (typeof item !== "string") { r.add(key, item, "not a string", allowed); continue; }
        const cidr: Cidr | undefined = parseCidr(item);
        if (!cidr) { r.add(key, item, "not a CIDR block", allowed); continue; }
        if (cidr.hostBitsSet) { r.add(key, item, `host bits are set (did you mean ${canonicalCidr(cidr)}?)`, allowed); continue; }
        if (admin && cidr.prefix === 0) { r.add(key, item, "opens the admin ports to the whole internet", allowed); continue; }
        if (admin && cidr.prefix < (cidr.family === 4 ? 8 : 16)) { r.add(key, item, "too broad for admin ports", allowed); continue; }
        if (out.includes(item)) { r.add(key, item, "listed twice", "each CIDR block once"); continue; }
        out.push(item);
    }
    return out;
}

function parseCertificates(r: ConfigReader): CertificateConfig {
    const caValidityHours = r.integer("caValidityHours", DEFAULTS.caValidityHours, 8760, 175200, "hours, 1 to 20 years");
    const validityHours = r.integer("certValidityHours", DEFAULTS.certValidityHours, 720, 9528, "hours, 30 to 397 days");
    const earlyRenewalHours = r.integer("certEarlyRenewalHours", DEFAULTS.certEarlyRenewalHours, 336, 4764, "hours; at least 14 days, the certificate-expiry alert threshold");
    if (validityHours > caValidityHours) {
        r.add("certValidityHours", validityHours, `longer than the CA's validity (${caValidityHours}h)`, `at most caValidityHours (${caValidityHours})`);
    }
    if (earlyRenewalHours * 2 > validityHours) {
        r.add("certEarlyRenewalHours", earlyRenewalHours, `more than half of certValidityHours (${validityHours}h): certificates would be re-issued on almost every pulumi up`,
            `at most ${Math.floor(validityHours / 2)}`);
    }
    return { caValidityHours, validityHours, earlyRenewalHours };
}
