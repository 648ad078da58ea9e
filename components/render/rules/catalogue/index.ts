// The fixed part of the catalogue, by rule file. Files built from config (applications, gen-ai, certificates, SLOs)
// are added in ../index.ts.
import type { CatalogueGroup } from "../model";
import { BACKEND_GROUPS } from "./backends";
import { collectorGroup } from "./collector";
import { hostGroup } from "./host";
import { kubernetesGroup } from "./kubernetes";
import { metaGroup } from "./meta";

export const CATALOGUE_FILES: Readonly<Record<string, readonly CatalogueGroup[]>> = {
    collector: [collectorGroup],
    backends: BACKEND_GROUPS,
    kubernetes: [kubernetesGroup],
    host: [hostGroup],
    meta: [metaGroup],
};
