// Certificate expiry for every certificate the stack's PKI issues (the CA, each server and client certificate, and
// the k3s CAs on a k3s host). The deploy knows each one's notAfter, so it records them as constant series; the
// alerts compare them with the ruler's clock. Leaf certificates renew at `pulumi up` inside their early-renewal
// window (30 days by default), so an alert here means no deploy has run since the window opened.
import { AlertDefinition, CatalogueGroup, RecordingRule, series } from "../model";

export interface CertificateValidity {
    /** The certificate's name in the PKI (`loki`, `client-otel-agent`, `root-ca`, …). */
    readonly certificate: string;
    readonly kind: "ca" | "server" | "client";
    /** Its notAfter, RFC 3339. */
    readonly notAfter: string;
}

export const CERTIFICATE_EXPIRY = "observability:certificate_expiry:timestamp_seconds";

export function validateCertificates(certs: readonly CertificateValidity[]): string[] {
    return certs.flatMap(c => (Number.isNaN(Date.parse(c.notAfter)) ? [`certificate ${c.certificate}: notAfter ${JSON.stringify(c.notAfter)} is not an RFC 3339 time`] : []));
}

const DAY = 86400;
const cert = { certificate: "fixture-server", kind: "server" };

export function certificateGroup(certs: readonly CertificateValidity[]): CatalogueGroup {
    const problems = validateCertificates(certs);
    if (problems.length > 0) throw new Error(problems.join("; "));
    const recording: RecordingRule[] = [...certs]
        .sort((a, b) => a.certificate.localeCompare(b.certificate))
        .map(c => ({ record: CERTIFICATE_EXPIRY, expr: `vector(${Math.floor(Date.parse(c.notAfter) / 1000)})`, labels: { certificate: c.certificate, kind: c.kind } }));
    // The cases feed the expiry series directly (a certificate named fixture-server), next to the recorded ones.
    const expiring = (days: number) => series(CERTIFICATE_EXPIRY, cert, `${days * DAY}x90`);
    const alerts: AlertDefinition[] = [
        {
            alert: "CertificateExpiresIn14Days",
            expr: `${CERTIFICATE_EXPIRY} - time() < 14 * ${DAY} and ${CERTIFICATE_EXPIRY} - time() >= 7 * ${DAY}`,
            for: "10m",
            severity: "warning",
            summary: "The {{ $labels.kind }} certificate {{ $labels.certificate }} expires within 14 days",
            description: "The certificate expires in 7 to 14 days. `pulumi up` re-issues leaf certificates inside their early-renewal window; the CA needs the rotation in the runbook.",
            fires: { series: [expiring(10)], at: "30m", alerts: [cert] },
            quiet: { series: [expiring(30)], at: "30m" },
        },
        {
            alert: "CertificateExpiresIn7Days",
            expr: `${CERTIFICATE_EXPIRY} - time() < 7 * ${DAY}`,
            for: "10m",
            severity: "critical",
            summary: "The {{ $labels.kind }} certificate {{ $labels.certificate }} expires within 7 days",
            description: "The certificate expires in under 7 days; when it does, every mTLS hop that presents or verifies it fails and telemetry stops flowing.",
            fires: { series: [expiring(3)], at: "30m", alerts: [cert] },
            quiet: { series: [expiring(10)], at: "30m" },
        },
    ];
    return { name: "certificates", recording, alerts };
}
