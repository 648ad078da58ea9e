// TLS and network exposure: hardened buckets, encrypted volumes, IMDSv2, no admin port open to the internet,
// collector configs that verify every peer.
import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { backendOf, Server } from "./backends";
import { BUCKET, COLLECTOR_CHART, HELM_RELEASE, isObject, jsonValue, release, settings, Values, walk } from "./common";

/** Does a bucket policy document deny every request without TLS? */
function deniesPlainHttp(policy: unknown): boolean {
    const doc = jsonValue(policy);
    const statements = (isObject(doc) ? doc.Statement : undefined) as Values[] | undefined;
    return (statements ?? []).some(s => s.Effect === "Deny" && JSON.stringify(s.Condition ?? {}).includes('"aws:SecureTransport":"false"'));
}

/**
 * Does a bucket policy publish named objects and nothing more? At least one statement grants anonymous access, and
 * every such statement allows only s3:GetObject on objects named in full (no wildcard, no Not* element): what a
 * bucket serving documents to the public needs (the k3s host's OIDC issuer, read by STS).
 */
function publishesNamedObjectsOnly(policy: unknown): boolean {
    const doc = jsonValue(policy);
    const statements = (isObject(doc) ? doc.Statement : undefined) as Values[] | undefined;
    const list = (v: unknown) => (Array.isArray(v) ? v : [v]);
    const anonymous = (s: Values) => s.Principal === "*" || (isObject(s.Principal) && list(s.Principal.AWS).includes("*")) || "NotPrincipal" in s;
    const publicGrants = (statements ?? []).filter(s => s.Effect === "Allow" && anonymous(s));
    return publicGrants.length > 0 && publicGrants.every(s =>
        !("NotAction" in s) && !("NotResource" in s) && !("NotPrincipal" in s) && s.Condition === undefined
        && list(s.Action).every(a => a === "s3:GetObject")
        && list(s.Resource).every(r => typeof r === "string" && /^arn:aws[a-z-]*:s3:::[^/*?]+\/[^*?]+$/.test(r)));
}

export const bucketHardened: StackValidationPolicy = {
    name: "tls-s3-bucket-hardened",
    description: "Every S3 bucket has server-side encryption, a full public access block (a bucket publishing named objects: public ACLs blocked, and a policy whose only public grant is s3:GetObject on those objects) and a policy denying requests without TLS.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const byBucket = (type: string) => {
            const map = new Map<string, Values>();
            for (const r of args.resources) if (r.type === type && typeof r.props.bucket === "string") map.set(r.props.bucket, r.props);
            return map;
        };
        const sse = byBucket("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration");
        const pab = byBucket("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock");
        const policy = byBucket("aws:s3/bucketPolicy:BucketPolicy");
        for (const b of args.resources.filter(r => r.type === BUCKET)) {
            const id = String(b.props.id ?? b.props.bucket ?? b.name);
            const missing: string[] = [];
            if (!sse.has(id)) missing.push("a BucketServerSideEncryptionConfiguration");
            const block = pab.get(id);
            const blocked = (keys: string[]) => block !== undefined && keys.every(k => block[k] === true);
            const publishing = blocked(["blockPublicAcls", "ignorePublicAcls"]) && publishesNamedObjectsOnly(policy.get(id)?.policy);
            if (!blocked(["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"]) && !publishing) {
                missing.push("a BucketPublicAccessBlock with all four settings true (or, publishing named objects, public ACLs blocked and a policy granting the public only s3:GetObject on those objects)");
            }
            if (!deniesPlainHttp(policy.get(id)?.policy)) missing.push("a BucketPolicy denying aws:SecureTransport false");
            if (missing.length > 0) reportViolation(`bucket ${b.name}: add ${missing.join(", ")}.`, b.urn);
        }
    },
};

export const volumesEncrypted: ResourceValidationPolicy = {
    name: "tls-ebs-encrypted",
    description: "Every EBS volume and instance root volume is encrypted.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (args.type === "aws:ebs/volume:Volume" && args.props.encrypted !== true) reportViolation(`volume ${args.name}: set encrypted: true.`);
        if (args.type === "aws:ec2/instance:Instance") {
            const root = args.props.rootBlockDevice as Values | undefined;
            if (root?.encrypted !== true) reportViolation(`instance ${args.name}: set rootBlockDevice.encrypted: true.`);
            for (const d of (args.props.ebsBlockDevices as Values[] | undefined) ?? []) {
                if (d.encrypted !== true) reportViolation(`instance ${args.name}: set encrypted: true on EBS device ${String(d.deviceName)}.`);
            }
        }
    },
};

export const imdsV2: ResourceValidationPolicy = {
    name: "tls-ec2-imdsv2-required",
    description: "Every EC2 instance and launch template requires IMDSv2 session tokens.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        const kind = args.type === "aws:ec2/instance:Instance" ? "instance" : args.type === "aws:ec2/launchTemplate:LaunchTemplate" ? "launch template" : undefined;
        if (!kind) return;
        const md = args.props.metadataOptions as Values | undefined;
        if (md?.httpEndpoint === "disabled") return; // no IMDS at all
        if (md?.httpTokens !== "required") reportViolation(`${kind} ${args.name}: set metadataOptions.httpTokens: required (IMDSv2 only).`);
    },
};

/** SSH, RDP, the Kubernetes API, kubelet, etcd, and the backends' admin and API ports. */
const ADMIN_PORTS = [22, 3389, 6443, 10250, 2379, 9093, 3100, 3200, 8080, 9095];

export const adminPortsClosed: ResourceValidationPolicy = {
    name: "tls-security-group-admin-ports-closed",
    description: "No security group rule opens an admin port (SSH, the Kubernetes API, backend admin APIs) to the whole internet.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { adminPorts: { type: "array", items: { type: "integer" }, default: ADMIN_PORTS } } },
    validateResource: (args, reportViolation) => {
        const { adminPorts } = settings(args, { adminPorts: ADMIN_PORTS });
        const rules: Values[] = args.type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule" ? [args.props]
            : args.type === "aws:ec2/securityGroup:SecurityGroup" ? ((args.props.ingress as Values[] | undefined) ?? []) : [];
        for (const rule of rules) {
            const open = [rule.cidrIpv4, rule.cidrIpv6, ...((rule.cidrBlocks as unknown[]) ?? []), ...((rule.ipv6CidrBlocks as unknown[]) ?? [])]
                .filter(c => c === "0.0.0.0/0" || c === "::/0");
            if (open.length === 0) continue;
            const all = rule.ipProtocol === "-1" || rule.protocol === "-1";
            const from = Number(rule.fromPort), to = Number(rule.toPort);
            const hit = adminPorts.filter(p => all || (p >= from && p <= to));
            if (hit.length > 0) reportViolation(`${args.name}: opens port ${hit.join(", ")} to ${open.join(" and ")}; restrict it to specific CIDRs (adminCidrs).`);
        }
    },
};

/** Exporter endpoints the collectors may reach in plain HTTP: none (an exception must be configured, and is visible). */
const DEFAULT_PLAINTEXT: string[] = [];

export const collectorsVerifyPeers: ResourceValidationPolicy = {
    name: "tls-collector-configs-verified",
    description: "Collector configs in Helm releases verify every peer: no insecure TLS, no plaintext endpoint, OTLP receivers require client certificates, Kafka only over TLS.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { plaintextAllowed: { type: "array", items: { type: "string" }, default: DEFAULT_PLAINTEXT } } },
    validateResource: (args, reportViolation) => {
        if (args.type !== HELM_RELEASE) return;
        const r = release(args.props);
        if (r.chart !== COLLECTOR_CHART) return;
        const { plaintextAllowed } = settings(args, { plaintextAllowed: DEFAULT_PLAINTEXT });
        const config = isObject(r.values.alternateConfig) ? r.values.alternateConfig : isObject(r.values.config) ? r.values.config : {};
        for (const [path, key, value] of walk(config)) {
            if ((key === "insecure" || key === "insecure_skip_verify") && value === true) reportViolation(`release ${r.name}: ${path} is true; remove it and verify the peer against the stack CA.`);
            if (key === "endpoint" && typeof value === "string" && value.startsWith("http://") && !plaintextAllowed.includes(value)) {
                reportViolation(`release ${r.name}: ${path} is plaintext (${value}); use https with tls.ca_file.`);
            }
        }
        for (const [id, rec] of Object.entries((config.receivers as Record<string, Values> | undefined) ?? {})) {
            const type = id.split("/")[0];
            if (type === "otlp") {
                for (const [proto, cfg] of Object.entries((rec.protocols as Record<string, Values | null> | undefined) ?? {})) {
                    const tls = cfg?.tls as Values | undefined;
                    if (!tls?.cert_file || !tls?.client_ca_file) reportViolation(`release ${r.name}: receiver ${id} ${proto} must serve TLS and require client certificates; set tls.cert_file and tls.client_ca_file.`);
                }
            }
            if (type === "kafka" && !isObject(rec.tls)) reportViolation(`release ${r.name}: receiver ${id} reaches Kafka without TLS; add a tls block.`);
        }
        for (const [id, exp] of Object.entries((config.exporters as Record<string, Values> | undefined) ?? {})) {
            if (id.split("/")[0] === "kafka" && !isObject(exp.tls)) reportViolation(`release ${r.name}: exporter ${id} reaches Kafka without TLS; add a tls block.`);
        }
    },
};

/** Servers allowed to be plaintext, as `<chart>:<server>`: none (an exception must be configured, and is visible). */
const DEFAULT_PLAINTEXT_SERVERS: string[] = [];

export const backendsServeTls: ResourceValidationPolicy = {
    name: "tls-backend-served-over-tls",
    description: "Every backend (Loki, Tempo, Mimir, Alertmanager) and Grafana serves its HTTP, gRPC and gossip traffic over TLS.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { plaintextServers: { type: "array", items: { type: "string", pattern: "^[a-z0-9-]+:(http|grpc|gossip)$" }, default: DEFAULT_PLAINTEXT_SERVERS } } },
    validateResource: (args, reportViolation) => {
        const b = backendOf(args.type, args.props);
        if (!b) return;
        const { plaintextServers } = settings(args, { plaintextServers: DEFAULT_PLAINTEXT_SERVERS });
        for (const [server, s] of Object.entries(b.servers) as [Server, { tls: boolean; hint: string }][]) {
            if (s.tls || plaintextServers.includes(`${b.chart}:${server}`)) continue;
            reportViolation(`release ${b.release}: its ${server} server is plaintext; set ${s.hint} from the release's TLS Secret.`);
        }
    },
};

/** Resources the Grafana provider manages (dashboards, folders, alerting, …): every token starts `grafana:`. */
const isGrafanaResource = (type: string) => type.startsWith("grafana:");

export const grafanaApiVerified: ResourceValidationPolicy = {
    name: "tls-grafana-api-verified",
    description: "Resources in Grafana go through an explicit Grafana provider that talks HTTPS and verifies Grafana's certificate against a CA.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (!isGrafanaResource(args.type)) return;
        const p = args.provider?.props;
        if (!p) {
            reportViolation(`${args.name}: uses the default Grafana provider (URL and TLS from the environment); give it an explicit provider with url and caCert.`);
            return;
        }
        const url = typeof p.url === "string" ? p.url : "";
        if (!url.startsWith("https://")) reportViolation(`${args.name}: the Grafana provider's url ${JSON.stringify(p.url)} is not https; reach Grafana through its TLS endpoint.`);
        if (p.insecureSkipVerify === true || p.insecureSkipVerify === "true") reportViolation(`${args.name}: the Grafana provider sets insecureSkipVerify; remove it and set caCert to the stack's CA.`);
        if (typeof p.caCert !== "string" || p.caCert.length === 0) reportViolation(`${args.name}: the Grafana provider has no caCert; set it to the CA that issued Grafana's certificate.`);
    },
};

export const tlsPolicies = [bucketHardened, volumesEncrypted, imdsV2, adminPortsClosed, collectorsVerifyPeers, backendsServeTls, grafanaApiVerified];
