// Grafana: where people and the deploy reach it over HTTPS, and the ingress controller in front of it.
import { INGRESS_CONTROLLERS, IngressController } from "../render/backends/grafana";
import { ConfigReader, parseUrl } from "./reader";
import type { ClusterKind } from "./schema";

export interface GrafanaSettings {
    readonly grafanaUrl?: string;
    readonly ingressController: IngressController;
}

export function parseGrafana(r: ConfigReader, clusterKind: ClusterKind, domain: string | undefined): GrafanaSettings {
    let grafanaUrl = domain ? `https://grafana.${domain}` : undefined;
    const text = r.text("grafanaUrl");
    if (text !== undefined) {
        const url = parseUrl(text);
        if (!url || url.protocol !== "https:" || url.username || url.password || url.search || url.hash || url.pathname !== "/") {
            r.add("grafanaUrl", text, "not an https origin", "https://<host>[:port] without path or credentials, answered by the stack's Grafana ingress, e.g. https://grafana.example.com");
        } else grafanaUrl = url.origin;
    }
    if (grafanaUrl === undefined && clusterKind === "existing") {
        r.add("grafanaUrl", undefined, "required for clusterKind existing without a domain: the deploy delivers the dashboards through Grafana's API",
            "https://grafana.example.com (the host the stack's Grafana ingress answers to), or set domain");
    }
    const ingressController = r.oneOf("ingressController", INGRESS_CONTROLLERS, "traefik");
    if (clusterKind === "ec2-k3s" && ingressController !== "traefik") {
        r.add("ingressController", ingressController, "the k3s host's ingress controller is its bundled Traefik", "traefik (or unset) for clusterKind ec2-k3s");
    }
    return { grafanaUrl, ingressController };
}
