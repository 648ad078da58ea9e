// Every policy of the pack, by area. Tests import this file; index.ts (which starts the analyzer) only wraps it.
import type { Policies } from "@pulumi/policy";
export type { Policies, PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { hygienePolicies } from "./hygiene";
import { resourcePolicies } from "./resources";
import { tlsPolicies } from "./tls";

export const policies: Policies = [...tlsPolicies, ...resourcePolicies, ...hygienePolicies];
