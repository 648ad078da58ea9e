import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import * as net from "net";
import type { MutualTls } from "./mtls";
import { serviceHost } from "./render/backends/common";
import { GRAFANA_RELEASE, GRAFANA_SERVERS_TRANSPORT, GRAFANA_UPSTREAM_CA_SECRET, IngressController } from "./render/backends/grafana";

/** Secret of the endpoint's certificate (stack CA), in the backends' namespace and, on k3s, in Traefik's. */
export const GRAFANA_ENDPOINT_TLS_SECRET = "grafana-endpoint-tls";

export interface GrafanaEndpointArgs {
    namespace: string;
    /** The stack's PKI, which issues the endpoint's certificate for its name or address. */
    pki: MutualTls;
    /** Where people and the deploy reach Grafana (`grafanaUrl`, or `https://grafana.<domain>`). */
    grafanaUrl?: string;
    /**
     * The k3s host's public IP: the address without a `grafanaUrl`. With it, the endpoint uses the host's bundled
     * Traefik and makes this certificate its default (clients that reach it by IP send no SNI) through k3s's HelmChartConfig.
     */
    k3sHostIp?: pulumi.Output<string>;
    /** Ingress class; defaults to the cluster's default class (k3s: traefik). */
    ingressClassName?: string;
    /** The controller behind the class: how it is told to proxy to Grafana over HTTPS and verify it. */
    controller: IngressController;
    /** The stack CA, which the controller verifies Grafana's certificate against. */
    caCertPem: pulumi.Input<string>;
}

/**
 * The Ingress annotations of each controller for Grafana's HTTPS backend. Traefik reads the scheme and transport from
 * the Service (the Grafana chart's `service.annotations`); ingress-nginx from the Ingress.
 */
export function backendTlsAnnotations(controller: IngressController, namespace: string): Record<string, string> {
    if (controller === "traefik") return {};
    return {
        "nginx.ingress.kubernetes.io/backend-protocol": "HTTPS",
        "nginx.ingress.kubernetes.io/proxy-ssl-secret": `${namespace}/${GRAFANA_UPSTREAM_CA_SECRET}`,
        "nginx.ingress.kubernetes.io/proxy-ssl-verify": "on",
        "nginx.ingress.kubernetes.io/proxy-ssl-name": serviceHost(GRAFANA_RELEASE, namespace),
        "nginx.ingress.kubernetes.io/proxy-ssl-server-name": "on",
        "nginx.ingress.kubernetes.io/proxy-ssl-protocols": "TLSv1.2 TLSv1.3",
    };
}

/**
 * Grafana's HTTPS endpoint: an Ingress with a certificate from the stack's CA, so browsers and the deploy's Grafana
 * provider verify it against the CA (`caCertPem` output). Behind the ingress, the controller proxies to Grafana's own
 * HTTPS and verifies it against the stack CA as `grafana.<namespace>.svc` (Traefik: a ServersTransport; ingress-nginx:
 * proxy-ssl annotations).
 */
export class GrafanaEndpoint extends pulumi.ComponentResource {
    public readonly ingress: k8s.networking.v1.Ingress;
    /** Grafana's HTTPS URL: `grafanaUrl`, else the k3s host's public IP. */
    public readonly url: pulumi.Output<string>;

    constructor(name: string, args: GrafanaEndpointArgs, opts?: pulumi.ComponentResourceOptions) {
        super("observability:backends:GrafanaEndpoint", name, {}, opts);
        // Its name (grafanaUrl), or on a k3s host without one the host's public IP. The certificate is issued once
        // that address exists; read the PKI's `validity` after this component for the expiry rules to include it.
        const address = args.grafanaUrl ? new URL(args.grafanaUrl).hostname : undefined;
        if (address === undefined && !args.k3sHostIp) throw new Error("GrafanaEndpoint: no address (config requires grafanaUrl or domain on an existing cluster)");
        const byIp = address !== undefined && net.isIP(address) !== 0;
        const host = address !== undefined && !byIp ? address : undefined;
        const tls = args.pki.issueServer(`${name}-certificate`, {
            certificate: "grafana-endpoint",
            commonName: address ?? "grafana",
            dnsNames: host ? [host] : undefined,
            ipAddresses: address ? (byIp ? [address] : undefined) : [args.k3sHostIp!],
        });
        this.url = args.grafanaUrl ? pulumi.output(args.grafanaUrl) : pulumi.interpolate`https://${args.k3sHostIp}`;
        const k3sTraefik = args.k3sHostIp !== undefined;
        const data = pulumi.secret(pulumi.all({ "tls.crt": tls.certPem, "tls.key": tls.keyPem }));
        const secret = (suffix: string, namespace: string) => new k8s.core.v1.Secret(`${name}-${suffix}`, {
            metadata: { name: GRAFANA_ENDPOINT_TLS_SECRET, namespace },
            type: "kubernetes.io/tls",
            stringData: data,
        }, { parent: this });
        const deps: pulumi.Resource[] = [secret("tls", args.namespace)];
        deps.push(new k8s.core.v1.Secret(`${name}-upstream-ca`, {
            metadata: { name: GRAFANA_UPSTREAM_CA_SECRET, namespace: args.namespace },
            type: "Opaque",
            stringData: { "ca.crt": args.caCertPem },
        }, { parent: this }));
        if (args.controller === "traefik") {
            deps.push(new k8s.apiextensions.CustomResource(`${name}-servers-transport`, {
                apiVersion: "traefik.io/v1alpha1",
                kind: "ServersTransport",
                metadata: { name: GRAFANA_SERVERS_TRANSPORT, namespace: args.namespace },
                // Traefik dials pod IPs: the name it verifies must be set here.
                spec: { serverName: serviceHost(GRAFANA_RELEASE, args.namespace), rootCAs: [{ secret: GRAFANA_UPSTREAM_CA_SECRET }], insecureSkipVerify: false },
            }, { parent: this }));
        }
        if (k3sTraefik) {
            deps.push(secret("traefik-tls", "kube-system"));
            deps.push(new k8s.apiextensions.CustomResource(`${name}-traefik-config`, {
                apiVersion: "helm.cattle.io/v1",
                kind: "HelmChartConfig",
                metadata: { name: "traefik", namespace: "kube-system" },
                spec: { valuesContent: YAML.stringify({ tlsStore: { default: { defaultCertificate: { secretName: GRAFANA_ENDPOINT_TLS_SECRET } } } }) },
            }, { parent: this }));
        }
        const backend = { service: { name: GRAFANA_RELEASE, port: { number: 80 } } };
        this.ingress = new k8s.networking.v1.Ingress(`${name}-ingress`, {
            metadata: {
                name: GRAFANA_RELEASE,
                namespace: args.namespace,
                annotations: {
                    ...(k3sTraefik ? { "traefik.ingress.kubernetes.io/router.entrypoints": "websecure", "traefik.ingress.kubernetes.io/router.tls": "true" } : {}),
                    ...backendTlsAnnotations(args.controller, args.namespace),
                },
            },
            spec: {
                ...(args.ingressClassName ? { ingressClassName: args.ingressClassName } : {}),
                tls: [{ ...(host ? { hosts: [host] } : {}), secretName: GRAFANA_ENDPOINT_TLS_SECRET }],
                rules: [{ ...(host ? { host } : {}), http: { paths: [{ path: "/", pathType: "Prefix", backend }] } }],
            },
        }, { parent: this, dependsOn: deps });
        this.registerOutputs({ ingress: this.ingress.metadata, url: this.url });
    }
}
