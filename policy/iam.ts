// IAM without wildcards: no Allow statement grants every action (`*`, `service:*`, NotAction) or attaches a managed
// policy that does, and Resource "*" only for actions that take no resource ARN.
//
// Both are mandatory. Every data-plane action this stack grants (S3 objects, SSM parameters, Secrets Manager, KMS,
// MSK) takes a resource ARN, so `*` there always means every bucket, parameter or key in the account; the actions
// that only accept `*` (listing, describing, STS identity) are few and enumerable, and one missing from the list
// shows up as a reviewed entry in the pack's configuration, never as silently broader access.
import { ResourceValidationPolicy } from "@pulumi/policy";
import { isObject, jsonValue, settings, Values } from "./common";

/** Identity policies (who may do what), each with where its document lives. */
const IDENTITY_POLICIES: Readonly<Record<string, string>> = {
    "aws:iam/policy:Policy": "policy",
    "aws:iam/rolePolicy:RolePolicy": "policy",
    "aws:iam/userPolicy:UserPolicy": "policy",
    "aws:iam/groupPolicy:GroupPolicy": "policy",
};
/** Resource policies and trust policies: judged for wildcard actions only (their Resource names the resource itself). */
const OTHER_POLICIES: Readonly<Record<string, string>> = {
    "aws:s3/bucketPolicy:BucketPolicy": "policy",
    "aws:iam/role:Role": "assumeRolePolicy",
};
const ATTACHMENTS = ["aws:iam/rolePolicyAttachment:RolePolicyAttachment", "aws:iam/policyAttachment:PolicyAttachment", "aws:iam/userPolicyAttachment:UserPolicyAttachment", "aws:iam/groupPolicyAttachment:GroupPolicyAttachment"];

/** AWS managed policies that grant `*` or `service:*`. */
const DENIED_MANAGED = ["AdministratorAccess", "PowerUserAccess", "*FullAccess"];

/** Actions that accept no resource ARN, so Resource "*" is their only form (IAM's service authorization reference). */
const WILDCARD_RESOURCE_ACTIONS = [
    "ec2:Describe*", "autoscaling:Describe*", "elasticloadbalancing:Describe*", "s3:ListAllMyBuckets", "sts:GetCallerIdentity",
    "cloudwatch:PutMetricData", "cloudwatch:GetMetricData", "cloudwatch:ListMetrics", "logs:DescribeLogGroups", "kms:ListKeys", "kms:ListAliases",
    "kms:CreateKey", "ssm:DescribeParameters", "secretsmanager:ListSecrets", "secretsmanager:GetRandomPassword", "tag:GetResources",
    "ecr:GetAuthorizationToken", "kafka:ListClusters", "kafka:ListClustersV2",
];

const list = (v: unknown): string[] => (v === undefined ? [] : (Array.isArray(v) ? v : [v]).map(String));
const glob = (pattern: string, value: string) =>
    new RegExp(`^${pattern.split("*").map(p => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`, "i").test(value);

/** The statements of a policy document (a JSON string or an object) with their index. */
function statements(doc: unknown): Array<[number, Values]> {
    const d = jsonValue(doc);
    const s = isObject(d) ? d.Statement : undefined;
    return (Array.isArray(s) ? s : s === undefined ? [] : [s]).map((x, i) => [i, isObject(x) ? x : {}] as [number, Values]).filter(([, x]) => x.Effect === "Allow");
}

/** Every policy document of a resource, named by where it is. */
function documents(type: string, props: Values): Array<[string, unknown]> {
    const field = IDENTITY_POLICIES[type] ?? OTHER_POLICIES[type];
    const docs: Array<[string, unknown]> = field && props[field] !== undefined ? [[field, props[field]]] : [];
    if (type === "aws:iam/role:Role") {
        for (const [i, p] of ((props.inlinePolicies as unknown[] | undefined) ?? []).entries()) if (isObject(p)) docs.push([`inlinePolicies[${i}] ${String(p.name ?? "")}`.trim(), p.policy]);
    }
    return docs;
}

/** An action granting a whole service, or everything. */
const isWildcardAction = (a: string) => a === "*" || /^[a-z0-9-]+:\*$/i.test(a);

export const iamNoWildcardActions: ResourceValidationPolicy = {
    name: "privilege-iam-no-wildcard-actions",
    description: "No IAM, trust or bucket policy statement allows every action (`*`, `service:*`, NotAction), and no role gets a managed policy that does.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { deniedManagedPolicies: { type: "array", items: { type: "string" }, default: DENIED_MANAGED } } },
    validateResource: (args, reportViolation) => {
        const { deniedManagedPolicies } = settings(args, { deniedManagedPolicies: DENIED_MANAGED });
        for (const [where, doc] of documents(args.type, args.props)) {
            for (const [i, s] of statements(doc)) {
                const at = `${args.name}: ${where} Statement[${i}]${s.Sid ? ` (${String(s.Sid)})` : ""}`;
                const wild = list(s.Action).filter(isWildcardAction);
                if (wild.length > 0) reportViolation(`${at} allows ${wild.join(", ")}; list the actions it needs.`);
                if (s.NotAction !== undefined) reportViolation(`${at} allows everything but ${list(s.NotAction).join(", ")} (NotAction); list the actions it needs.`);
            }
        }
        const arns = ATTACHMENTS.includes(args.type) ? list(args.props.policyArn)
            : args.type === "aws:iam/role:Role" ? list(args.props.managedPolicyArns) : [];
        for (const arn of arns) {
            const name = arn.split("/").pop() ?? "";
            if (/^arn:aws[a-z-]*:iam::aws:policy\//.test(arn) && deniedManagedPolicies.some(p => glob(p, name))) {
                reportViolation(`${args.name}: attaches ${name}, which allows whole services; write a policy with the actions it needs (policy config deniedManagedPolicies).`);
            }
        }
    },
};

/** A resource that matches everything of its service: `*`, or an ARN whose resource part is `*`. */
const isWildcardResource = (r: string) => r === "*" || /^arn:[^:]*:[^:]*:[^:]*:[^:]*:\*$/.test(r);

export const iamResourceWildcard: ResourceValidationPolicy = {
    name: "privilege-iam-resource-wildcard-required",
    description: "IAM identity policies allow Resource \"*\" (or NotResource) only for actions that take no resource ARN.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { wildcardResourceActions: { type: "array", items: { type: "string" }, default: WILDCARD_RESOURCE_ACTIONS } } },
    validateResource: (args, reportViolation) => {
        if (!IDENTITY_POLICIES[args.type] && args.type !== "aws:iam/role:Role") return;
        const { wildcardResourceActions } = settings(args, { wildcardResourceActions: WILDCARD_RESOURCE_ACTIONS });
        for (const [where, doc] of documents(args.type, args.props)) {
            if (where === "assumeRolePolicy") continue;
            for (const [i, s] of statements(doc)) {
                const at = `${args.name}: ${where} Statement[${i}]${s.Sid ? ` (${String(s.Sid)})` : ""}`;
                if (s.NotResource !== undefined) reportViolation(`${at} allows every resource but ${list(s.NotResource).join(", ")} (NotResource); list the resources instead.`);
                const wild = list(s.Resource).filter(isWildcardResource);
                if (wild.length === 0) continue;
                const scoped = list(s.Action).filter(a => !wildcardResourceActions.some(p => glob(p, a) || p.toLowerCase() === a.toLowerCase()));
                if (scoped.length > 0) {
                    reportViolation(`${at} allows ${scoped.join(", ")} on ${wild.join(", ")}; these actions take resource ARNs, so name the buckets, parameters or keys (actions that only take "*" are in policy config wildcardResourceActions).`);
                }
            }
        }
    },
};

export const iamPolicies = [iamNoWildcardActions, iamResourceWildcard];
