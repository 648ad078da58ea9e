// The CrossGuard pack: `pulumi preview --policy-pack policy`. Constructing it starts the analyzer server.
import { PolicyPack } from "@pulumi/policy";
import { PACK_NAME, policies } from "./policies";

new PolicyPack(PACK_NAME, { policies });
