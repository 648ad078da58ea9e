// Certificates made by the real openssl with the subjects, SANs and usages the stack's PKI gives them (components/
// mtls.ts and components/render/pki.ts), for tests that run real TLS on loopback.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { tempDir } from "./temp";
import { runTool } from "./tools";

/** The PKI's usage names as openssl extension values. */
const OPENSSL_USAGE: Readonly<Record<string, [string, string]>> = {
    digital_signature: ["keyUsage", "digitalSignature"], key_encipherment: ["keyUsage", "keyEncipherment"],
    cert_signing: ["keyUsage", "keyCertSign"], crl_signing: ["keyUsage", "cRLSign"],
    server_auth: ["extendedKeyUsage", "serverAuth"], client_auth: ["extendedKeyUsage", "clientAuth"],
};

/** A certificate and its key: PEM text and the files holding them. */
export interface Issued {
    readonly cert: string;
    readonly key: string;
    readonly certFile: string;
    readonly keyFile: string;
}

/**
 * A folder of openssl-made certificates: `make(name, subject, uses, issuer?, sans?)` issues `<name>.crt`/`.key`
 * (ECDSA P-256, one day), self-signed without an issuer, else signed by the certificate named `issuer`.
 */
export function opensslPki(prefix: string): { dir: string; make: (name: string, subject: string, uses: readonly string[], issuer?: string, sans?: readonly string[]) => Issued } {
    const dir = tempDir(prefix);
    const ssl = (...args: string[]) => {
        const r = runTool("openssl", args, "openssl");
        assert.equal(r.status, 0, r.stderr);
    };
    const make = (name: string, subject: string, uses: readonly string[], issuer?: string, sans: readonly string[] = []): Issued => {
        const ca = uses.includes("cert_signing");
        const ext: Record<string, string[]> = {};
        for (const u of uses) (ext[OPENSSL_USAGE[u][0]] ??= []).push(OPENSSL_USAGE[u][1]);
        const lines = [
            `basicConstraints=critical,CA:${ca ? "TRUE" : "FALSE"}`,
            ...Object.entries(ext).map(([k, v]) => `${k}=${k === "keyUsage" ? "critical," : ""}${v.join(",")}`),
            "subjectKeyIdentifier=hash",
            ...(issuer ? ["authorityKeyIdentifier=keyid"] : []),
            ...(sans.length > 0 ? [`subjectAltName=${sans.map(s => (/^[0-9.]+$/.test(s) ? `IP:${s}` : `DNS:${s}`)).join(",")}`] : []),
        ];
        const f = (x: string) => path.join(dir, `${name}.${x}`);
        fs.writeFileSync(f("ext"), `${lines.join("\n")}\n`);
        ssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", f("key"), "-out", f("csr"), "-subj", subject);
        ssl("x509", "-req", "-in", f("csr"), "-days", "1", "-extfile", f("ext"), "-out", f("crt"),
            ...(issuer ? ["-CA", path.join(dir, `${issuer}.crt`), "-CAkey", path.join(dir, `${issuer}.key`), "-CAcreateserial"] : ["-signkey", f("key")]));
        return { cert: fs.readFileSync(f("crt"), "utf8"), key: fs.readFileSync(f("key"), "utf8"), certFile: f("crt"), keyFile: f("key") };
    };
    return { dir, make };
}
