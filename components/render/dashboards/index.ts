// Every dashboard of the stack, in one list: uid, folder and how to build it from the content config. The Grafana
// component files each in its folder; the render writes each as `dashboards/<uid>.json`.
import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard";
import { llm, logs, red, slos } from "./applications";
import { DashboardInput, DashboardSpec, FOLDERS, FolderKey } from "./model";
import { host, kubernetes } from "./platform";
import { alertmanager, collector, loki, mimir, overview, tempo } from "./stack";

export { FOLDERS };
export type { DashboardInput, FolderKey };

export const DASHBOARDS: readonly DashboardSpec[] = [overview, collector, loki, tempo, mimir, alertmanager, kubernetes, host, red, slos, llm, logs];

export interface RenderedDashboard {
    readonly uid: string;
    readonly folder: FolderKey;
    readonly title: string;
    readonly model: Dashboard;
}

/** Every dashboard, built; fails on a duplicate uid or a model whose uid differs from its spec's. */
export function renderDashboards(input: DashboardInput): RenderedDashboard[] {
    const out = DASHBOARDS.map(d => {
        const model = d.build(input);
        if (model.uid !== d.uid) throw new Error(`dashboard ${d.uid}: the model's uid is ${model.uid}`);
        return { uid: d.uid, folder: d.folder, title: model.title ?? d.uid, model };
    });
    const uids = out.map(d => d.uid);
    const twice = uids.find((u, i) => uids.indexOf(u) !== i);
    if (twice) throw new Error(`dashboard uid ${twice} is used twice`);
    return out;
}
