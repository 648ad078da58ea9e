// Who may send OTLP to the agents, by identity: `otlpClients` names one application per client certificate. The PKI
// (components/mtls.ts) issues each name its certificate from a CA of its own, and the agents trust exactly the listed
// names' CAs, so removing a name revokes its certificate at the next `pulumi up` (docs/connections.md#otlp-clients).
import { ConfigReader } from "./reader";

/** A DNS label (RFC 1123): the certificate's common name, and part of Pulumi resource names and expiry labels. */
const CLIENT_NAME_RE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/**
 * At most this many clients: the agents' trust bundle holds one CA per client, and a TLS server sends every trusted
 * CA's name in its certificate request. Many more applications than this share an identity per team or namespace.
 */
export const MAX_OTLP_CLIENTS = 50;

/** `otlpClients`: unique DNS-label names, at most `MAX_OTLP_CLIENTS`. Unset: none (no application can send OTLP). */
export function parseOtlpClients(r: ConfigReader): string[] {
    const key = "otlpClients";
    const list = r.json(key, "array") as unknown[] | undefined;
    if (list === undefined) return [];
    const allowed = `application names, one client certificate each: lower-case letters, digits and '-' (a DNS label, at most 63), e.g. ["checkout", "payments"]; at most ${MAX_OTLP_CLIENTS}`;
    const out: string[] = [];
    for (const item of list) {
        if (typeof item !== "string" || !CLIENT_NAME_RE.test(item)) r.add(key, item, "not a client name", allowed);
        else if (out.includes(item)) r.add(key, item, "listed twice", "each client once (one certificate per name)");
        else out.push(item);
    }
    if (list.length > MAX_OTLP_CLIENTS) r.add(key, `${list.length} names`, `more than ${MAX_OTLP_CLIENTS} clients`, allowed);
    return out;
}
