// Every policy of the pack, by area. Tests import this file; index.ts (which starts the analyzer) only wraps it.
import type { Policies } from "@pulumi/policy";
import { hygienePolicies } from "./hygiene";
import { resourcePolicies } from "./resources";
import { retentionPolicies } from "./retention";
import { tlsPolicies } from "./tls";

/** The pack's name, as `pulumi preview --policy-pack` reports it. */
export const PACK_NAME = "observability-stack-policies";

export const policies: Policies = [...tlsPolicies, ...retentionPolicies, ...resourcePolicies, ...hygienePolicies];
