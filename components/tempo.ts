import * as pulumi from "@pulumi/pulumi";
import { StoringBackendArgs, StoringBackendRelease } from "./backend-release";

/** Tempo: traces in the `tempo-traces` bucket; the `tempo` chart (monolithic) in dev, `tempo-distributed` in prod. */
export class Tempo extends StoringBackendRelease {
    constructor(name: string, args: StoringBackendArgs, opts?: pulumi.ComponentResourceOptions) {
        super("observability:backends:Tempo", "tempo", name, args, opts);
    }
}
