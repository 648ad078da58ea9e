// prod's Grafana on a real database: the config keys (required in prod, refused elsewhere, each bad value reported
// with key, value and what is allowed; the CA bundle checked as certificates), the RDS instance and its network as the
// program renders them, Grafana's values on it (and dev's unchanged), the Secret they read, and the NetworkPolicy egress.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { ConfigError, ConfigProblem, parseStackConfig, RawConfig } from "../components/config";
import { caBundleProblems, GRAFANA_DATABASE_DEFAULTS, rdsCaBundleUrl } from "../components/config/grafana-database";
import { networkPolicyInput } from "../components/network-policies";
import { planStack } from "../components/plan";
import type { Values } from "../components/render/backends/common";
import { renderNetworkPolicies } from "../components/render/network/policies";
import { readStackFiles } from "../offline/stack-files";
import { grafanaDatabaseValues, testRdsRoot } from "./helpers/grafana-database";
import { opensslPki } from "./helpers/pki";
import { renderedStack } from "./helpers/rendered";

const OIDC = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";
const PROD_SECRETS = { kubeconfig: "apiVersion: v1", pagerdutyRoutingKey: "routing-key", deadMansSwitchUrl: "https://hc-ping.example.com/beat" };
const DEV = { adminCidrs: JSON.stringify(["198.51.100.10/32"]) };
const PROJECT_DIR = path.resolve(__dirname, "..");

const prodRaw = (values: Record<string, string>, region = "eu-west-1"): RawConfig => ({
    values: { oidcProviderArn: OIDC, domain: "obs.example.com", ...values }, secrets: PROD_SECRETS, awsRegion: region,
});

function problems(stack: string, raw: RawConfig): readonly ConfigProblem[] {
    try {
        parseStackConfig(stack, raw);
    } catch (e) {
        assert.ok(e instanceof ConfigError, String(e));
        return e.problems;
    }
    return [];
}

/** The one problem of a config, which must be about `key`. */
function onlyProblem(stack: string, raw: RawConfig, key: string): ConfigProblem {
    const all = problems(stack, raw);
    assert.equal(all.length, 1, JSON.stringify(all, null, 1));
    assert.equal(all[0].key, `observability-stack:${key}`);
    return all[0];
}

describe("Grafana's database: config", () => {
    it("prod: parses the keys, with defaults for size and backups, and the CA bundle as given", () => {
        const values = grafanaDatabaseValues();
        const c = parseStackConfig("prod", prodRaw(values));
        assert.deepEqual(c.grafanaDatabase, {
            subnetIds: ["subnet-0a1b2c3d", "subnet-4e5f6a7b"], clientSecurityGroupIds: ["sg-0a1b2c3d"],
            instanceClass: "db.t4g.medium", storageGiB: 20, backupDays: 7, caBundlePem: values.grafanaDatabaseCaBundle,
        });
        assert.deepEqual(GRAFANA_DATABASE_DEFAULTS, { instanceClass: "db.t4g.medium", storageGiB: 20, backupDays: 7 });
        const sized = parseStackConfig("prod", prodRaw({ ...values, grafanaDatabaseInstanceClass: "db.m7g.large", grafanaDatabaseStorageGiB: "100", grafanaDatabaseBackupDays: "35" }));
        assert.deepEqual([sized.grafanaDatabase?.instanceClass, sized.grafanaDatabase?.storageGiB, sized.grafanaDatabase?.backupDays], ["db.m7g.large", 100, 35]);
        assert.equal(parseStackConfig("dev", { values: DEV, secrets: {}, awsRegion: "eu-west-1" }).grafanaDatabase, undefined);
    });

    it("prod: requires the subnets, the nodes' security groups and the CA bundle, naming where to get the bundle", () => {
        const all = problems("prod", prodRaw({}));
        assert.deepEqual(all.map(p => [p.key.replace("observability-stack:", ""), p.value]), [
            ["grafanaDatabaseSubnetIds", undefined], ["grafanaDatabaseClientSecurityGroupIds", undefined], ["grafanaDatabaseCaBundle", undefined],
        ]);
        for (const p of all) assert.match(p.message, /^required in prod/);
        assert.match(all[0].allowed, /2 to 6 private subnets .* at least two availability zones/);
        assert.match(all[1].allowed, /security groups of the cluster's nodes/);
        assert.match(all[2].allowed, /Amazon RDS eu-west-1 Root CA RSA2048 G1 .*rds-ca-rsa2048-g1.*https:\/\/truststore\.pki\.rds\.amazonaws\.com\/eu-west-1\/eu-west-1-bundle\.pem \| pulumi config set grafanaDatabaseCaBundle/);
        assert.equal(rdsCaBundleUrl("us-east-2"), "https://truststore.pki.rds.amazonaws.com/us-east-2/us-east-2-bundle.pem");
    });

    it("rejects each bad value with the key, the value and what is allowed", () => {
        const ok = grafanaDatabaseValues();
        const cases: { what: string; set: Record<string, string>; key: string; value: unknown; message: RegExp; allowed: RegExp }[] = [
            { what: "a subnet by name", set: { grafanaDatabaseSubnetIds: JSON.stringify(["private-a", "subnet-4e5f6a7b"]) }, key: "grafanaDatabaseSubnetIds", value: "private-a", message: /not a subnet ID/, allowed: /subnet-0a1b2c3d/ },
            { what: "one subnet (Multi-AZ needs two zones)", set: { grafanaDatabaseSubnetIds: JSON.stringify(["subnet-0a1b2c3d"]) }, key: "grafanaDatabaseSubnetIds", value: ["subnet-0a1b2c3d"], message: /^1 given$/, allowed: /^2 to 6 entries: .*two availability zones/ },
            { what: "seven subnets", set: { grafanaDatabaseSubnetIds: JSON.stringify(Array.from({ length: 7 }, (_, i) => `subnet-0a1b2c3${i}`)) }, key: "grafanaDatabaseSubnetIds", value: Array.from({ length: 7 }, (_, i) => `subnet-0a1b2c3${i}`), message: /7 given/, allowed: /2 to 6 entries/ },
            { what: "a subnet twice", set: { grafanaDatabaseSubnetIds: JSON.stringify(["subnet-0a1b2c3d", "subnet-0a1b2c3d"]) }, key: "grafanaDatabaseSubnetIds", value: "subnet-0a1b2c3d", message: /listed twice/, allowed: /each entry once/ },
            { what: "subnets as a string", set: { grafanaDatabaseSubnetIds: "subnet-0a1b2c3d" }, key: "grafanaDatabaseSubnetIds", value: "subnet-0a1b2c3d", message: /not a YAML\/JSON list/, allowed: /a list of strings/ },
            { what: "a CIDR for a security group", set: { grafanaDatabaseClientSecurityGroupIds: JSON.stringify(["10.0.0.0/8"]) }, key: "grafanaDatabaseClientSecurityGroupIds", value: "10.0.0.0/8", message: /not a security group ID/, allowed: /security groups of the cluster's nodes.*5432/ },
            { what: "no security group", set: { grafanaDatabaseClientSecurityGroupIds: "[]" }, key: "grafanaDatabaseClientSecurityGroupIds", value: [], message: /0 given/, allowed: /1 to 5 entries/ },
            { what: "an EC2 type for the instance class", set: { grafanaDatabaseInstanceClass: "t4g.medium" }, key: "grafanaDatabaseInstanceClass", value: "t4g.medium", message: /not an RDS instance class/, allowed: /db\.t4g\.medium or db\.m7g\.large/ },
            { what: "storage below gp3's floor", set: { grafanaDatabaseStorageGiB: "10" }, key: "grafanaDatabaseStorageGiB", value: 10, message: /out of range/, allowed: /20 to 16384 .*gp3/ },
            { what: "three days of backups", set: { grafanaDatabaseBackupDays: "3" }, key: "grafanaDatabaseBackupDays", value: 3, message: /out of range/, allowed: /7 to 35 .*point-in-time recovery/ },
            { what: "more backups than RDS keeps", set: { grafanaDatabaseBackupDays: "36" }, key: "grafanaDatabaseBackupDays", value: 36, message: /out of range/, allowed: /7 to 35/ },
            { what: "backups of no whole days", set: { grafanaDatabaseBackupDays: "7.5" }, key: "grafanaDatabaseBackupDays", value: "7.5", message: /not a whole number/, allowed: /7 to 35/ },
        ];
        for (const c of cases) {
            const p = onlyProblem("prod", prodRaw({ ...ok, ...c.set }), c.key);
            assert.deepEqual(p.value, c.value, `${c.what}: value`);
            assert.match(p.message, c.message, `${c.what}: message`);
            assert.match(p.allowed, c.allowed, `${c.what}: allowed`);
        }
    });

    it("checks the CA bundle as certificates: a CA, unexpired, with the region's self-signed RDS root, and never shows a key", () => {
        const pki = opensslPki("rds-bundle");
        const other = pki.make("other", "/CN=Example Test Root CA", ["cert_signing", "crl_signing"]);
        const leaf = pki.make("leaf", "/CN=db.example.com", ["digital_signature", "server_auth"], "other", ["db.example.com"]);
        const root = testRdsRoot();
        const ok = grafanaDatabaseValues();
        const bad = (text: string, region = "eu-west-1") => onlyProblem("prod", prodRaw({ ...ok, grafanaDatabaseCaBundle: text }, region), "grafanaDatabaseCaBundle");

        const junk = bad("not a certificate at all, just a long enough line of text");
        assert.deepEqual([junk.value, junk.message], ["not a certificate at all, j… (57 characters)", "no PEM certificate (-----BEGIN CERTIFICATE-----)"]);
        assert.match(junk.allowed, /eu-west-1-bundle\.pem/);
        const wrong = bad(other.cert);
        assert.equal(wrong.value, "1 certificate: Example Test Root CA");
        assert.match(wrong.message, /no self-signed Amazon RDS eu-west-1 Root CA RSA2048 G1, the root of the instance's certificate \(rds-ca-rsa2048-g1\): not region eu-west-1's RDS bundle/);
        // eu-west-1's root in a us-east-1 stack: the wrong region's bundle.
        assert.match(bad(root.cert, "us-east-1").message, /no self-signed Amazon RDS us-east-1 Root CA RSA2048 G1/);
        assert.deepEqual([bad(`${root.cert}${leaf.cert}`).value, bad(`${root.cert}${leaf.cert}`).message], ["block 2 of 2 (CN=db.example.com)", "not a CA certificate"]);
        const key = bad(`${root.cert}${root.key}`);
        assert.equal(key.value, "block 2 of 2 (a private key)");
        assert.match(key.message, /not a certificate: the bundle holds public CA certificates only/);
        assert.ok(!JSON.stringify(key).includes(root.key.split("\n")[1]), "the report shows the key");
        assert.equal(bad(root.cert.replace(/^(-----BEGIN CERTIFICATE-----\n)..../, "$1AAAA")).message, "does not parse as an X.509 certificate");
        assert.equal(bad(`${root.cert}trailing words\n`).message, "text outside the PEM blocks");
        // Expired: the same root, judged a week from now (the test CA lives one day).
        assert.deepEqual(caBundleProblems(root.cert, "eu-west-1", new Date(Date.now() + 7 * 86400_000)).map(p => p.message.replace(/on .*/, "on …")), ["expired on …"]);
        assert.deepEqual(caBundleProblems(root.cert, "eu-west-1"), []);
        assert.deepEqual(caBundleProblems(`${other.cert}\n${root.cert}`, "eu-west-1"), [], "a bundle of several CAs holding the root");
    });

    it("the prod example holds eu-west-1's real RDS bundle: the three G1 roots, self-signed, valid for decades", () => {
        const files = readStackFiles(PROJECT_DIR, "prod");
        assert.equal(files.config["aws:region"], "eu-west-1");
        const bundle = files.config["observability-stack:grafanaDatabaseCaBundle"];
        assert.deepEqual(caBundleProblems(bundle, "eu-west-1"), []);
        assert.match(caBundleProblems(bundle, "us-east-1")[0].message, /not region us-east-1's RDS bundle/);
        const { X509Certificate } = require("crypto") as typeof import("crypto");
        const certs = bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g)!.map(b => new X509Certificate(b));
        assert.deepEqual(certs.map(c => [/CN=(.*)/.exec(c.subject)?.[1], c.fingerprint256.slice(0, 23), c.subject === c.issuer && c.verify(c.publicKey)]), [
            ["Amazon RDS eu-west-1 Root CA RSA2048 G1", "6F:7E:01:B6:2A:F2:40:58", true],
            ["Amazon RDS eu-west-1 Root CA RSA4096 G1", "62:E2:9E:F9:03:10:94:7E", true],
            ["Amazon RDS eu-west-1 Root CA ECC384 G1", "88:EC:F0:27:44:8F:71:98", true],
        ]);
        assert.ok(certs.every(c => Date.parse(c.validTo) > Date.parse("2060-01-01")));
    });

    it("dev and a k3s host refuse every key: only prod on an existing cluster reads them", () => {
        const values: Record<string, string> = { ...grafanaDatabaseValues(), grafanaDatabaseInstanceClass: "db.t4g.small", grafanaDatabaseStorageGiB: "20", grafanaDatabaseBackupDays: "7" };
        const all = problems("dev", { values: { ...DEV, ...values }, secrets: {}, awsRegion: "eu-west-1" });
        assert.deepEqual(all.map(p => p.key.replace("observability-stack:", "")).sort(), Object.keys(values).sort());
        for (const p of all) {
            assert.match(p.message, /^only read in prod: dev keeps Grafana's SQLite database on its volume/);
            assert.equal(p.allowed, "unset");
        }
        // The bundle is shown by its start, never whole.
        assert.equal(all.find(p => p.key.endsWith("CaBundle"))!.value, `-----BEGIN CERTIFICATE-----… (${values.grafanaDatabaseCaBundle.length} characters)`);
        assert.deepEqual(all.find(p => p.key.endsWith("SubnetIds"))!.value, values.grafanaDatabaseSubnetIds);
        const k3s = problems("prod", { values: { ...DEV, clusterKind: "ec2-k3s", grafanaDatabaseInstanceClass: "db.t4g.small" }, secrets: PROD_SECRETS, awsRegion: "eu-west-1" });
        assert.deepEqual(k3s.filter(p => p.key.includes("grafanaDatabase")).map(p => [p.key, p.message]), [
            ["observability-stack:grafanaDatabaseInstanceClass", "only read with clusterKind existing: the database joins the existing cluster's VPC"],
        ]);
    });
});

describe("Grafana's database: planned values and network policies", () => {
    const prod = planStack(parseStackConfig("prod", prodRaw(grafanaDatabaseValues())));
    const dev = planStack(parseStackConfig("dev", { values: DEV, secrets: {}, awsRegion: "eu-west-1" }));

    it("prod: two replicas on PostgreSQL, verify-full against the mounted bundle, every secret a $__file, no volume", () => {
        const v = prod.backends.grafana.values;
        const ini = v["grafana.ini"] as Values;
        assert.equal(v.replicas, 2);
        assert.deepEqual(v.persistence, { enabled: false });
        assert.deepEqual(v.podDisruptionBudget, { maxUnavailable: 1 });
        assert.deepEqual(v.affinity, { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{
            labelSelector: { matchLabels: { "app.kubernetes.io/name": "grafana", "app.kubernetes.io/instance": "grafana" } }, topologyKey: "kubernetes.io/hostname",
        }] } });
        assert.deepEqual(ini.database, {
            type: "postgres", host: "$__file{/etc/grafana/database/host}", name: "grafana", user: "grafana",
            password: "$__file{/etc/grafana/database/password}", ssl_mode: "verify-full", ca_cert_path: "/etc/grafana/database/ca.pem",
            max_open_conn: 20, max_idle_conn: 5,
        });
        assert.equal((ini.security as Values).secret_key, "$__file{/etc/grafana/database/secret-key}");
        assert.deepEqual(ini.remote_cache, { type: "database" });
        // No HA gossip (plaintext memberlist on 9094): no peers, and Grafana-managed rules are not executed twice.
        assert.deepEqual(ini.unified_alerting, { enabled: true, execute_alerts: false });
        assert.doesNotMatch(JSON.stringify(v), /ha_peers|ha_listen_address|9094|headlessService/);
        assert.deepEqual((v.extraSecretMounts as Values[]).find(m => m.secretName === "grafana-database"),
            { name: "database", secretName: "grafana-database", defaultMode: 0o440, mountPath: "/etc/grafana/database", readOnly: true });
        assert.deepEqual(prod.backends.grafana.workloads.map(w => [w.replicas, w.volumeGiB]), [[2, undefined]]);
        // The datasource keeps Grafana-managed alerts out of the external Alertmanager.
        const am = ((v.datasources as Values)["datasources.yaml"] as { datasources: Values[] }).datasources.find(d => d.uid === "alertmanager")!;
        assert.equal((am.jsonData as Values).handleGrafanaManagedAlerts, false);
    });

    it("dev: unchanged, one replica on SQLite on its volume, no database Secret", () => {
        const v = dev.backends.grafana.values;
        const ini = v["grafana.ini"] as Values;
        assert.equal(v.replicas, 1);
        assert.deepEqual(v.persistence, { enabled: true, size: "10Gi" });
        assert.deepEqual([ini.database, ini.remote_cache, ini.unified_alerting, (ini.security as Values).secret_key, v.podDisruptionBudget, v.affinity], [undefined, undefined, undefined, undefined, undefined, undefined]);
        assert.deepEqual((v.extraSecretMounts as Values[]).map(m => m.secretName), ["grafana-client-tls", "grafana-tls"]);
        assert.deepEqual(dev.backends.grafana.workloads.map(w => [w.replicas, w.volumeGiB]), [[1, 10]]);
    });

    it("prod: Grafana's NetworkPolicy lets it out on 5432 (any address: the instance's exists only once it does); dev does not", () => {
        const egress = (plan: typeof prod, config: Parameters<typeof networkPolicyInput>[1]) =>
            renderNetworkPolicies(networkPolicyInput(plan, config)).find(p => p.metadata.name === "grafana")!.spec.egress ?? [];
        const prodEgress = egress(prod, parseStackConfig("prod", prodRaw(grafanaDatabaseValues())));
        assert.deepEqual(prodEgress.filter(r => r.ports?.some(p => p.port === 5432)), [{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ protocol: "TCP", port: 5432 }] }]);
        const devEgress = egress(dev, parseStackConfig("dev", { values: DEV, secrets: {}, awsRegion: "eu-west-1" }));
        assert.ok(!devEgress.some(r => r.ports?.some(p => p.port === 5432)));
        for (const group of ["mimir", "loki", "tempo", "alertmanager", "otel-gateway"]) {
            const ps = renderNetworkPolicies(networkPolicyInput(prod, parseStackConfig("prod", prodRaw(grafanaDatabaseValues()))));
            assert.ok(!(ps.find(p => p.metadata.name === group)?.spec.egress ?? []).some(r => r.ports?.some(p => p.port === 5432)), group);
        }
    });
});

describe("Grafana's database: the rendered prod stack", () => {
    type Res = { type: string; name: string; parent: string | null; urn: string; inputs: Record<string, any> };
    let resources: Res[];
    let secretValues: string[];
    let files: string[];
    let grafanaValues: { "grafana.ini": { database: Values } };
    let bundle: string;
    const of = (type: string) => resources.filter(r => r.type === type);
    const one = (type: string, name: string) => {
        const found = resources.filter(r => r.type === type && r.name === name);
        assert.equal(found.length, 1, `${type} ${name}`);
        return found[0];
    };
    before(async () => {
        const { run, outDir, artifacts } = await renderedStack("prod");
        resources = JSON.parse(fs.readFileSync(path.join(outDir, "resources.json"), "utf8"));
        secretValues = run.secretValues;
        files = artifacts.map(a => a.content);
        grafanaValues = YAML.parse(fs.readFileSync(path.join(outDir, "helm", "grafana.values.yaml"), "utf8"));
        bundle = readStackFiles(PROJECT_DIR, "prod").config["observability-stack:grafanaDatabaseCaBundle"];
    });

    it("creates an encrypted, Multi-AZ, backed-up, protected, private PostgreSQL that requires TLS", () => {
        const db = one("aws:rds/instance:Instance", "obs-prod-grafana-db-instance");
        const sg = one("aws:ec2/securityGroup:SecurityGroup", "obs-prod-grafana-db-sg");
        const subnets = one("aws:rds/subnetGroup:SubnetGroup", "obs-prod-grafana-db-subnets");
        const params = one("aws:rds/parameterGroup:ParameterGroup", "obs-prod-grafana-db-params");
        const { vpcSecurityGroupIds, dbSubnetGroupName, parameterGroupName, ...rest } = db.inputs;
        assert.deepEqual(rest, {
            engine: "postgres", engineVersion: "17", autoMinorVersionUpgrade: true, instanceClass: "db.t4g.medium",
            allocatedStorage: 20, storageType: "gp3", storageEncrypted: true,
            dbName: "grafana", username: "grafana", password: "[secret]", port: 5432,
            publiclyAccessible: false, caCertIdentifier: "rds-ca-rsa2048-g1", multiAz: true,
            backupRetentionPeriod: 7, backupWindow: "02:00-03:00", maintenanceWindow: "sun:03:30-sun:04:30",
            copyTagsToSnapshot: true, deletionProtection: true, skipFinalSnapshot: false, finalSnapshotIdentifier: "obs-prod-grafana-db-final",
        });
        // Its own security group, subnet group and parameter group (ids and names as the mocks answer them).
        assert.equal(vpcSecurityGroupIds.length, 1);
        assert.match(vpcSecurityGroupIds[0], /^sg-/);
        assert.match(dbSubnetGroupName, /^obs-prod-grafana-db-subnets-[0-9a-f]{7}$/);
        assert.match(parameterGroupName, /^obs-prod-grafana-db-params-[0-9a-f]{7}$/);
        assert.deepEqual(subnets.inputs.subnetIds, ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002", "subnet-0a1b2c3d4e5f60003"]);
        assert.deepEqual({ family: params.inputs.family, parameters: params.inputs.parameters }, {
            family: "postgres17", parameters: [{ name: "rds.force_ssl", value: "1" }, { name: "ssl_min_protocol_version", value: "TLSv1.2" }],
        });
        // The security group is in the VPC of the first subnet (getSubnet), like the MSK brokers'.
        assert.equal(sg.inputs.vpcId, one("aws:ec2/securityGroup:SecurityGroup", "obs-prod-kafka-brokers").inputs.vpcId);
        assert.deepEqual([sg.inputs.ingress, sg.inputs.egress], [undefined, undefined]);
        // Every resource is a child of the component, which index.ts wires at the top.
        const component = one("observability:backends:GrafanaDatabase", "obs-prod-grafana-db");
        assert.equal(component.parent, null);
        for (const r of [db, sg, subnets, params]) assert.equal(r.parent, component.urn, r.name);
        const password = one("random:index/randomPassword:RandomPassword", "obs-prod-grafana-db-password");
        assert.deepEqual([password.inputs.length, password.inputs.special], [32, false]);
    });

    it("admits 5432 only from the cluster nodes' security groups, and opens no egress", () => {
        const sgId = one("aws:rds/instance:Instance", "obs-prod-grafana-db-instance").inputs.vpcSecurityGroupIds[0];
        const rules = resources.filter(r => r.type.startsWith("aws:vpc/securityGroup") && r.inputs.securityGroupId === sgId);
        assert.deepEqual(rules.map(r => [r.type, r.inputs.referencedSecurityGroupId, r.inputs.ipProtocol, r.inputs.fromPort, r.inputs.toPort, r.inputs.cidrIpv4, r.inputs.cidrIpv6]), [
            ["aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "sg-0a1b2c3d4e5f60001", "tcp", 5432, 5432, undefined, undefined],
        ]);
        assert.deepEqual(of("aws:ec2/securityGroupRule:SecurityGroupRule"), []);
    });

    it("gives Grafana the database through Secret grafana-database, whose every value stays secret", () => {
        const secret = resources.filter(r => r.type === "kubernetes:core/v1:Secret" && r.inputs.metadata.name === "grafana-database");
        assert.equal(secret.length, 1);
        assert.deepEqual([secret[0].inputs.metadata.namespace, secret[0].inputs.stringData], ["observability", "[secret]"]);
        assert.equal(secret[0].parent, one("observability:backends:Grafana", "obs-prod-grafana").urn);
        const secretKey = one("random:index/randomPassword:RandomPassword", "obs-prod-grafana-secret-key");
        assert.equal(secretKey.inputs.special, false);
        // What went into the Secret as secrets: the instance's address and port, and the CA bundle of the stack file.
        assert.ok(secretValues.some(v => /^obs-prod-grafana-db-instance-[0-9a-f]{7}\.c[0-9a-f]{11}\.eu-west-1\.rds\.amazonaws\.com:5432$/.test(v)), "host");
        assert.ok(secretValues.includes(bundle), "ca.pem");
        const db = one("aws:rds/instance:Instance", "obs-prod-grafana-db-instance");
        assert.equal(db.inputs.password, "[secret]");
        // The values only reference files.
        assert.equal(grafanaValues["grafana.ini"].database.password, "$__file{/etc/grafana/database/password}");
        for (const s of secretValues.filter(v => v.length >= 8)) {
            assert.ok(!JSON.stringify(grafanaValues).includes(s), "a secret in Grafana's values");
            for (const f of files) assert.ok(!f.includes(s), "a secret in a rendered file");
        }
        assert.ok(!files.some(f => f.includes("rds.amazonaws.com")), "the database's address in a rendered file");
        assert.ok(!files.some(f => f.includes(bundle.split("\n")[1])), "the CA bundle in a rendered file");
    });

    it("dev creates no database", async () => {
        const { run } = await renderedStack("dev");
        assert.deepEqual(run.resources.filter(r => r.type.startsWith("aws:rds/") || (r.type === "kubernetes:core/v1:Secret" && (r.inputs as Values & { metadata: { name: string } }).metadata.name === "grafana-database")), []);
    });
});
