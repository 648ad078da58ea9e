import * as pulumi from "@pulumi/pulumi";
import { StoringBackendArgs, StoringBackendRelease } from "./backend-release";

/** Mimir (`mimir-distributed`, classic architecture): blocks, rules and Alertmanager state in their buckets. */
export class Mimir extends StoringBackendRelease {
    constructor(name: string, args: StoringBackendArgs, opts?: pulumi.ComponentResourceOptions) {
        super("observability:backends:Mimir", "mimir", name, args, opts);
    }
}
