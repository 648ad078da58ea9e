import * as pulumi from "@pulumi/pulumi";
import { StoringBackendArgs, StoringBackendRelease } from "./backend-release";

/** Loki (`loki` chart): logs in the `loki-chunks` and `loki-ruler` buckets; Monolithic in dev, Distributed in prod. */
export class Loki extends StoringBackendRelease {
    constructor(name: string, args: StoringBackendArgs, opts?: pulumi.ComponentResourceOptions) {
        super("observability:backends:Loki", "loki", name, args, opts);
    }
}
