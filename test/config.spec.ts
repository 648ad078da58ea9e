import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, ConfigProblem, parseStackConfig, RawConfig, StackConfig } from "../components/config";
import { planStack } from "../components/plan";
import { grafanaDatabaseValues } from "./helpers/grafana-database";

const KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const VALID_DEV = { adminCidrs: JSON.stringify(["198.51.100.10/32"]) };

function raw(values: Record<string, string>, extra: Partial<RawConfig> = {}): RawConfig {
    return { values, secrets: {}, awsRegion: "eu-west-1", ...extra };
}

/** An Output's value (tests only: the program never reads a secret back). */
function plainOf(output: pulumi.Output<string>): Promise<string> {
    return new Promise(resolve => output.apply(v => { resolve(v); return v; }));
}

/** The problems of loading and planning a stack (the plan adds the host's capacity check). */
function problemsOf(stack: string, input: RawConfig): readonly ConfigProblem[] {
    try {
        planStack(parseStackConfig(stack, input));
    } catch (e) {
        assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
        return e.problems;
    }
    assert.fail("expected the config to be rejected");
}

interface BadCase {
    what: string;
    stack?: string;
    values?: Record<string, string>;
    input?: Partial<RawConfig>;
    key: string;
    /** The offending value as reported (undefined when the key is missing). */
    value?: unknown;
    message: RegExp;
    allowed: RegExp;
}

const secretKubeconfig = { secrets: { kubeconfig: "apiVersion: v1", pagerdutyRoutingKey: "routing-key", deadMansSwitchUrl: "https://hc-ping.example.com/beat" } };
const OIDC = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";
/** The least an existing-cluster stack needs besides its secrets. */
const PROD = { oidcProviderArn: OIDC, domain: "obs.example.com", ...grafanaDatabaseValues() };
/** An MSK setup for an existing cluster. */
const MSK = { kafka: "msk", kafkaSubnetIds: JSON.stringify(["subnet-0a1b2c3d", "subnet-4e5f6a7b"]), kafkaClientSecurityGroupIds: JSON.stringify(["sg-0a1b2c3d"]) };
const ALL_WEEK = [{ weekdays: ["sunday:saturday"], startTime: "00:00", endTime: "24:00" }];
/** Every night 20:00–08:00 in Paris (winter UTC+1): 84 hours, exactly half of the week. */
const HALF_WEEK = [{ weekdays: ["monday:sunday"], startTime: "00:00", endTime: "08:00", location: "Europe/Paris" }, { weekdays: ["sunday:saturday"], startTime: "20:00", endTime: "24:00", location: "Europe/Paris" }];
const SLACK = "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX";
const BAD: BadCase[] = [
    { what: "existing cluster without a Grafana URL", stack: "prod", values: { oidcProviderArn: OIDC, ...grafanaDatabaseValues() }, input: secretKubeconfig, key: "grafanaUrl", message: /required for clusterKind existing without a domain/, allowed: /https:\/\/grafana\.example\.com .*or set domain/ },
    { what: "Grafana URL with a path", values: { ...VALID_DEV, grafanaUrl: "https://ops.example.com/grafana" }, key: "grafanaUrl", value: "https://ops.example.com/grafana", message: /not an https origin/, allowed: /without path or credentials/ },
    { what: "unknown environment", values: { ...VALID_DEV, environment: "staging" }, key: "environment", value: "staging", message: /not a supported value/, allowed: /dev \| prod/ },
    { what: "stack name is no environment and none set", stack: "qa", values: VALID_DEV, key: "environment", message: /stack name 'qa'/, allowed: /dev \| prod/ },
    { what: "unknown cluster kind", values: { ...VALID_DEV, clusterKind: "eks" }, key: "clusterKind", value: "eks", message: /not a supported value/, allowed: /ec2-k3s \| existing/ },
    { what: "prod on a single host", stack: "prod", values: { ...VALID_DEV, clusterKind: "ec2-k3s" }, input: { secrets: { pagerdutyRoutingKey: "routing-key", deadMansSwitchUrl: "https://hc-ping.example.com/beat" } }, key: "clusterKind", value: "ec2-k3s", message: /replication factor 3/, allowed: /existing/ },
    { what: "region missing", values: VALID_DEV, input: { awsRegion: undefined }, key: "aws:region", message: /required/, allowed: /AWS region/ },
    { what: "region malformed", values: VALID_DEV, input: { awsRegion: "europe-west" }, key: "aws:region", value: "europe-west", message: /not an AWS region/, allowed: /eu-west-1/ },
    { what: "instance too small", values: { ...VALID_DEV, instanceType: "t4g.small" }, key: "instanceType", value: "t4g.small", message: /too small/, allowed: /large or bigger/ },
    { what: "x86 type on the arm64 AMI", values: { ...VALID_DEV, instanceType: "m7i.xlarge" }, key: "instanceType", value: "m7i.xlarge", message: /x86_64 type does not run the arm64 AMI/, allowed: /Graviton/ },
    { what: "arm type on the x86 AMI", values: { ...VALID_DEV, instanceArchitecture: "x86_64", instanceType: "m7g.xlarge" }, key: "instanceType", value: "m7g.xlarge", message: /Graviton \(arm64\) type does not run the x86_64 AMI/, allowed: /x86_64 type/ },
    { what: "instance type gibberish", values: { ...VALID_DEV, instanceType: "banana" }, key: "instanceType", value: "banana", message: /not an EC2 instance type/, allowed: /t4g\.xlarge/ },
    { what: "unknown architecture", values: { ...VALID_DEV, instanceArchitecture: "ppc64" }, key: "instanceArchitecture", value: "ppc64", message: /not a supported value/, allowed: /arm64 \| x86_64/ },
    { what: "root volume too small", values: { ...VALID_DEV, rootVolumeSizeGiB: "10" }, key: "rootVolumeSizeGiB", value: 10, message: /out of range/, allowed: /20 to 1024/ },
    { what: "data volume not a number", values: { ...VALID_DEV, dataVolumeSizeGiB: "lots" }, key: "dataVolumeSizeGiB", value: "lots", message: /not a number/, allowed: /20 to 16384/ },
    { what: "k3s too old for Mimir", values: { ...VALID_DEV, k3sVersion: "v1.30.5+k3s1" }, key: "k3sVersion", value: "v1.30.5+k3s1", message: /1\.32 or newer/, allowed: /v1\.32\.0\+k3s1 or newer/ },
    { what: "k3s floating tag", values: { ...VALID_DEV, k3sVersion: "latest" }, key: "k3sVersion", value: "latest", message: /not a k3s release tag/, allowed: /v1\.34\.1\+k3s1/ },
    { what: "VPC overlaps the pod network", values: { ...VALID_DEV, vpcCidr: "10.42.0.0/16" }, key: "vpcCidr", value: "10.42.0.0/16", message: /overlaps k3s's pod\/service network 10\.42\.0\.0\/16/, allowed: /outside 10\.42\.0\.0\/16 and 10\.43\.0\.0\/16/ },
    { what: "VPC too large", values: { ...VALID_DEV, vpcCidr: "10.0.0.0/8" }, key: "vpcCidr", value: "10.0.0.0/8", message: /prefix outside/, allowed: /\/16 to \/24/ },
    { what: "VPC with host bits", values: { ...VALID_DEV, vpcCidr: "10.20.0.1/16" }, key: "vpcCidr", value: "10.20.0.1/16", message: /did you mean 10\.20\.0\.0\/16/, allowed: /IPv4 CIDR/ },
    { what: "zone of another region", values: { ...VALID_DEV, availabilityZone: "us-east-1a" }, key: "availabilityZone", value: "us-east-1a", message: /not a zone of region eu-west-1/, allowed: /eu-west-1a/ },
    { what: "admin open to the IPv4 internet", values: { adminCidrs: JSON.stringify(["0.0.0.0/0"]) }, key: "adminCidrs", value: "0.0.0.0/0", message: /whole internet/, allowed: /never 0\.0\.0\.0\/0 or ::\/0/ },
    { what: "admin open to the IPv6 internet", values: { adminCidrs: JSON.stringify(["198.51.100.10/32", "::/0"]) }, key: "adminCidrs", value: "::/0", message: /whole internet/, allowed: /never 0\.0\.0\.0\/0 or ::\/0/ },
    { what: "admin half the internet", values: { adminCidrs: JSON.stringify(["0.0.0.0/1"]) }, key: "adminCidrs", value: "0.0.0.0/1", message: /too broad/, allowed: /at least \/8/ },
    { what: "no admin CIDR for a k3s host", values: { adminCidrs: "[]" }, key: "adminCidrs", value: [], message: /readiness gate/, allowed: /at least one CIDR/ },
    { what: "ingress CIDR with a bad octet", values: { ...VALID_DEV, ingressCidrs: JSON.stringify(["10.0.0.300/24"]) }, key: "ingressCidrs", value: "10.0.0.300/24", message: /not a CIDR block/, allowed: /203\.0\.113\.0\/24/ },
    { what: "ingress CIDRs not a list", values: { ...VALID_DEV, ingressCidrs: "10.0.0.0/8" }, key: "ingressCidrs", value: "10.0.0.0/8", message: /not a YAML\/JSON list/, allowed: /list of strings/ },
    { what: "ingress CIDR listed twice", values: { ...VALID_DEV, ingressCidrs: JSON.stringify(["203.0.113.0/24", "203.0.113.0/24"]) }, key: "ingressCidrs", value: "203.0.113.0/24", message: /listed twice/, allowed: /each CIDR block once/ },
    { what: "ingress entry not a string", values: { ...VALID_DEV, ingressCidrs: JSON.stringify([42]) }, key: "ingressCidrs", value: 42, message: /not a string/, allowed: /CIDR blocks/ },
    { what: "domain not a DNS name", values: { ...VALID_DEV, domain: "Obs_Example" }, key: "domain", value: "Obs_Example", message: /not a lower-case DNS name/, allowed: /obs\.example\.com/ },
    { what: "log retention not whole days", values: { ...VALID_DEV, retentionLogs: "36h" }, key: "retentionLogs", value: "36h", message: /whole number of days/, allowed: /1d to 730d/ },
    { what: "metrics retention unit unknown", values: { ...VALID_DEV, retentionMetrics: "10y" }, key: "retentionMetrics", value: "10y", message: /not a duration/, allowed: /1d to 1825d/ },
    { what: "trace retention too long", values: { ...VALID_DEV, retentionTraces: "365d" }, key: "retentionTraces", value: "365d", message: /sane bounds for traces/, allowed: /1d to 180d/ },
    { what: "trace retention zero", values: { ...VALID_DEV, retentionTraces: "0d" }, key: "retentionTraces", value: "0d", message: /sane bounds/, allowed: /1d to 180d/ },
    { what: "KMS alias instead of key", values: { ...VALID_DEV, kmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:alias/obs" }, key: "kmsKeyArn", value: "arn:aws:kms:eu-west-1:123456789012:alias/obs", message: /not a KMS key ARN/, allowed: /not an alias/ },
    { what: "KMS key of another region", values: { ...VALID_DEV, kmsKeyArn: KEY_ARN.replace("eu-west-1", "us-east-1") }, key: "kmsKeyArn", value: KEY_ARN.replace("eu-west-1", "us-east-1"), message: /in us-east-1, KMS keys are regional/, allowed: /in eu-west-1/ },
    { what: "replication to the same region", values: { ...VALID_DEV, replicationRegion: "eu-west-1" }, key: "replicationRegion", value: "eu-west-1", message: /not cross-region/, allowed: /other than eu-west-1/ },
    { what: "replication without versioning", values: { ...VALID_DEV, replicationRegion: "eu-central-1", bucketVersioning: "false" }, key: "bucketVersioning", value: false, message: /requires versioning/, allowed: /true when replicationRegion/ },
    { what: "KMS replication without a replica key", values: { ...VALID_DEV, kmsKeyArn: KEY_ARN, replicationRegion: "eu-central-1" }, key: "replicationKmsKeyArn", message: /required/, allowed: /KMS key ARN in eu-central-1/ },
    { what: "replica key without replication", values: { ...VALID_DEV, replicationKmsKeyArn: KEY_ARN }, key: "replicationKmsKeyArn", value: KEY_ARN, message: /without replicationRegion/, allowed: /only together with replicationRegion/ },
    { what: "versioning not a boolean", values: { ...VALID_DEV, bucketVersioning: "yes" }, key: "bucketVersioning", value: "yes", message: /not a boolean/, allowed: /true \| false/ },
    { what: "no lifecycle margin", values: { ...VALID_DEV, lifecycleMarginDays: "0" }, key: "lifecycleMarginDays", value: 0, message: /out of range/, allowed: /1 to 90/ },
    { what: "leaf outlives its CA", values: { ...VALID_DEV, caValidityHours: "8760", certValidityHours: "9000" }, key: "certValidityHours", value: 9000, message: /longer than the CA's validity/, allowed: /at most caValidityHours \(8760\)/ },
    { what: "renewal window below the expiry alert", values: { ...VALID_DEV, certEarlyRenewalHours: "100" }, key: "certEarlyRenewalHours", value: 100, message: /out of range/, allowed: /at least 14 days/ },
    { what: "renewal window over half the validity", values: { ...VALID_DEV, certValidityHours: "2160", certEarlyRenewalHours: "1500" }, key: "certEarlyRenewalHours", value: 1500, message: /more than half/, allowed: /at most 1080/ },
    { what: "reserved tag key", values: { ...VALID_DEV, tags: JSON.stringify({ "aws:owner": "me" }) }, key: "tags.aws:owner", value: "aws:owner", message: /invalid tag key/, allowed: /not starting with aws:/ },
    { what: "tags not a map", values: { ...VALID_DEV, tags: JSON.stringify(["team"]) }, key: "tags", value: JSON.stringify(["team"]), message: /not a YAML\/JSON map/, allowed: /map of strings/ },
    { what: "typo in a key", values: { ...VALID_DEV, retentonLogs: "7d" }, key: "retentonLogs", value: "7d", message: /did you mean 'retentionLogs'/, allowed: /keys in Pulumi\.yaml/ },
    { what: "existing cluster without kubeconfig", stack: "prod", values: { ...PROD }, input: { secrets: { pagerdutyRoutingKey: "routing-key", deadMansSwitchUrl: "https://hc-ping.example.com/beat" } }, key: "kubeconfig", message: /required for clusterKind existing/, allowed: /pulumi config set --secret kubeconfig/ },
    { what: "kubeconfig given to a k3s host", values: VALID_DEV, input: secretKubeconfig, key: "kubeconfig", value: "[secret]", message: /only read for clusterKind existing/, allowed: /unset for clusterKind ec2-k3s/ },
    { what: "existing cluster without OIDC provider", stack: "prod", values: { domain: "obs.example.com", ...grafanaDatabaseValues() }, input: secretKubeconfig, key: "oidcProviderArn", message: /own IRSA role/, allowed: /oidc-provider\// },
    { what: "OIDC provider that is a role ARN", stack: "prod", values: { domain: "obs.example.com", oidcProviderArn: "arn:aws:iam::123456789012:role/loki", ...grafanaDatabaseValues() }, input: secretKubeconfig, key: "oidcProviderArn", value: "arn:aws:iam::123456789012:role/loki", message: /not an IAM OIDC provider ARN/, allowed: /oidc-provider\/oidc\.eks/ },
    { what: "OIDC provider for a k3s host", values: { ...VALID_DEV, oidcProviderArn: OIDC }, key: "oidcProviderArn", value: OIDC, message: /registers its own issuer/, allowed: /unset for clusterKind ec2-k3s/ },
    { what: "prod without a pager", stack: "prod", values: { ...PROD }, input: { secrets: { kubeconfig: "apiVersion: v1", deadMansSwitchUrl: "https://hc-ping.example.com/beat" } }, key: "pagerdutyRoutingKey", message: /prod pages nobody/, allowed: /config set --secret pagerdutyRoutingKey .* \(or opsgenieApiKey\)/ },
    { what: "prod without a dead-man's switch", stack: "prod", values: { ...PROD }, input: { secrets: { kubeconfig: "apiVersion: v1", pagerdutyRoutingKey: "routing-key" } }, key: "deadMansSwitchUrl", message: /prod alerting could go quiet unnoticed/, allowed: /config set --secret deadMansSwitchUrl/ },
    { what: "maintenance window ending before it starts", values: { ...VALID_DEV, maintenanceWindows: JSON.stringify([{ weekdays: ["saturday"], startTime: "04:00", endTime: "02:00" }]) }, key: "maintenanceWindows[0].endTime", value: "02:00", message: /not after startTime 04:00/, allowed: /split windows that cross midnight/ },
    { what: "maintenance window in an unknown zone", values: { ...VALID_DEV, maintenanceWindows: JSON.stringify([{ weekdays: ["monday:friday"], startTime: "02:00", endTime: "03:00", location: "Mars/Olympus" }]) }, key: "maintenanceWindows[0].location", value: "Mars/Olympus", message: /not an IANA time zone/, allowed: /Europe\/Paris/ },
    { what: "maintenance window on a misspelt day", values: { ...VALID_DEV, maintenanceWindows: JSON.stringify([{ weekdays: ["Saturday"], startTime: "02:00", endTime: "03:00" }]) }, key: "maintenanceWindows[0].weekdays", value: ["Saturday"], message: /not a list of weekdays/, allowed: /lower-case weekday names/ },
    { what: "SLO objective of 1.5", values: { ...VALID_DEV, slos: JSON.stringify([{ name: "checkout", service: "checkout", sli: "availability", objective: 1.5 }]) }, key: "slos[0]", value: { name: "checkout", service: "checkout", sli: "availability", objective: 1.5 }, message: /objective 1\.5 must be above 0\.9 and below 1/, allowed: /"objective": 0\.999/ },
    { what: "SLO with an unknown SLI", values: { ...VALID_DEV, slos: JSON.stringify([{ name: "checkout", service: "checkout", sli: "throughput", objective: 0.99 }]) }, key: "slos[0].sli", value: "throughput", message: /not a supported SLI/, allowed: /availability \| latency/ },
    { what: "latency SLO off the span-metrics buckets", values: { ...VALID_DEV, slos: JSON.stringify([{ name: "search", service: "search", sli: "latency", latencySeconds: 0.3, objective: 0.99 }]) }, key: "slos[0]", value: { name: "search", service: "search", sli: "latency", latencySeconds: 0.3, objective: 0.99 }, message: /latencySeconds 0\.3 must be one of the span-metrics buckets/, allowed: /latencySeconds/ },
    { what: "runbook link over plain HTTP", values: { ...VALID_DEV, runbookBaseUrl: "http://wiki.example.com/runbooks" }, key: "runbookBaseUrl", value: "http://wiki.example.com/runbooks", message: /not an https URL/, allowed: /docs\/runbooks\.md/ },
    { what: "error ratio threshold above 1", values: { ...VALID_DEV, highErrorRatio: "5" }, key: "highErrorRatio", value: "5", message: /highErrorRatio 5 must be above 0 and below 1/, allowed: /e\.g\. 0\.05/ },
    { what: "LLM budget without prices", values: { ...VALID_DEV, genAiDailyBudgetUsd: "100" }, key: "genAiDailyBudgetUsd", value: "100", message: /dailyBudgetUsd needs prices/, allowed: /with genAiPrices set/ },
    { what: "model priced twice", values: { ...VALID_DEV, genAiPrices: JSON.stringify([{ model: "m", inputUsdPerMillionTokens: 1, outputUsdPerMillionTokens: 2 }, { model: "m", inputUsdPerMillionTokens: 1, outputUsdPerMillionTokens: 2 }]) }, key: "genAiPrices", value: JSON.stringify([{ model: "m", inputUsdPerMillionTokens: 1, outputUsdPerMillionTokens: 2 }, { model: "m", inputUsdPerMillionTokens: 1, outputUsdPerMillionTokens: 2 }]), message: /model m is priced twice/, allowed: /each model once/ },
    { what: "sampling percent above 100", values: { ...VALID_DEV, samplingPercent: "150" }, key: "samplingPercent", value: "150", message: /not a percentage/, allowed: /0 to 100/ },
    { what: "sampling rule without a rate", values: { ...VALID_DEV, samplingRules: JSON.stringify([{ service: "checkout" }]) }, key: "samplingRules[0].percent", message: /required/, allowed: /percentage/ },
    { what: "gateway bounds inverted", values: { ...VALID_DEV, gatewayMinReplicas: "3", gatewayMaxReplicas: "2" }, key: "gatewayMaxReplicas", value: 2, message: /below gatewayMinReplicas \(3\)/, allowed: /from 3 to 100/ },
    { what: "plaintext remote write", values: { ...VALID_DEV, remoteWriteTargets: JSON.stringify([{ name: "vm", url: "http://vm.example.com/api/v1/write" }]) }, key: "remoteWriteTargets[0].url", value: "http://vm.example.com/api/v1/write", message: /not an https URL/, allowed: /plaintext remote write is refused/ },
    { what: "credential in a remote-write header", values: { ...VALID_DEV, remoteWriteTargets: JSON.stringify([{ name: "vm", url: "https://vm.example.com/api/v1/write", headers: { Authorization: "Bearer abc" } }]) }, key: "remoteWriteTargets[0].headers.Authorization", value: "[hidden]", message: /credentials never go in plain config/, allowed: /X-Scope-OrgID/ },
    { what: "remote-write names twice", values: { ...VALID_DEV, remoteWriteTargets: JSON.stringify([{ name: "vm", url: "https://a.example.com/w" }, { name: "vm", url: "https://b.example.com/w" }]) }, key: "remoteWriteTargets[1].name", value: "vm", message: /used twice/, allowed: /unique/ },
    { what: "gateway memory below the floor", values: { ...VALID_DEV, gatewayMemoryLimitMiB: "128" }, key: "gatewayMemoryLimitMiB", value: 128, message: /out of range/, allowed: /512 to 65536/ },
    { what: "host too small for the backends' requests", values: { ...VALID_DEV, instanceType: "t4g.large" }, key: "instanceType", value: "t4g.large", message: /too small for the backends: requests .* \(headroom -11% CPU/, allowed: /at least 20% of CPU and memory/ },
    { what: "unknown ingress controller", values: { ...VALID_DEV, ingressController: "haproxy" }, key: "ingressController", value: "haproxy", message: /not a supported value/, allowed: /traefik \| nginx/ },
    { what: "ingress-nginx on the k3s host", values: { ...VALID_DEV, ingressController: "nginx" }, key: "ingressController", value: "nginx", message: /bundled Traefik/, allowed: /traefik/ },
    { what: "instance family of unknown size", values: { ...VALID_DEV, instanceType: "i4g.xlarge" }, key: "instanceType", value: "i4g.xlarge", message: /unknown size/, allowed: /t\/m\/c\/r\/x family/ },
    { what: "unknown Kafka mode", values: { ...VALID_DEV, kafka: "kinesis" }, key: "kafka", value: "kinesis", message: /not a supported value/, allowed: /off \| msk \| existing/ },
    { what: "existing Kafka without brokers", values: { ...VALID_DEV, kafka: "existing" }, input: { secrets: { kafkaPassword: "pw" } }, key: "kafkaBrokers", message: /required for kafka existing/, allowed: /TLS listeners/ },
    { what: "existing Kafka without a password", values: { ...VALID_DEV, kafka: "existing", kafkaBrokers: JSON.stringify(["kafka-0.kafka.internal:9096"]) }, key: "kafkaPassword", message: /SASL\/SCRAM-SHA-512 over TLS/, allowed: /config set --secret kafkaPassword/ },
    { what: "broker without a port", values: { ...VALID_DEV, kafka: "existing", kafkaBrokers: JSON.stringify(["kafka-0.kafka.internal"]) }, input: { secrets: { kafkaPassword: "pw" } }, key: "kafkaBrokers", value: "kafka-0.kafka.internal", message: /not a host:port/, allowed: /9096/ },
    { what: "MSK for the k3s host", values: { ...VALID_DEV, kafka: "msk", kafkaSubnetIds: JSON.stringify(["subnet-0a1b2c3d", "subnet-4e5f6a7b"]), kafkaClientSecurityGroupIds: JSON.stringify(["sg-0a1b2c3d"]) }, key: "kafka", value: "msk", message: /joins the existing cluster's VPC/, allowed: /clusterKind existing/ },
    { what: "MSK in one subnet", stack: "prod", values: { ...PROD, kafka: "msk", kafkaSubnetIds: JSON.stringify(["subnet-0a1b2c3d"]), kafkaClientSecurityGroupIds: JSON.stringify(["sg-0a1b2c3d"]) }, input: secretKubeconfig, key: "kafkaSubnetIds", value: ["subnet-0a1b2c3d"], message: /1 given/, allowed: /2 to 3 entries/ },
    { what: "MSK subnet given by name", stack: "prod", values: { ...PROD, kafka: "msk", kafkaSubnetIds: JSON.stringify(["private-a", "subnet-4e5f6a7b"]), kafkaClientSecurityGroupIds: JSON.stringify(["sg-0a1b2c3d"]) }, input: secretKubeconfig, key: "kafkaSubnetIds", value: "private-a", message: /not a subnet ID/, allowed: /subnet-0a1b2c3d/ },
    { what: "fewer partitions than prod's ingesters", stack: "prod", values: { ...PROD, kafka: "msk", kafkaPartitions: "2", kafkaSubnetIds: JSON.stringify(["subnet-0a1b2c3d", "subnet-4e5f6a7b"]), kafkaClientSecurityGroupIds: JSON.stringify(["sg-0a1b2c3d"]) }, input: secretKubeconfig, key: "kafkaPartitions", value: 2, message: /out of range/, allowed: /3 to 1000.*Mimir's 3 ingesters/ },
    { what: "MSK setting with existing brokers", values: { ...VALID_DEV, kafka: "existing", kafkaBrokers: JSON.stringify(["kafka-0.kafka.internal:9096"]), kafkaSubnetIds: JSON.stringify(["subnet-0a1b2c3d"]) }, input: { secrets: { kafkaPassword: "pw" } }, key: "kafkaSubnetIds", value: JSON.stringify(["subnet-0a1b2c3d"]), message: /only read with kafka msk/, allowed: /set kafka to msk/ },
    { what: "Kafka password while Kafka is off", values: VALID_DEV, input: { secrets: { kafkaPassword: "pw" } }, key: "kafkaPassword", value: "[secret]", message: /only read with kafka existing/, allowed: /set kafka to existing/ },
    { what: "a sampling rate with Kafka", stack: "prod", values: { ...PROD, ...MSK, samplingPercent: "5" }, input: secretKubeconfig, key: "samplingPercent", value: "5", message: /tail sampling runs only without Kafka/, allowed: /unset while kafka is msk/ },
    { what: "existing brokers in prod without their disks", stack: "prod", values: { ...PROD, kafka: "existing", kafkaBrokers: JSON.stringify(["kafka-0.kafka.internal:9096"]), kafkaRetentionHours: "48" }, input: { secrets: { ...secretKubeconfig.secrets, kafkaPassword: "pw" } }, key: "kafkaVolumeGiB", message: /broker-disk alert compares the topics' write rate with the brokers' disks/, allowed: /every broker listed in kafkaBrokers/ },
    { what: "a broker volume while Kafka is off", values: { ...VALID_DEV, kafkaVolumeGiB: "100" }, key: "kafkaVolumeGiB", value: "100", message: /only read with kafka msk or existing/, allowed: /unset while kafka is off/ },
    { what: "fractional volume size", values: { ...VALID_DEV, dataVolumeSizeGiB: "100.5" }, key: "dataVolumeSizeGiB", value: "100.5", message: /not a whole number/, allowed: /20 to 16384/ },
    { what: "error ratio that is no number", values: { ...VALID_DEV, highErrorRatio: "five percent" }, key: "highErrorRatio", value: "five percent", message: /not a number/, allowed: /e\.g\. 0\.05/ },
    { what: "ingress controller namespace off kube-system on the k3s host", values: { ...VALID_DEV, ingressControllerNamespace: "ingress" }, key: "ingressControllerNamespace", value: "ingress", message: /bundled Traefik runs in kube-system/, allowed: /kube-system \(or unset\)/ },
    { what: "readiness timeout too short", values: { ...VALID_DEV, readinessTimeoutMinutes: "2" }, key: "readinessTimeoutMinutes", value: 2, message: /out of range/, allowed: /5 to 60/ },
    // Dangerous settings: refused in prod unless acknowledgeRisks names them (allowed in dev).
    { what: "prod ingress open to the IPv4 internet", stack: "prod", values: { ...PROD, ingressCidrs: JSON.stringify(["0.0.0.0/0"]) }, input: secretKubeconfig, key: "ingressCidrs", value: "0.0.0.0/0", message: /whole internet; prod refuses it unless acknowledged/, allowed: /acknowledgeRisks: \["ingressCidrs:0\.0\.0\.0\/0"\]/ },
    { what: "prod ingress open to the IPv6 internet", stack: "prod", values: { ...PROD, ingressCidrs: JSON.stringify(["203.0.113.0/24", "::/0"]) }, input: secretKubeconfig, key: "ingressCidrs", value: "::/0", message: /whole internet/, allowed: /acknowledgeRisks: \["ingressCidrs:::\/0"\]/ },
    { what: "prod buckets that pulumi destroy empties", stack: "prod", values: { ...PROD, bucketForceDestroy: "true" }, input: secretKubeconfig, key: "bucketForceDestroy", value: true, message: /delete the buckets with every stored signal/, allowed: /false .*acknowledgeRisks: \["bucketForceDestroy"\]/ },
    { what: "prod buckets without versioning", stack: "prod", values: { ...PROD, bucketVersioning: "false" }, input: secretKubeconfig, key: "bucketVersioning", value: false, message: /cannot be recovered; prod refuses/, allowed: /true .*acknowledgeRisks: \["bucketVersioning"\]/ },
    { what: "prod with a single gateway", stack: "prod", values: { ...PROD, gatewayMinReplicas: "1" }, input: secretKubeconfig, key: "gatewayMinReplicas", value: 1, message: /a single gateway/, allowed: /at least 2 .*acknowledgeRisks: \["gatewayMinReplicas"\]/ },
    { what: "prod gateway queue volume below the floor", stack: "prod", values: { ...PROD, gatewayQueueVolumeGiB: "2" }, input: secretKubeconfig, key: "gatewayQueueVolumeGiB", value: 2, message: /below 5 GiB each exporter's queue holds less than 512 MiB/, allowed: /at least 5 GiB .*acknowledgeRisks: \["gatewayQueueVolumeGiB"\]/ },
    { what: "prod Kafka retention below a day", stack: "prod", values: { ...PROD, ...MSK, kafkaRetentionHours: "12" }, input: secretKubeconfig, key: "kafkaRetentionHours", value: 12, message: /overnight backend outage/, allowed: /at least 24 hours .*acknowledgeRisks: \["kafkaRetentionHours"\]/ },
    { what: "prod maintenance windows muting the whole week", stack: "prod", values: { ...PROD, maintenanceWindows: JSON.stringify(ALL_WEEK) }, input: secretKubeconfig, key: "maintenanceWindows", value: ALL_WEEK, message: /168 of the week's 168 hours \(100%\)/, allowed: /less than 84 hours a week.*acknowledgeRisks: \["maintenanceWindows"\]/ },
    { what: "prod maintenance windows muting half of the week", stack: "prod", values: { ...PROD, maintenanceWindows: JSON.stringify(HALF_WEEK) }, input: secretKubeconfig, key: "maintenanceWindows", value: HALF_WEEK, message: /84 of the week's 168 hours \(50%\)/, allowed: /less than 84 hours/ },
    { what: "acknowledgement of a misspelled setting", values: { ...VALID_DEV, acknowledgeRisks: JSON.stringify(["bucketForceDestory"]) }, key: "acknowledgeRisks", value: "bucketForceDestory", message: /not a dangerous setting \(did you mean 'bucketForceDestroy'\?\)/, allowed: /ingressCidrs:0\.0\.0\.0\/0, .*maintenanceWindows/ },
    { what: "acknowledgement of a risk the stack does not take", stack: "prod", values: { ...PROD, acknowledgeRisks: JSON.stringify(["bucketForceDestroy"]) }, input: secretKubeconfig, key: "acknowledgeRisks", value: "bucketForceDestroy", message: /does not take/, allowed: /remove the entry/ },
    { what: "acknowledgement that is not a string", values: { ...VALID_DEV, acknowledgeRisks: JSON.stringify([true]) }, key: "acknowledgeRisks", value: true, message: /not a string/, allowed: /naming a dangerous setting/ },
    // Secrets: encrypted, and a URL-valued one parses and is https; the value is never shown.
    { what: "secret set in plain text", values: VALID_DEV, input: { secrets: { slackWebhookUrl: SLACK }, plaintextSecrets: ["slackWebhookUrl"] }, key: "slackWebhookUrl", value: "[secret]", message: /set in plain text/, allowed: /pulumi config set --secret slackWebhookUrl/ },
    { what: "Slack webhook that is no URL", values: VALID_DEV, input: { secrets: { slackWebhookUrl: "not-a-url" } }, key: "slackWebhookUrl", value: "[secret]", message: /^not a URL$/, allowed: /an https URL/ },
    { what: "Slack webhook over http", values: VALID_DEV, input: { secrets: { slackWebhookUrl: SLACK.replace("https:", "http:") } }, key: "slackWebhookUrl", value: "[secret]", message: /not https/, allowed: /pulumi config set --secret slackWebhookUrl https:/ },
    { what: "dead man's switch over http", values: VALID_DEV, input: { secrets: { deadMansSwitchUrl: "http://hc-ping.com/2f9a" } }, key: "deadMansSwitchUrl", value: "[secret]", message: /not https/, allowed: /an https URL/ },
    // Expansions: ${ and {{ are refused in every user string, whatever the key; one problem for the value.
    { what: "expansion in a remote-write header", values: { ...VALID_DEV, remoteWriteTargets: JSON.stringify([{ name: "vm", url: "https://vm.example.com/api/v1/write", headers: { "X-Scope-OrgID": "${env:KAFKA_PASSWORD}" } }]) }, key: "remoteWriteTargets[0].headers.X-Scope-OrgID", value: "${env:KAFKA_PASSWORD}", message: /contains \$\{ or \{\{, which the collector would expand/, allowed: /text without \$\{ or \{\{/ },
    { what: "expansion in a remote-write URL", values: { ...VALID_DEV, remoteWriteTargets: JSON.stringify([{ name: "vm", url: "https://vm.example.com/${env:KAFKA_PASSWORD}" }]) }, key: "remoteWriteTargets[0].url", value: "https://vm.example.com/${env:KAFKA_PASSWORD}", message: /contains \$\{/, allowed: /text without/ },
    { what: "expansion in a remote-write name", values: { ...VALID_DEV, remoteWriteTargets: JSON.stringify([{ name: "${env:X}", url: "https://vm.example.com/w" }]) }, key: "remoteWriteTargets[0].name", value: "${env:X}", message: /contains \$\{/, allowed: /text without/ },
    { what: "expansion in a plain string key", values: { ...VALID_DEV, domain: "${env:HOSTNAME}.example.com" }, key: "domain", value: "${env:HOSTNAME}.example.com", message: /contains \$\{/, allowed: /text without/ },
    { what: "expansion in a tag value", values: { ...VALID_DEV, tags: JSON.stringify({ team: "${file:/var/run/secrets/kafka/password}" }) }, key: "tags.team", value: "${file:/var/run/secrets/kafka/password}", message: /contains \$\{/, allowed: /text without/ },
    { what: "expansion in a sampling rule", values: { ...VALID_DEV, samplingRules: JSON.stringify([{ service: "${env:KAFKA_PASSWORD}", percent: 10 }]) }, key: "samplingRules[0].service", value: "${env:KAFKA_PASSWORD}", message: /contains \$\{/, allowed: /text without/ },
    { what: "expansion in a list of CIDR blocks", values: { ...VALID_DEV, ingressCidrs: JSON.stringify(["203.0.113.0/24", "${env:X}"]) }, key: "ingressCidrs[1]", value: "${env:X}", message: /contains \$\{/, allowed: /text without/ },
    { what: "template in an SLO name", values: { ...VALID_DEV, slos: JSON.stringify([{ name: "{{ .Release.Name }}", service: "checkout", sli: "availability", objective: 0.999 }]) }, key: "slos[0].name", value: "{{ .Release.Name }}", message: /Helm's tpl/, allowed: /text without/ },
    { what: "expansion in a maintenance window's zone", values: { ...VALID_DEV, maintenanceWindows: JSON.stringify([{ weekdays: ["saturday"], startTime: "02:00", endTime: "04:00", location: "${env:TZ}" }]) }, key: "maintenanceWindows[0].location", value: "${env:TZ}", message: /contains \$\{/, allowed: /text without/ },
    { what: "expansion in a map key", values: { ...VALID_DEV, serviceLatencyP95Seconds: JSON.stringify({ "${env:X}": 2 }) }, key: "serviceLatencyP95Seconds.${env:X}", value: "${env:X}", message: /contains \$\{/, allowed: /text without/ },
    { what: "expansion in a dropped attribute", values: { ...VALID_DEV, droppedMetricAttributes: JSON.stringify(["user.id", "${env:X}"]) }, key: "droppedMetricAttributes[1]", value: "${env:X}", message: /contains \$\{/, allowed: /text without/ },
    // Namespaces: only the project's and those this program's providers read.
    { what: "misspelled project namespace", values: VALID_DEV, input: { otherKeys: { "aws:region": "eu-west-1", "observability-stak:samplingPercent": "25" } }, key: "observability-stak:samplingPercent", value: "25", message: /unknown namespace 'observability-stak'.*did you mean 'observability-stack:samplingPercent'/, allowed: /aws, kubernetes, random, tls, grafana, pulumi/ },
    { what: "secret under a misspelled namespace", values: VALID_DEV, input: { otherKeys: { "observabilty-stack:kafkaPassword": "hunter2" } }, key: "observabilty-stack:kafkaPassword", value: "[secret]", message: /did you mean 'observability-stack:kafkaPassword'/, allowed: /keys under observability-stack:/ },
    { what: "misspelled aws:region next to the real one", values: VALID_DEV, input: { otherKeys: { "aws:region": "eu-west-1", "aws:regoin": "eu-west-2" } }, key: "aws:regoin", value: "eu-west-2", message: /did you mean 'aws:region'/, allowed: /aws:region/ },
    { what: "misspelled aws:region alone", values: VALID_DEV, input: { awsRegion: undefined, otherKeys: { "aws:Region": "eu-west-1" } }, key: "aws:Region", value: "eu-west-1", message: /did you mean 'aws:region'/, allowed: /aws:region/ },
    // URLs and Kafka listeners.
    { what: "Grafana URL that is no URL", values: { ...VALID_DEV, grafanaUrl: "not-a-url" }, key: "grafanaUrl", value: "not-a-url", message: /not an https origin/, allowed: /https:\/\/<host>/ },
    { what: "runbook URL that is no URL", values: { ...VALID_DEV, runbookBaseUrl: "not-a-url" }, key: "runbookBaseUrl", value: "not-a-url", message: /not an https URL/, allowed: /docs\/runbooks\.md/ },
    { what: "remote-write URL that is no URL", values: { ...VALID_DEV, remoteWriteTargets: JSON.stringify([{ name: "vm", url: "not-a-url" }]) }, key: "remoteWriteTargets[0].url", value: "not-a-url", message: /not an https URL/, allowed: /plaintext remote write is refused/ },
    { what: "API key in a remote-write header", values: { ...VALID_DEV, remoteWriteTargets: JSON.stringify([{ name: "vm", url: "https://vm.example.com/api/v1/write", headers: { "X-Api-Key": "abc" } }]) }, key: "remoteWriteTargets[0].headers.X-Api-Key", value: "[hidden]", message: /credentials never go in plain config/, allowed: /X-Scope-OrgID/ },
    { what: "broker on the plaintext port", values: { ...VALID_DEV, kafka: "existing", kafkaBrokers: JSON.stringify(["b-1.kafka.internal:9092"]) }, input: { secrets: { kafkaPassword: "pw" } }, key: "kafkaBrokers", value: "b-1.kafka.internal:9092", message: /^the plaintext listener; MSK's SASL\/SCRAM TLS listener is 9096$/, allowed: /:9096/ },
];

describe("stack config", () => {
    it("rejects each of the bad inputs with the key, the bad value and what is allowed", () => {
        assert.ok(BAD.length >= 25);
        for (const c of BAD) {
            const problems = problemsOf(c.stack ?? "dev", raw(c.values ?? {}, c.input ?? {}));
            const key = c.key.includes(":") ? c.key : `observability-stack:${c.key}`;
            const p = problems.find(x => x.key === key);
            assert.ok(p, `${c.what}: no problem for ${key} in ${JSON.stringify(problems)}`);
            assert.equal(problems.length, 1, `${c.what}: expected exactly one problem, got ${JSON.stringify(problems)}`);
            assert.deepEqual(p.value, c.value, `${c.what}: value`);
            assert.match(p.message, c.message, `${c.what}: message`);
            assert.match(p.allowed, c.allowed, `${c.what}: allowed`);
        }
    });

    it("refuses ${ in every plain key, whatever its kind: one problem at the value's path", () => {
        const { CONFIG_KEYS } = require("../components/config") as typeof import("../components/config");
        const forms: Record<string, [string, string]> = { array: ['["${env:X}"]', "[0]"], object: ['{"k": "${env:X}"}', ".k"] };
        for (const [key, kind] of Object.entries(CONFIG_KEYS)) {
            if (kind === "secret") continue;
            const [text, suffix] = forms[kind] ?? ["${env:X}", ""];
            const problems = problemsOf("dev", raw({ ...VALID_DEV, [key]: text })).filter(p => p.key.startsWith(`observability-stack:${key}`));
            assert.deepEqual(problems.map(p => [p.key, p.value, /contains \$\{ or \{\{/.test(p.message)]), [[`observability-stack:${key}${suffix}`, "${env:X}", true]], key);
        }
    });

    it("reports every problem at once, each line naming key, value and what is allowed", () => {
        let error: ConfigError | undefined;
        try {
            parseStackConfig("dev", raw({ adminCidrs: JSON.stringify(["0.0.0.0/0"]), retentionLogs: "36h", instanceType: "t4g.nano", clusterKind: "eks" }));
        } catch (e) {
            error = e as ConfigError;
        }
        assert.ok(error instanceof ConfigError);
        assert.equal(error.problems.length, 4);
        const lines = error.message.split("\n");
        assert.match(lines[0], /Invalid configuration for stack 'dev' \(4 problems\)/);
        assert.ok(lines.includes(`  - observability-stack:adminCidrs = "0.0.0.0/0": opens the admin ports to the whole internet; allowed: specific IPv4/IPv6 CIDR blocks with a prefix of at least /8 (IPv4) or /16 (IPv6), never 0.0.0.0/0 or ::/0`));
        assert.ok(lines.some(l => l.startsWith(`  - observability-stack:retentionLogs = "36h": `) && l.includes("allowed: ")));
    });

    it("reads numbers written as numbers, as text or in exponent form", () => {
        // The engine hands every scalar over as text: YAML 25 and "25" both arrive as "25", 1e-3 as "0.001" or as written.
        const c = parseStackConfig("dev", raw({ ...VALID_DEV, samplingPercent: "25", highErrorRatio: "1e-3", latencyP95Seconds: "0.5", dataVolumeSizeGiB: "2e2" }));
        assert.equal(c.collector.sampling.defaultPercent, 25);
        assert.equal(c.content.red.errorRatio, 0.001);
        assert.equal(c.content.red.latencyP95Seconds, 0.5);
        assert.equal(c.host.dataVolumeSizeGiB, 200);
    });

    it("loading renders nothing: the host's capacity and its data volume are checked by the plan, in the same report format", () => {
        const small = parseStackConfig("dev", raw({ ...VALID_DEV, instanceType: "t4g.large" }));
        assert.equal(small.host.instanceType, "t4g.large");
        assert.throws(() => planStack(small), (e: unknown) => e instanceof ConfigError && /observability-stack:instanceType = "t4g\.large": too small for the backends/.test(e.message));
        const plan = planStack(parseStackConfig("dev", raw(VALID_DEV)));
        assert.equal(plan.capacity.fits, true);
        // The data volume: every claim of the plan (two gateway pods' queue volumes: a scaled-away pod keeps its claim),
        // the datastore and the images, with 20% of the volume free.
        assert.deepEqual(plan.disk!.claims.find(c => c.component === "gateway"), { component: "gateway", GiB: 10 });
        assert.equal(plan.disk!.usedGiB, 116);
        assert.equal(plan.disk!.fits, true);
        const tight = parseStackConfig("dev", raw({ ...VALID_DEV, dataVolumeSizeGiB: "144" }));
        assert.throws(() => planStack(tight), (e: unknown) => e instanceof ConfigError
            && /observability-stack:dataVolumeSizeGiB = 144: too small: volumes 101 GiB \+ datastore 5 GiB \+ images 10 GiB = 116 GiB of 144 GiB \(headroom 19%; at least 20% required\); allowed: at least 145 GiB/.test(e.message));
        planStack(parseStackConfig("dev", raw({ ...VALID_DEV, dataVolumeSizeGiB: "145" })));
        // A bigger queue volume counts for every gateway pod that may hold one.
        assert.throws(() => planStack(parseStackConfig("dev", raw({ ...VALID_DEV, gatewayQueueVolumeGiB: "20" }))), /dataVolumeSizeGiB = 150: too small: volumes 131 GiB/);
        assert.deepEqual(Object.keys(plan.backends), ["alertmanager", "mimir", "loki", "tempo", "grafana"]);
    });

    it("is a RunError, which the Pulumi CLI prints as one error without a stack trace", () => {
        const e = new ConfigError("dev", [{ key: "k", value: 1, message: "m", allowed: "a" }]);
        assert.ok(pulumi.RunError.isInstance(e));
    });

    it("applies per-environment defaults", async () => {
        const dev = parseStackConfig("dev", raw(VALID_DEV));
        assert.equal(dev.clusterKind, "ec2-k3s");
        assert.deepEqual([dev.retention.metrics.days, dev.retention.logs.days, dev.retention.traces.days], [15, 7, 3]);
        assert.equal(dev.retention.traces.hours, "72h");
        assert.equal(dev.buckets.forceDestroy, true);
        assert.equal(dev.host.instanceType, "t4g.xlarge");
        assert.equal(dev.host.availabilityZone, "eu-west-1a");

        assert.deepEqual(dev.alerting.integrations, []);
        assert.equal(dev.oidcProvider, undefined);

        const prod = parseStackConfig("prod", raw(PROD, secretKubeconfig));
        assert.equal(prod.oidcProvider?.issuerHostPath, "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE");
        assert.equal(prod.clusterKind, "existing");
        assert.deepEqual([prod.retention.metrics.days, prod.retention.logs.days, prod.retention.traces.days], [90, 30, 14]);
        assert.equal(prod.buckets.forceDestroy, false);
        // A secret reaches the program only as a secret Output.
        assert.ok(prod.kubeconfig && pulumi.Output.isInstance(prod.kubeconfig));
        assert.equal(await pulumi.isSecret(prod.kubeconfig), true);
        assert.equal(await plainOf(prod.kubeconfig), secretKubeconfig.secrets.kubeconfig);
    });

    it("accepts weeks, multiples of 24h, IPv6 admin blocks and a full bucket setup", () => {
        const c = parseStackConfig("dev", raw({
            adminCidrs: JSON.stringify(["2001:db8::/48", "198.51.100.0/24"]),
            retentionMetrics: "2w",
            retentionLogs: "48h",
            kmsKeyArn: KEY_ARN,
            replicationRegion: "eu-central-1",
            replicationKmsKeyArn: KEY_ARN.replace("eu-west-1", "eu-central-1"),
            tags: JSON.stringify({ team: "platform" }),
        }));
        assert.equal(c.retention.metrics.days, 14);
        assert.equal(c.retention.logs.days, 2);
        assert.deepEqual(c.adminCidrs, ["2001:db8::/48", "198.51.100.0/24"]);
        assert.equal(c.buckets.replicationRegion, "eu-central-1");
        assert.deepEqual(c.tags, { team: "platform" });
    });
});

describe("dangerous settings", () => {
    const DANGEROUS = {
        ingressCidrs: JSON.stringify(["0.0.0.0/0", "::/0"]), bucketForceDestroy: "true", bucketVersioning: "false", gatewayMinReplicas: "1",
        gatewayQueueVolumeGiB: "2", ...MSK, kafkaRetentionHours: "12", maintenanceWindows: JSON.stringify(ALL_WEEK),
    };
    const ACKS = ["ingressCidrs:0.0.0.0/0", "ingressCidrs:::/0", "bucketForceDestroy", "bucketVersioning", "gatewayMinReplicas", "gatewayQueueVolumeGiB", "kafkaRetentionHours", "maintenanceWindows"];

    it("are accepted in prod when acknowledgeRisks names each one", () => {
        const c = parseStackConfig("prod", raw({ ...PROD, ...DANGEROUS, acknowledgeRisks: JSON.stringify(ACKS) }, secretKubeconfig));
        assert.deepEqual(c.ingressCidrs, ["0.0.0.0/0", "::/0"]);
        assert.deepEqual([c.buckets.forceDestroy, c.buckets.versioning], [true, false]);
        assert.deepEqual([c.collector.gateway.minReplicas, c.collector.gateway.queueVolumeGiB, c.kafka?.msk?.retentionHours], [1, 2, 12]);
        assert.equal(c.alerting.maintenance.length, 1);
    });

    it("are refused in prod, one problem each, when not acknowledged; one entry short leaves exactly that one", () => {
        assert.deepEqual(problemsOf("prod", raw({ ...PROD, ...DANGEROUS }, secretKubeconfig)).map(p => p.key.replace("observability-stack:", "")),
            ["ingressCidrs", "ingressCidrs", "bucketForceDestroy", "bucketVersioning", "gatewayMinReplicas", "gatewayQueueVolumeGiB", "kafkaRetentionHours", "maintenanceWindows"]);
        const short = problemsOf("prod", raw({ ...PROD, ...DANGEROUS, acknowledgeRisks: JSON.stringify(ACKS.filter(a => a !== "ingressCidrs:::/0")) }, secretKubeconfig));
        assert.deepEqual(short.map(p => [p.key, p.value]), [["observability-stack:ingressCidrs", "::/0"]]);
    });

    it("are allowed in dev without an acknowledgement, and dev may acknowledge them too", () => {
        const dev = { ...VALID_DEV, ...DANGEROUS, kafka: "existing", kafkaBrokers: JSON.stringify(["b-1.kafka.internal:9096"]) };
        for (const k of ["kafkaSubnetIds", "kafkaClientSecurityGroupIds", "kafkaRetentionHours"] as const) delete (dev as Record<string, string>)[k];
        const c = parseStackConfig("dev", raw(dev, { secrets: { kafkaPassword: "pw" } }));
        assert.deepEqual([c.buckets.forceDestroy, c.collector.gateway.minReplicas, c.ingressCidrs.length], [true, 1, 2]);
        parseStackConfig("dev", raw({ ...VALID_DEV, acknowledgeRisks: JSON.stringify(["bucketForceDestroy", "gatewayMinReplicas"]) }));
    });

    it("count the week's muted hours as the union of the windows in UTC", () => {
        const { mutedMinutesPerWeek } = require("../components/config/risks") as typeof import("../components/config/risks");
        const w = (weekdays: string[], startTime: string, endTime: string, location = "UTC") => ({ weekdays, startTime, endTime, location });
        assert.equal(mutedMinutesPerWeek([]), 0);
        assert.equal(mutedMinutesPerWeek([w(["sunday:saturday"], "00:00", "24:00")]), 7 * 24 * 60);
        assert.equal(mutedMinutesPerWeek([w(["monday:friday"], "00:00", "24:00"), w(["monday"], "10:00", "12:00")]), 5 * 24 * 60);
        // Saturday to Monday wraps over Sunday; the same hours in Tokyo (UTC+9) are other UTC hours, counted too.
        assert.equal(mutedMinutesPerWeek([w(["saturday:monday"], "00:00", "01:00")]), 3 * 60);
        assert.equal(mutedMinutesPerWeek([w(["saturday"], "00:00", "02:00"), w(["saturday"], "00:00", "02:00", "Asia/Tokyo")]), 4 * 60);
        assert.equal(mutedMinutesPerWeek(HALF_WEEK), 84 * 60);
        // One hour less than half of the week is not dangerous.
        const under = [{ ...HALF_WEEK[0], endTime: "07:00" }, HALF_WEEK[1]];
        parseStackConfig("prod", raw({ ...PROD, maintenanceWindows: JSON.stringify(under) }, secretKubeconfig));
    });
});

describe("config schema", () => {
    const { CONFIG_KEYS, SECRET_NAME_RE, SECRET_URL_KEYS } = require("../components/config") as typeof import("../components/config");

    it("every key whose name looks like a credential is of kind secret, and every secret URL key is checked as one", () => {
        const names = Object.keys(CONFIG_KEYS) as (keyof typeof CONFIG_KEYS)[];
        assert.deepEqual(names.filter(k => SECRET_NAME_RE.test(k) && CONFIG_KEYS[k] !== "secret"), []);
        for (const k of ["kafkaPassword", "pagerdutyRoutingKey", "opsgenieApiKey", "slackWebhookUrl", "kubeconfig", "apiToken", "clientSecret", "awsAccessKey"]) assert.match(k, SECRET_NAME_RE);
        for (const k of ["kmsKeyArn", "replicationKmsKeyArn", "acknowledgeRisks", "domain"]) assert.doesNotMatch(k, SECRET_NAME_RE);
        assert.deepEqual(names.filter(k => CONFIG_KEYS[k] === "secret" && /url$/i.test(k)).sort(), [...SECRET_URL_KEYS].sort());
    });

    it("Pulumi.yaml declares every secret key secret, so the CLI too refuses it in plain text", () => {
        const YAML = require("yaml") as typeof import("yaml");
        const declared = (YAML.parse(require("fs").readFileSync(require("path").join(__dirname, "..", "Pulumi.yaml"), "utf8")) as { config: Record<string, { secret?: boolean }> }).config;
        const secretKeys = Object.keys(CONFIG_KEYS).filter(k => CONFIG_KEYS[k as keyof typeof CONFIG_KEYS] === "secret");
        assert.deepEqual(secretKeys.filter(k => declared[k]?.secret !== true), []);
        assert.deepEqual(Object.keys(declared).filter(k => declared[k].secret === true && !secretKeys.includes(k)), []);
    });
});

describe("loadConfig, under the Pulumi runtime", () => {
    const { loadConfig } = require("../components/config") as typeof import("../components/config");
    const BASE = { "aws:region": "eu-west-1", "observability-stack:adminCidrs": JSON.stringify(["198.51.100.10/32"]) };
    /** Loads the dev stack from engine-style config, as `pulumi up` hands it over (decrypted values, secret key list). */
    async function load(config: Record<string, string>, secretKeys: string[]): Promise<StackConfig> {
        await pulumi.runtime.setMocks({ newResource: a => ({ id: `${a.name}-id`, state: a.inputs }), call: a => a.inputs }, "observability-stack", "dev", false);
        pulumi.runtime.setAllConfig(config, secretKeys);
        try {
            return loadConfig();
        } finally {
            pulumi.runtime.setAllConfig({}, []);
        }
    }
    async function loadProblems(config: Record<string, string>, secretKeys: string[]): Promise<ConfigError> {
        try {
            await load(config, secretKeys);
        } catch (e) {
            assert.ok(e instanceof ConfigError, String(e));
            return e;
        }
        assert.fail("expected the config to be rejected");
    }

    it("validates a secret's plain text and hands it on only as a secret Output", async () => {
        for (const form of ["observability-stack:slackWebhookUrl", "observability-stack:config:slackWebhookUrl"]) {
            const c = await load({ ...BASE, "observability-stack:slackWebhookUrl": SLACK, "kubernetes:context": "ops" }, [form]);
            assert.deepEqual(c.alerting.integrations, ["slack"]);
            assert.equal(await pulumi.isSecret(c.alerting.credentials.slack!), true);
            assert.equal(await plainOf(c.alerting.credentials.slack!), SLACK);
        }
    });

    it("refuses plain-text secrets, bad secret URLs and stray namespaces in one report that never shows a secret", async () => {
        const plain = "http://hooks.slack.com/services/T0/B0/plain-secret-1";
        const hidden = "not-a-url-secret-2";
        const e = await loadProblems({
            ...BASE, "observability-stack:slackWebhookUrl": plain, "observability-stack:deadMansSwitchUrl": hidden,
            "observability-stak:samplingPercent": "25", "aws:regoin": "eu-west-2", "aws:secretKey": "aws-secret-3", "awz:profile": "ops",
        }, ["observability-stack:deadMansSwitchUrl", "aws:secretKey"]);
        assert.deepEqual(e.problems.map(p => [p.key, p.value, p.message.split(/[:(]/)[0].trim()]), [
            ["observability-stak:samplingPercent", "25", "unknown namespace 'observability-stak', read by nothing"],
            ["aws:regoin", "eu-west-2", "not a key the AWS provider or this program reads"],
            ["awz:profile", "ops", "unknown namespace 'awz', read by nothing"],
            ["observability-stack:slackWebhookUrl", "[secret]", "set in plain text"],
            ["observability-stack:slackWebhookUrl", "[secret]", "not https"],
            ["observability-stack:deadMansSwitchUrl", "[secret]", "not a URL"],
        ]);
        for (const secret of [plain, hidden, "aws-secret-3"]) assert.ok(!e.message.includes(secret), `the report shows ${secret}`);
    });
});

describe("config documentation", () => {
    it("every key the program reads is in docs/configuration.md's table and in Pulumi.yaml", () => {
        const fs = require("fs") as typeof import("fs");
        const readme = fs.readFileSync(require("path").join(__dirname, "..", "docs", "configuration.md"), "utf8");
        const project = fs.readFileSync(require("path").join(__dirname, "..", "Pulumi.yaml"), "utf8");
        const { CONFIG_KEYS } = require("../components/config") as typeof import("../components/config");
        const undocumented = Object.keys(CONFIG_KEYS).filter(k => !new RegExp(`^\\| \`${k}\``, "m").test(readme));
        const undeclared = Object.keys(CONFIG_KEYS).filter(k => !new RegExp(`^  ${k}:|[ (,]${k}[ ,(]`, "m").test(project));
        assert.deepEqual([undocumented, undeclared], [[], []]);
    });
});

describe("stack files, read as the Pulumi CLI reads them", () => {
    const fs = require("fs") as typeof import("fs");
    const path = require("path") as typeof import("path");
    const { readStackFiles, StackFileError } = require("../offline/stack-files") as typeof import("../offline/stack-files");
    const { tempDir } = require("./helpers/temp") as typeof import("./helpers/temp");
    const project = (config: string, stack: string): string => {
        const dir = tempDir("stack-files");
        fs.writeFileSync(path.join(dir, "Pulumi.yaml"), `name: p\nconfig:\n${config}`);
        fs.writeFileSync(path.join(dir, "Pulumi.s.yaml"), `config:\n${stack}`);
        return dir;
    };
    const DECLARED = "  n:\n    type: integer\n  s:\n    type: string\n  b:\n    type: boolean\n  l:\n    type: array\n    items:\n      type: string\n  d:\n    description: a decimal\n";

    it("hands scalars over as text and refuses only what the CLI refuses for the declared type", () => {
        const ok = readStackFiles(project(DECLARED, `  p:n: "25"\n  p:s: 25\n  p:b: "true"\n  p:l: [a, b]\n  p:d: 1e-3\n`), "s");
        assert.deepEqual(ok.typeProblems, []);
        assert.deepEqual([ok.config["p:n"], ok.config["p:s"], ok.config["p:b"], ok.config["p:l"], ok.config["p:d"]], ["25", "25", "true", '["a","b"]', "0.001"]);
        const bad = readStackFiles(project(`${DECLARED}  k:\n    type: string\n    secret: true\n`, `  p:n: 0.5\n  p:s: [x]\n  p:b: yes\n  p:l: [a, 1]\n  p:k: [hunter2]\n`), "s");
        assert.deepEqual(bad.typeProblems?.map(p => p.key), ["p:n", "p:s", "p:b", "p:l", "p:k"]);
        // A secret key's value, even set in plain text, is masked in the report.
        assert.equal(bad.typeProblems?.[4].value, "[secret]");
    });

    it("refuses a Pulumi.yaml that declares a type the CLI's project schema does not know", () => {
        assert.throws(() => readStackFiles(project("  r:\n    type: number\n", "  p:r: 0.5\n"), "s"), (e: unknown) => e instanceof StackFileError && /r: type number is not a project config type/.test(e.message));
        assert.throws(() => readStackFiles(project("  l:\n    type: array\n", "  p:l: [a]\n"), "s"), /type array needs items\.type/);
        // The project's own Pulumi.yaml loads, with every stack file.
        for (const stack of ["dev", "prod"]) assert.deepEqual(readStackFiles(path.join(__dirname, ".."), stack).typeProblems, []);
    });
});
