// Cluster and host: the environment, where the stack runs (a k3s host or an existing cluster), the AWS region,
// the host's size, and what an existing cluster needs (kubeconfig, OIDC provider). Tags go on every AWS resource.
import type * as pulumi from "@pulumi/pulumi";
import type { CapacityReport, DiskReport } from "../render/capacity";
import { formatCapacity, formatDisk, REQUIRED_HEADROOM } from "../render/capacity";
import { isRegionTypo } from "./namespaces";
import { ConfigProblem, ConfigReader } from "./reader";
import {
    ARCHITECTURES, CLUSTER_KINDS, ClusterKind, DEFAULTS, Environment, ENVIRONMENT_DEFAULTS, ENVIRONMENTS, HostConfig, OidcProvider, PROJECT,
} from "./schema";

export const REGION_RE = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;

export interface ClusterSettings {
    readonly environment: Environment;
    readonly clusterKind: ClusterKind;
    /** `aws:region` when valid, else a stand-in so the other checks can still run. */
    readonly region: string;
    /** `aws:region` as set (undefined when unset). */
    readonly awsRegion?: string;
    readonly host: Omit<HostConfig, "vpcCidr">;
    readonly kubeconfig?: pulumi.Output<string>;
    readonly oidcProvider?: OidcProvider;
    readonly tags: Readonly<Record<string, string>>;
}

export function parseCluster(r: ConfigReader, stack: string): ClusterSettings {
    const stackEnv = (ENVIRONMENTS as readonly string[]).includes(stack) ? (stack as Environment) : undefined;
    let environment = r.oneOf("environment", ENVIRONMENTS, stackEnv);
    if (environment === undefined) {
        if (r.text("environment") === undefined)
            r.add("environment", undefined, `required because the stack name '${stack}' is not an environment`, ENVIRONMENTS.join(" | "));
        environment = "dev";
    }
    const envDefaults = ENVIRONMENT_DEFAULTS[environment];
    const clusterKind = r.oneOf("clusterKind", CLUSTER_KINDS, envDefaults.clusterKind);
    if (environment === "prod" && clusterKind === "ec2-k3s") {
        r.add("clusterKind", clusterKind, "prod runs replicated (replication factor 3) and a single k3s host cannot hold three replicas", "existing (for prod)");
    }

    const awsRegion = r.raw.awsRegion;
    // A near miss (`aws:regoin`) is reported with its "did you mean aws:region" instead.
    const nearMiss = Object.keys(r.raw.otherKeys ?? {}).some(isRegionTypo);
    if (awsRegion === undefined) { if (!nearMiss) r.add("aws:region", undefined, "required", "an AWS region such as eu-west-1"); }
    else if (!REGION_RE.test(awsRegion)) r.add("aws:region", awsRegion, "not an AWS region name", "an AWS region such as eu-west-1 or us-gov-west-1");
    const region = awsRegion ?? "us-east-1";

    return {
        environment, clusterKind, region, awsRegion,
        host: parseHost(r, region),
        ...parseExistingCluster(r, clusterKind),
        tags: parseTags(r),
    };
}

function parseHost(r: ConfigReader, region: string): Omit<HostConfig, "vpcCidr"> {
    const architecture = r.oneOf("instanceArchitecture", ARCHITECTURES, DEFAULTS.instanceArchitecture);
    const instanceType = r.text("instanceType") ?? DEFAULTS.instanceType[architecture];
    const itMatch = /^([a-z]+)(\d+)([a-z-]*)\.(\d*x?large|metal(-\d+xl)?|nano|micro|small|medium)$/.exec(instanceType);
    if (!itMatch) {
        r.add("instanceType", instanceType, "not an EC2 instance type", "an EC2 instance type such as t4g.xlarge or m7g.2xlarge");
    } else {
        const graviton = itMatch[3].startsWith("g");
        if (graviton !== (architecture === "arm64")) {
            r.add("instanceType", instanceType, `a ${graviton ? "Graviton (arm64)" : "x86_64"} type does not run the ${architecture} AMI`,
                architecture === "arm64" ? "a Graviton type (t4g, m7g, c7g, r8g, …)" : "an x86_64 type (t3, m7i, m7a, …), or set instanceArchitecture arm64");
        }
        if (["nano", "micro", "small", "medium"].includes(itMatch[4])) {
            r.add("instanceType", instanceType, "too small: the LGTM backends need at least 8 GiB of memory", "size large or bigger (e.g. t4g.xlarge)");
        }
    }
    const rootVolumeSizeGiB = r.integer("rootVolumeSizeGiB", DEFAULTS.rootVolumeSizeGiB, 20, 1024, "GiB");
    const dataVolumeSizeGiB = r.integer("dataVolumeSizeGiB", DEFAULTS.dataVolumeSizeGiB, 20, 16384, "GiB");
    const k3sVersion = r.text("k3sVersion") ?? DEFAULTS.k3sVersion;
    const k3s = /^v1\.(\d+)\.\d+\+k3s\d+$/.exec(k3sVersion);
    if (!k3s) r.add("k3sVersion", k3sVersion, "not a k3s release tag", "a tag like v1.34.1+k3s1");
    else if (Number(k3s[1]) < 32) r.add("k3sVersion", k3sVersion, "too old: the Mimir chart requires Kubernetes 1.32 or newer", "v1.32.0+k3s1 or newer");

    const availabilityZone = r.text("availabilityZone") ?? `${region}a`;
    if (!new RegExp(`^${region}[a-z]$`).test(availabilityZone)) {
        r.add("availabilityZone", availabilityZone, `not a zone of region ${region}`, `a zone name such as ${region}a`);
    }
    const readinessTimeoutMinutes = r.integer("readinessTimeoutMinutes", DEFAULTS.readinessTimeoutMinutes, 5, 60, "minutes");
    return { instanceType, architecture, rootVolumeSizeGiB, dataVolumeSizeGiB, k3sVersion, availabilityZone, readinessTimeoutMinutes };
}

/** The kubeconfig and the IAM OIDC provider: required for an existing cluster, refused for the k3s host. */
function parseExistingCluster(r: ConfigReader, clusterKind: ClusterKind): { kubeconfig?: pulumi.Output<string>; oidcProvider?: OidcProvider } {
    const kubeconfig = r.secret("kubeconfig");
    if (clusterKind === "existing" && kubeconfig === undefined) {
        r.add("kubeconfig", undefined, "required for clusterKind existing", "the cluster's kubeconfig, set with: pulumi config set --secret kubeconfig < kubeconfig.yaml");
    }
    if (clusterKind === "ec2-k3s" && kubeconfig !== undefined) {
        r.add("kubeconfig", "[secret]", "only read for clusterKind existing (ec2-k3s builds its own)", "unset for clusterKind ec2-k3s");
    }

    let oidcProvider: OidcProvider | undefined;
    const oidcArn = r.text("oidcProviderArn");
    const oidcAllowed = "the cluster's IAM OIDC provider ARN, e.g. arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";
    if (clusterKind === "existing" && oidcArn === undefined) {
        r.add("oidcProviderArn", undefined, "required for clusterKind existing: each backend reaches its buckets through its own IRSA role", oidcAllowed);
    } else if (clusterKind === "ec2-k3s" && oidcArn !== undefined) {
        r.add("oidcProviderArn", oidcArn, "only read for clusterKind existing (on ec2-k3s the stack registers its own issuer for the backends' roles)", "unset for clusterKind ec2-k3s");
    } else if (oidcArn !== undefined) {
        const m = /^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/([a-z0-9.-]+(?:\/[A-Za-z0-9._-]+)*)$/.exec(oidcArn);
        if (!m) r.add("oidcProviderArn", oidcArn, "not an IAM OIDC provider ARN", oidcAllowed);
        else oidcProvider = { arn: oidcArn, issuerHostPath: m[1] };
    }
    return { kubeconfig, oidcProvider };
}

function parseTags(r: ConfigReader): Record<string, string> {
    const tags: Record<string, string> = {};
    const rawTags = r.json("tags", "object");
    if (rawTags === undefined) return tags;
    const entries = Object.entries(rawTags as Record<string, unknown>);
    if (entries.length > 40) r.add("tags", `${entries.length} tags`, "too many: AWS allows 50 tags and the stack adds its own", "at most 40 tags");
    for (const [k, value] of entries) {
        if (k.length < 1 || k.length > 128 || /^aws:/i.test(k)) r.add(`tags.${k}`, k, "invalid tag key", "1 to 128 characters, not starting with aws:");
        else if (typeof value !== "string" || value.length > 256) r.add(`tags.${k}`, value, "invalid tag value", "a string of at most 256 characters");
        else tags[k] = value;
    }
    return tags;
}

/**
 * The k3s host must hold every release's requests with headroom: the problem with `instanceType` when the planned
 * requests (from the stack's plan) do not fit, or when the type's size is unknown. None without a host.
 */
export function hostCapacityProblem(instanceType: string, report: CapacityReport): ConfigProblem | undefined {
    const key = `${PROJECT}:instanceType`;
    if (report.allocatable === undefined) {
        return { key, value: instanceType, message: "unknown size: the releases' requests cannot be checked against it", allowed: "a t/m/c/r/x family type of size large or bigger, e.g. t4g.xlarge" };
    }
    if (report.fits) return undefined;
    return {
        key, value: instanceType, message: `too small for the backends: ${formatCapacity(report)}`,
        allowed: `a type with at least ${Math.round(REQUIRED_HEADROOM * 100)}% of CPU and memory left after requests, e.g. t4g.2xlarge`,
    };
}

/** The problem of a k3s data volume too small for every claim, the datastore and the images with 20% free. */
export function dataVolumeProblem(report: DiskReport): ConfigProblem | undefined {
    if (report.fits) return undefined;
    const needed = Math.ceil(report.usedGiB / (1 - REQUIRED_HEADROOM) - 1e-9);
    return {
        key: `${PROJECT}:dataVolumeSizeGiB`, value: report.volumeGiB, message: `too small: ${formatDisk(report)}`,
        allowed: `at least ${needed} GiB, or smaller volumes (gatewayQueueVolumeGiB, gatewayMaxReplicas)`,
    };
}
