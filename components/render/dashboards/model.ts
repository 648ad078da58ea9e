// What a dashboard is made from, and how it is filed. Pure.
import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import type { GenAiSettings } from "../rules/catalogue/genai";
import type { RedSettings } from "../rules/catalogue/red";
import type { SloSpec } from "../rules/slo";

/** The config the dashboards read: the same thresholds, SLOs and budget the rules use. */
export interface DashboardInput {
    readonly red: RedSettings;
    readonly slos: readonly SloSpec[];
    readonly genAi: GenAiSettings;
}

/** Grafana folders the dashboards are filed in (fixed uids). */
export const FOLDERS = {
    stack: { uid: "observability-stack", title: "Observability stack" },
    platform: { uid: "observability-platform", title: "Platform" },
    applications: { uid: "observability-applications", title: "Applications" },
} as const;
export type FolderKey = keyof typeof FOLDERS;

export interface DashboardSpec {
    /** Fixed uid: links, bookmarks and the Grafana resource keep it across deploys. */
    readonly uid: string;
    readonly folder: FolderKey;
    readonly build: (input: DashboardInput) => Dashboard;
}
