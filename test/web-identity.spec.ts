// Web identity across the rendered stacks: in dev each storing backend assumes its own role with tokens of the k3s
// host's published issuer (trusted for exactly its ServiceAccount), its pods carry that role and the token; the
// issuer bucket passes the policy pack only while it publishes nothing but its two documents.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { policies } from "../policy/policies";
import { AnalyzedResource, renderedResources, runPolicies } from "../policy/harness";
import { renderedStack } from "./helpers/rendered";

type Resource = { type: string; name: string; id?: string; inputs: Record<string, any> };
const BACKENDS = ["loki", "tempo", "mimir"] as const;
const clone = <T>(v: T): T => structuredClone(v);

describe("web identity in the rendered stacks", () => {
    const stacks: Record<string, { json: Resource[]; analyzed: AnalyzedResource[] }> = {};
    before(async () => {
        for (const stack of ["dev", "prod"]) {
            const { outDir } = await renderedStack(stack);
            const json = JSON.parse(fs.readFileSync(path.join(outDir, "resources.json"), "utf8"));
            stacks[stack] = { json, analyzed: renderedResources(json, stack) };
        }
    });
    const find = (stack: string, type: string, name: string) => {
        const r = stacks[stack].json.find(x => x.type === type && x.name === name);
        assert.ok(r, `${stack}: no ${type} ${name}`);
        return r;
    };
    const releaseValues = (stack: string, name: string) =>
        stacks[stack].json.find(r => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.name === name)!.inputs.values as Record<string, any>;
    /** Every env list of a release's values that sets AWS_ROLE_ARN, by path. */
    const roleEnvs = (v: unknown, at = ""): Array<[string, string]> => {
        if (Array.isArray(v)) {
            const role = v.find(e => e?.name === "AWS_ROLE_ARN");
            return role ? [[at, role.value]] : v.flatMap((x, i) => roleEnvs(x, `${at}[${i}]`));
        }
        if (v && typeof v === "object") return Object.entries(v).flatMap(([k, x]) => roleEnvs(x, at ? `${at}.${k}` : k));
        return [];
    };

    it("dev: each storing backend has its own role, trusted by the host's issuer for exactly its ServiceAccount", () => {
        const provider = find("dev", "aws:iam/openIdConnectProvider:OpenIdConnectProvider", "obs-dev-host-oidc-provider");
        const host = String(provider.inputs.url).replace("https://", "");
        assert.match(host, /^obs-dev-host-oidc-bucket-[0-9a-f]{7}\.s3\.eu-west-1\.amazonaws\.com$/);
        for (const backend of BACKENDS) {
            const role = find("dev", "aws:iam/role:Role", `obs-dev-${backend}-irsa`);
            assert.deepEqual(JSON.parse(role.inputs.assumeRolePolicy).Statement, [{
                Effect: "Allow",
                Principal: { Federated: provider.id },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: { StringEquals: { [`${host}:sub`]: `system:serviceaccount:observability:${backend}`, [`${host}:aud`]: "sts.amazonaws.com" } },
            }]);
            // Its pods name that role, and its ServiceAccount carries it too.
            const values = releaseValues("dev", backend);
            const arn = `arn:aws:iam::123456789012:role/${role.id}`;
            assert.equal(values.serviceAccount.annotations["eks.amazonaws.com/role-arn"], arn);
            const envs = roleEnvs(values);
            const where = { loki: ["singleBinary.extraEnv"], tempo: ["tempo.extraEnv"], mimir: ["global.extraEnv"] }[backend];
            assert.deepEqual(envs, where.map(p => [p, arn]), backend);
        }
        // The roles are the only principals of the issuer; the instance role has no S3 statement at all.
        const hostPolicies = stacks.dev.json.filter(r => r.type === "aws:iam/rolePolicy:RolePolicy" && r.name.startsWith("obs-dev-host-"));
        assert.deepEqual(hostPolicies.map(p => p.name).sort(), ["obs-dev-host-ca-keys", "obs-dev-host-ca-keys-sealed"]);
        assert.doesNotMatch(hostPolicies.map(p => p.inputs.policy).join("\n"), /"s3:/);
    });

    it("prod: the backends trust the existing cluster's provider and leave the token to EKS's webhook", () => {
        for (const backend of BACKENDS) {
            const trust = JSON.parse(find("prod", "aws:iam/role:Role", `obs-prod-${backend}-irsa`).inputs.assumeRolePolicy).Statement[0];
            assert.match(trust.Principal.Federated, /^arn:aws:iam::\d{12}:oidc-provider\/oidc\.eks\./);
            assert.deepEqual(roleEnvs(releaseValues("prod", backend)), [], backend);
            assert.doesNotMatch(JSON.stringify(releaseValues("prod", backend)), /aws-iam-token/);
        }
        assert.equal(stacks.prod.json.filter(r => r.type === "aws:iam/openIdConnectProvider:OpenIdConnectProvider").length, 0);
    });

    it("the issuer bucket passes the pack only while its public grant is GetObject on its two documents", async () => {
        const bucketViolations = async (edit?: (rs: AnalyzedResource[]) => void) => {
            const rs = clone(stacks.dev.analyzed);
            edit?.(rs);
            return (await runPolicies(policies, rs)).filter(v => v.policy === "tls-s3-bucket-hardened").map(v => v.message);
        };
        const issuerBucket = (rs: AnalyzedResource[], type: string) => rs.find(r => r.type === type && r.name === "obs-dev-host-oidc-bucket")!.props;
        const policyOf = (rs: AnalyzedResource[]) => JSON.parse(String(issuerBucket(rs, "aws:s3/bucketPolicy:BucketPolicy").policy));
        const setPolicy = (rs: AnalyzedResource[], doc: unknown) => { issuerBucket(rs, "aws:s3/bucketPolicy:BucketPolicy").policy = JSON.stringify(doc); };
        const grant = (d: { Statement: Array<Record<string, any>> }) => d.Statement.find(st => st.Sid === "PublicOidcDocuments")!;
        assert.deepEqual(await bucketViolations(), []);
        const mutations: Array<[string, (rs: AnalyzedResource[]) => void]> = [
            ["every object public", rs => { const d = policyOf(rs); grant(d).Resource = [grant(d).Resource[0].replace(/\/\.well-known\/.*$/, "/*")]; setPolicy(rs, d); }],
            ["listing public", rs => { const d = policyOf(rs); grant(d).Action = ["s3:GetObject", "s3:ListBucket"]; setPolicy(rs, d); }],
            ["public ACLs allowed", rs => { issuerBucket(rs, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").blockPublicAcls = false; }],
            ["no public grant left", rs => { const d = policyOf(rs); d.Statement = d.Statement.filter((st: Record<string, any>) => st !== grant(d)); setPolicy(rs, d); }],
        ];
        for (const [what, edit] of mutations) {
            const found = await bucketViolations(edit);
            assert.equal(found.length, 1, `${what}: ${found.join("; ")}`);
            assert.match(found[0], /bucket obs-dev-host-oidc-bucket: add a BucketPublicAccessBlock with all four settings true \(or, publishing named objects/, what);
        }
    });
});
