// Every policy of the pack, by area. Tests import this file; index.ts (which starts the analyzer) only wraps it.
import type { Policies } from "@pulumi/policy";
import { hygienePolicies } from "./hygiene";
import { iamPolicies } from "./iam";
import { namespacePolicies } from "./namespaces";
import { privilegePolicies } from "./privilege";
import { resourcePolicies } from "./resources";
import { retentionPolicies } from "./retention";
import { secretPolicies } from "./secrets";
import { tlsPolicies } from "./tls";
import { tokenPolicies } from "./tokens";

/** The pack's name, as `pulumi preview --policy-pack` reports it. */
export const PACK_NAME = "observability-stack-policies";

export const policies: Policies = [
    ...tlsPolicies, ...retentionPolicies, ...resourcePolicies, ...hygienePolicies, ...secretPolicies,
    ...privilegePolicies, ...tokenPolicies, ...namespacePolicies, ...iamPolicies,
];
