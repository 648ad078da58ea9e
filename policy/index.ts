// The CrossGuard pack: `pulumi preview --policy-pack policy`. Constructing it starts the analyzer server.
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

new PolicyPack("observability-stack-policies", { policies });
