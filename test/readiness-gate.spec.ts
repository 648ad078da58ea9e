import { strict as assert } from "assert";
import * as fs from "fs";
import * as https from "https";
import type { AddressInfo } from "net";
import { waitForReady } from "../components/readiness-gate";
import { tempDir } from "./helpers/temp";
import { runTool } from "./helpers/tools";

/** A throwaway PKI made with the real openssl: two CAs, a server cert for 127.0.0.1 and client certs. */
function makePki(dir: string) {
    const ssl = (...args: string[]) => {
        const r = runTool("openssl", args, "openssl");
        assert.equal(r.status, 0, r.stderr);
    };
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    for (const ca of ["ca", "other-ca"]) ssl("req", "-x509", ...ec, "-keyout", `${dir}/${ca}.key`, "-out", `${dir}/${ca}.crt`, "-subj", `/CN=${ca}`, "-days", "1");
    const leaf = (name: string, ca: string, ext: string) => {
        fs.writeFileSync(`${dir}/${name}.ext`, ext);
        ssl("req", ...ec, "-keyout", `${dir}/${name}.key`, "-out", `${dir}/${name}.csr`, "-subj", `/CN=${name}`);
        ssl("x509", "-req", "-in", `${dir}/${name}.csr`, "-CA", `${dir}/${ca}.crt`, "-CAkey", `${dir}/${ca}.key`, "-CAcreateserial",
            "-out", `${dir}/${name}.crt`, "-days", "1", "-extfile", `${dir}/${name}.ext`);
    };
    leaf("server", "ca", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
    leaf("admin", "ca", "extendedKeyUsage=clientAuth\n");
    leaf("intruder", "other-ca", "extendedKeyUsage=clientAuth\n");
    const read = (f: string) => fs.readFileSync(`${dir}/${f}`, "utf8");
    return { ca: read("ca.crt"), otherCa: read("other-ca.crt"), server: [read("server.crt"), read("server.key")], admin: [read("admin.crt"), read("admin.key")], intruder: [read("intruder.crt"), read("intruder.key")] };
}

describe("API server readiness gate (real mTLS server on 127.0.0.1)", () => {
    let server: https.Server;
    let url: string;
    let pki: ReturnType<typeof makePki>;
    let failuresLeft = 0;
    const seenClients: string[] = [];

    before(async () => {
        pki = makePki(tempDir("gate"));
        server = https.createServer({ key: pki.server[1], cert: pki.server[0], ca: pki.ca, requestCert: true, rejectUnauthorized: true }, (req, res) => {
            seenClients.push(String((req.socket as import("tls").TLSSocket).getPeerCertificate().subject.CN));
            if (req.url !== "/readyz") { res.writeHead(404).end(); return; }
            if (failuresLeft > 0) { failuresLeft--; res.writeHead(503).end("[-]etcd failed: not ready"); return; }
            res.writeHead(200).end("ok");
        });
        await new Promise<void>(r => server.listen(0, "127.0.0.1", r));
        url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/readyz`;
    });
    after(() => new Promise<void>(r => server.close(() => r())));

    const probe = (over: Partial<Parameters<typeof waitForReady>[0]> = {}) => ({
        url, caPem: pki.ca, certPem: pki.admin[0], keyPem: pki.admin[1], timeoutSeconds: 5, intervalSeconds: 0.05, ...over,
    });

    it("waits through 503s until /readyz answers 200 to the admin certificate", async () => {
        failuresLeft = 2;
        seenClients.length = 0;
        assert.equal(await waitForReady(probe()), 3);
        assert.deepEqual(seenClients, ["admin", "admin", "admin"]);
    });

    it("times out with a clear error naming the URL, the wait and the last answer", async () => {
        failuresLeft = 1_000_000;
        const started = Date.now();
        await assert.rejects(waitForReady(probe({ timeoutSeconds: 0.4 })), (e: Error) => {
            assert.match(e.message, new RegExp(`^${url.replace(/[.]/g, "\\.")} did not become ready within 0.4s`));
            assert.match(e.message, /last error: HTTP 503: \[-\]etcd failed: not ready/);
            assert.match(e.message, /adminCidrs/);
            return true;
        });
        assert.ok(Date.now() - started < 3000);
        failuresLeft = 0;
    });

    it("does not trust a server whose certificate is not from the expected CA", async () => {
        await assert.rejects(waitForReady(probe({ caPem: pki.otherCa, timeoutSeconds: 0.2 })), /last error: (UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED|.*certificate)/i);
    });

    it("is refused by the server with a client certificate from another CA", async () => {
        seenClients.length = 0;
        await assert.rejects(waitForReady(probe({ certPem: pki.intruder[0], keyPem: pki.intruder[1], timeoutSeconds: 0.2 })), /last error:/);
        assert.deepEqual(seenClients, []);
    });

    it("reports a closed port without hanging", async () => {
        await assert.rejects(waitForReady(probe({ url: "https://127.0.0.1:1/readyz", timeoutSeconds: 0.2 })), /last error: ECONNREFUSED/);
    });
});
