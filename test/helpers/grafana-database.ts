// Config of prod's Grafana database for tests: placeholder subnets and security group, and a CA bundle made here by
// openssl with the subject of the region's RDS root (a test CA: the real bundle comes from AWS, see Pulumi.prod.yaml).
import { RDS_CA } from "../../components/config/grafana-database";
import { Issued, opensslPki } from "./pki";

const made = new Map<string, Issued>();

/** A self-signed test CA named like `region`'s RDS root (`Amazon RDS <region> Root CA RSA2048 G1`), made once per region. */
export function testRdsRoot(region = "eu-west-1"): Issued {
    let ca = made.get(region);
    if (ca === undefined) {
        const pki = opensslPki(`rds-ca-${region}`);
        ca = pki.make("root", `/C=US/O=Amazon Web Services, Inc./OU=Amazon RDS/ST=WA/CN=${RDS_CA.rootCommonName(region)}/L=Seattle`, ["cert_signing", "crl_signing"]);
        made.set(region, ca);
    }
    return ca;
}

/** The raw (engine-style) values of the grafanaDatabase* keys a prod stack requires. */
export function grafanaDatabaseValues(region = "eu-west-1"): Record<string, string> {
    return {
        grafanaDatabaseSubnetIds: JSON.stringify(["subnet-0a1b2c3d", "subnet-4e5f6a7b"]),
        grafanaDatabaseClientSecurityGroupIds: JSON.stringify(["sg-0a1b2c3d"]),
        grafanaDatabaseCaBundle: testRdsRoot(region).cert,
    };
}
