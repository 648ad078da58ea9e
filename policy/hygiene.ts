// Hygiene: charts pinned to an exact version, no deprecated chart or component, no plaintext secret in values.
import { ResourceValidationPolicy } from "@pulumi/policy";
import { at, HELM_RELEASE, isObject, jsonValue, release, settings, Values, walk } from "./common";
import { podFields, subjectOf } from "./kube";
import { plaintextCredentials } from "./secrets";

const EXACT_VERSION = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;

export const chartPinned: ResourceValidationPolicy = {
    name: "hygiene-helm-chart-pinned",
    description: "Every Helm release pins an exact chart version from an explicit repository.",
    enforcementLevel: "advisory",
    validateResource: (args, reportViolation) => {
        if (args.type !== HELM_RELEASE) return;
        const r = release(args.props);
        if (!EXACT_VERSION.test(r.version)) reportViolation(`release ${r.name}: chart ${r.chart} version "${r.version}" is not exact; pin a version such as 1.2.3 (no ranges, no latest).`);
        const repo = (args.props.repositoryOpts as { repo?: unknown } | undefined)?.repo;
        if (typeof repo !== "string" || !repo.startsWith("https://")) reportViolation(`release ${r.name}: no https chart repository; set repositoryOpts.repo to the chart's https repository.`);
    },
};

/** Charts and components that reached end of life, with what replaces them. */
const DEPRECATED: Readonly<Record<string, string>> = {
    "lgtm-distributed": "the separate loki, tempo-distributed, mimir-distributed and grafana charts",
    "loki-distributed": "the loki chart (distributed mode)",
    promtail: "the OpenTelemetry Collector's filelog receiver (Promtail reached end of life in 2026-03)",
    "grafana-agent": "the OpenTelemetry Collector or Grafana Alloy",
    "grafana-agent-operator": "the OpenTelemetry Collector or Grafana Alloy",
};

export const noDeprecated: ResourceValidationPolicy = {
    name: "hygiene-helm-no-deprecated",
    description: "No deprecated chart (lgtm-distributed, loki-distributed, Promtail, Grafana Agent) and no deprecated component enabled inside a chart.",
    enforcementLevel: "advisory",
    validateResource: (args, reportViolation) => {
        if (args.type !== HELM_RELEASE) return;
        const r = release(args.props);
        if (DEPRECATED[r.chart]) reportViolation(`release ${r.name}: chart ${r.chart} is deprecated; use ${DEPRECATED[r.chart]}.`);
        for (const [path, key, value] of walk(r.values)) {
            const component = key === "grafanaAgent" ? "grafana-agent" : key;
            if (DEPRECATED[component] && isObject(value) && value.enabled === true) {
                reportViolation(`release ${r.name}: ${path} enables ${component}, which is deprecated; disable it and use ${DEPRECATED[component]}.`);
            }
        }
    },
};

export const noPlaintextSecret: ResourceValidationPolicy = {
    name: "hygiene-helm-no-plaintext-secret",
    description: "No credential in plain text in any Helm value (config files inside values included): credentials come from Secrets, mounted files or environment references.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (args.type !== HELM_RELEASE) return;
        const r = release(args.props);
        for (const path of plaintextCredentials(r.values, true)) {
            reportViolation(`release ${r.name}: ${path} holds a credential in plain text; put it in a Kubernetes Secret and reference it (existingSecret, a *_file setting, or an environment variable).`);
        }
    },
};

/** Instance families sized for this platform (Graviton first); the program's defaults are t4g and kafka.m7g. */
const ALLOWED_INSTANCE_TYPES = ["t4g.*", "t3.*", "m7g.*", "m6g.*", "c7g.*", "r7g.*", "m7i.*", "m6i.*", "kafka.t3.small", "kafka.m7g.*", "kafka.m5.*"];

/** Where each AWS resource that runs on instances names its type(s). */
const INSTANCE_TYPE_PATHS: Readonly<Record<string, string>> = {
    "aws:ec2/instance:Instance": "instanceType",
    "aws:ec2/launchTemplate:LaunchTemplate": "instanceType",
    "aws:eks/nodeGroup:NodeGroup": "instanceTypes",
    "aws:msk/cluster:Cluster": "brokerNodeGroupInfo.instanceType",
};

const matches = (pattern: string, value: string) =>
    new RegExp(`^${pattern.split("*").map(p => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`).test(value);

export const instanceTypeAllowed: ResourceValidationPolicy = {
    name: "hygiene-aws-instance-type-allowed",
    description: "EC2 instances, launch templates, EKS node groups and MSK brokers use an allowed instance type.",
    enforcementLevel: "advisory",
    configSchema: { properties: { allowedInstanceTypes: { type: "array", items: { type: "string" }, default: ALLOWED_INSTANCE_TYPES } } },
    validateResource: (args, reportViolation) => {
        const path = INSTANCE_TYPE_PATHS[args.type];
        if (!path) return;
        const { allowedInstanceTypes } = settings(args, { allowedInstanceTypes: ALLOWED_INSTANCE_TYPES });
        const value = at(args.props, path);
        for (const type of (Array.isArray(value) ? value : [value]).filter(v => v !== undefined)) {
            if (!allowedInstanceTypes.some(p => matches(p, String(type)))) {
                reportViolation(`${args.name}: ${path} ${String(type)} is not allowed; use one of ${allowedInstanceTypes.join(", ")} (policy config allowedInstanceTypes).`);
            }
        }
    },
};

const REQUIRED_TAGS = ["team", "cost-center", "managed-by"];

/** The tags of an AWS provider's `defaultTags` (providers' nested inputs may arrive as JSON strings). */
function defaultTags(provider: { props: Values } | undefined): Values {
    const tags = at(jsonValue(provider?.props.defaultTags), "tags");
    return isObject(tags) ? tags : {};
}

export const requiredTags: ResourceValidationPolicy = {
    name: "hygiene-aws-required-tags",
    description: "AWS resources carry the required tags, on the resource or through their provider's default tags.",
    enforcementLevel: "advisory",
    configSchema: { properties: { requiredTags: { type: "array", items: { type: "string" }, default: REQUIRED_TAGS } } },
    validateResource: (args, reportViolation) => {
        if (!args.type.startsWith("aws:")) return;
        // Judge resources that take tags, or whose provider sets defaults; others cannot carry any.
        if (!("tags" in args.props) && !("tagsAll" in args.props) && args.provider === undefined) return;
        const { requiredTags: required } = settings(args, { requiredTags: REQUIRED_TAGS });
        const own = at(args.props, "tagsAll") ?? at(args.props, "tags");
        const tags = { ...defaultTags(args.provider), ...(isObject(own) ? own : {}) };
        const missing = required.filter(t => tags[t] === undefined || tags[t] === "");
        if (missing.length > 0) reportViolation(`${args.name}: lacks tag ${missing.join(", ")}; set it in the aws provider's defaultTags (config tags) or on the resource.`);
    },
};

const DIGEST = /@sha256:[0-9a-f]{64}$/;

/** Every image a release's values or a workload's pod spec set, with where, and whether a digest pins it. */
function images(type: string, props: Values): Array<{ where: string; ref: string; pinned: boolean }> {
    const out: Array<{ where: string; ref: string; pinned: boolean }> = [];
    const subject = subjectOf(type, props);
    if (!subject) return out;
    for (const [path, key, v] of podFields(subject.fields)) {
        if (key !== "image") continue;
        if (typeof v === "string" && v !== "") out.push({ where: path, ref: v, pinned: DIGEST.test(v) });
        if (isObject(v) && typeof v.repository === "string") {
            const digest = String(v.digest ?? v.sha ?? "");
            const ref = `${v.registry ? `${String(v.registry)}/` : ""}${v.repository}${v.tag ? `:${String(v.tag)}` : ""}`;
            out.push({ where: `${path}.repository`, ref, pinned: /^(sha256:)?[0-9a-f]{64}$/.test(digest) || DIGEST.test(ref) });
        }
    }
    return out;
}

export const imagePinnedByDigest: ResourceValidationPolicy = {
    name: "hygiene-image-pinned-by-digest",
    description: "Every image a Helm release's values or a workload set is pinned by digest, so a moved tag cannot change what runs (images the charts choose themselves are not in the values).",
    enforcementLevel: "advisory",
    validateResource: (args, reportViolation) => {
        const subject = subjectOf(args.type, args.props);
        for (const image of images(args.type, args.props).filter(i => !i.pinned)) {
            reportViolation(`${subject!.label}: ${subject!.at(image.where)} ${image.ref} is pinned by tag, not digest; add the digest (image.digest: sha256:…, or image@sha256:…) of the tag you tested.`);
        }
    },
};

export const hygienePolicies = [chartPinned, noDeprecated, noPlaintextSecret, instanceTypeAllowed, requiredTags, imagePinnedByDigest];
