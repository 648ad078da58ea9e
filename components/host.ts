import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { HostConfig, OidcProvider } from "./config/schema";
import type { K3sPki } from "./mtls";
import { ServiceAccountIssuer } from "./oidc-issuer";
import { ApiServerReadiness } from "./readiness-gate";
import { renderCloudInit, renderKubeconfig } from "./render/cloud-init";
import { caKeyReadPolicy, caKeySealPolicy, parameterPathArn } from "./render/host-iam";
import { parseCidr } from "./render/net";
import { K3S_CAS, K3sCa } from "./render/pki";
import { serviceTrustPolicy } from "./render/storage";

/** Ports open to `ingressCidrs`: HTTPS (Grafana, APIs) and OTLP gRPC/HTTP. */
export const PUBLIC_PORTS = [443, 4317, 4318] as const;
/** Ports open only to `adminCidrs`: the Kubernetes API. */
export const ADMIN_PORTS = [6443] as const;

export interface ObservabilityHostArgs {
    host: HostConfig;
    region: string;
    /** Name of the stack, used for the node name and SSM parameter paths. */
    stack: string;
    ingressCidrs: readonly string[];
    adminCidrs: readonly string[];
    /** Public domain; adds `api.<domain>` to the API server certificate. Defaults to none. */
    domain?: string;
    /** KMS key for EBS and the SSM parameters; AWS-managed keys when absent. */
    kmsKeyArn?: string;
    /** The k3s CAs, service-account key and admin certificate from `MutualTls`. */
    pki: K3sPki;
}

/**
 * A single EC2 host running k3s: its own VPC and public subnet, a security group with the public ports open
 * to `ingressCidrs` and the API only to `adminCidrs`, an IAM role with only what the host needs (SSM core, its CA
 * keys until k3s is ready), encrypted gp3 root and data volumes, an Elastic IP, IMDSv2 with one hop (pods cannot
 * reach the instance role) and no SSH key. Cloud-init installs a pinned k3s with the stack's CAs, signing
 * service-account tokens as the published issuer (`ServiceAccountIssuer`) that the backends' roles trust; a
 * readiness gate waits for `/readyz`. Exposes a kubeconfig, a Kubernetes provider and the IAM OIDC provider.
 */
export class ObservabilityHost extends pulumi.ComponentResource {
    public readonly instanceId: pulumi.Output<string>;
    public readonly publicIp: pulumi.Output<string>;
    public readonly dataVolumeId: pulumi.Output<string>;
    public readonly securityGroupId: pulumi.Output<string>;
    public readonly roleName: pulumi.Output<string>;
    public readonly roleArn: pulumi.Output<string>;
    public readonly userData: pulumi.Output<string>;
    /** The cluster's IAM OIDC provider (the published service-account issuer), for the backends' web-identity roles. */
    public readonly oidcProvider: pulumi.Output<OidcProvider>;
    public readonly issuer: ServiceAccountIssuer;
    /** Admin kubeconfig (secret). */
    public readonly kubeconfig: pulumi.Output<string>;
    public readonly provider: k8s.Provider;

    constructor(name: string, args: ObservabilityHostArgs, opts?: pulumi.ComponentResourceOptions) {
        super("observability:aws:ObservabilityHost", name, {}, opts);
        const parent = { parent: this };
        const h = args.host;

        // Network: a small VPC of its own, so the first deploy works in any account.
        const vpc = new aws.ec2.Vpc(`${name}-vpc`, { cidrBlock: h.vpcCidr, enableDnsHostnames: true, enableDnsSupport: true, tags: { Name: `${name}` } }, parent);
        const subnet = new aws.ec2.Subnet(`${name}-public`, {
            vpcId: vpc.id,
            cidrBlock: h.vpcCidr.replace(/\/\d+$/, `/${Math.min(parseCidr(h.vpcCidr)!.prefix + 4, 28)}`),
            availabilityZone: h.availabilityZone,
            mapPublicIpOnLaunch: false,
            tags: { Name: `${name}-public` },
        }, parent);
        const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id }, parent);
        const routes = new aws.ec2.RouteTable(`${name}-public`, { vpcId: vpc.id }, parent);
        new aws.ec2.Route(`${name}-default`, { routeTableId: routes.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: igw.id }, parent);
        new aws.ec2.RouteTableAssociation(`${name}-public`, { routeTableId: routes.id, subnetId: subnet.id }, parent);
        // S3 traffic stays on the AWS network (and costs no NAT/IGW data processing).
        new aws.ec2.VpcEndpoint(`${name}-s3`, {
            vpcId: vpc.id, serviceName: `com.amazonaws.${args.region}.s3`, vpcEndpointType: "Gateway", routeTableIds: [routes.id],
        }, parent);

        const sg = new aws.ec2.SecurityGroup(`${name}-sg`, {
            vpcId: vpc.id,
            description: "observability host: public endpoints from ingressCidrs, Kubernetes API from adminCidrs",
            revokeRulesOnDelete: true,
        }, parent);
        const rules: pulumi.Resource[] = [];
        const ingress = (ports: readonly number[], cidrs: readonly string[], label: string) => {
            for (const port of ports) {
                cidrs.forEach((cidr, i) => {
                    const v6 = parseCidr(cidr)!.family === 6;
                    rules.push(new aws.vpc.SecurityGroupIngressRule(`${name}-${label}-${port}-${i}`, {
                        securityGroupId: sg.id,
                        ipProtocol: "tcp",
                        fromPort: port,
                        toPort: port,
                        cidrIpv4: v6 ? undefined : cidr,
                        cidrIpv6: v6 ? cidr : undefined,
                        description: `${label} ${port} from ${cidr}`,
                    }, parent));
                });
            }
        };
        ingress(PUBLIC_PORTS, args.ingressCidrs, "public");
        ingress(ADMIN_PORTS, args.adminCidrs, "admin");
        rules.push(new aws.vpc.SecurityGroupEgressRule(`${name}-egress`, {
            securityGroupId: sg.id, ipProtocol: "-1", cidrIpv4: "0.0.0.0/0", description: "k3s download, image pulls, AWS APIs",
        }, parent));

        // CA private keys: SecureStrings the instance role reads at boot; never in user-data.
        const ssmPrefix = `/observability-stack/${args.stack}/k3s`;
        const keyFiles: { file: string; value: pulumi.Output<string> }[] = [
            ...K3S_CAS.map(ca => ({ file: `${ca}.key`, value: args.pki.cas[ca].keyPem })),
            { file: "service.key", value: args.pki.serviceAccountKeyPem },
        ];
        const parameters = keyFiles.map(k => new aws.ssm.Parameter(`${name}-${k.file.replace(/[/.]/g, "-")}`, {
            name: `${ssmPrefix}/${k.file}`,
            type: "SecureString",
            value: pulumi.secret(k.value),
            keyId: args.kmsKeyArn,
            description: `k3s ${k.file} for stack ${args.stack}`,
        }, parent));

        // The service-account issuer, published for STS: pods assume their own roles with its tokens (web identity).
        this.issuer = new ServiceAccountIssuer(`${name}-oidc`, { region: args.region, publicKeyPems: [args.pki.serviceAccountPublicKeyPem] }, parent);
        this.oidcProvider = this.issuer.oidcProvider;

        // IAM: what the host itself needs. SSM Session Manager instead of SSH, and its CA keys at the first boot of its
        // data volume (sealed once k3s is ready, below). No S3: the backends use their own roles.
        const partition = aws.getPartitionOutput({}, parent).partition;
        const role = new aws.iam.Role(`${name}-role`, {
            description: `observability host (${args.stack})`,
            assumeRolePolicy: JSON.stringify(serviceTrustPolicy("ec2.amazonaws.com")),
        }, parent);
        new aws.iam.RolePolicyAttachment(`${name}-ssm-core`, {
            role: role.name,
            policyArn: pulumi.interpolate`arn:${partition}:iam::aws:policy/AmazonSSMManagedInstanceCore`,
        }, parent);
        const parameterArns = pulumi.all(parameters.map(p => p.arn));
        const caKeys = new aws.iam.RolePolicy(`${name}-ca-keys`, {
            role: role.id,
            policy: parameterArns.apply(arns => JSON.stringify(caKeyReadPolicy(arns, args.region, args.kmsKeyArn))),
        }, parent);
        const profile = new aws.iam.InstanceProfile(`${name}-profile`, { role: role.name }, parent);

        const eip = new aws.ec2.Eip(`${name}-eip`, { domain: "vpc", tags: { Name: name } }, parent);
        const dataVolume = new aws.ebs.Volume(`${name}-data`, {
            availabilityZone: h.availabilityZone,
            size: h.dataVolumeSizeGiB,
            type: "gp3",
            encrypted: true,
            kmsKeyId: args.kmsKeyArn,
            tags: { Name: `${name}-data` },
        }, parent);

        const tlsSans = eip.publicIp.apply(ip => [ip, ...(args.domain ? [`api.${args.domain}`] : [])]);
        const caCerts = pulumi.all(Object.fromEntries(K3S_CAS.map(ca => [ca, args.pki.cas[ca].certPem])))
            .apply(certs => certs as Record<K3sCa, string>);
        this.userData = pulumi.all([tlsSans, dataVolume.id, caCerts, this.issuer.issuerUrl]).apply(([sans, volumeId, certs, issuer]) => renderCloudInit({
            k3sVersion: h.k3sVersion,
            architecture: h.architecture,
            region: args.region,
            nodeName: name,
            tlsSans: sans,
            dataVolumeId: volumeId,
            ssmPrefix,
            caCertificates: certs,
            serviceAccountIssuer: issuer,
        }).userData);

        const ami = aws.ssm.getParameterOutput({
            name: `/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-${h.architecture}`,
        }, parent);
        const instance = new aws.ec2.Instance(`${name}-instance`, {
            ami: ami.value,
            instanceType: h.instanceType,
            subnetId: subnet.id,
            vpcSecurityGroupIds: [sg.id],
            iamInstanceProfile: profile.name,
            metadataOptions: {
                httpEndpoint: "enabled",
                httpTokens: "required",
                // 1 hop: only the host itself reaches IMDS, pods (one hop further) cannot get the instance role.
                httpPutResponseHopLimit: 1,
                instanceMetadataTags: "disabled",
            },
            rootBlockDevice: {
                volumeType: "gp3",
                volumeSize: h.rootVolumeSizeGiB,
                encrypted: true,
                kmsKeyId: args.kmsKeyArn,
                deleteOnTermination: true,
            },
            userData: this.userData,
            userDataReplaceOnChange: true,
            monitoring: true,
            tags: { Name: name },
        }, {
            parent: this,
            // The keys and the right to read them exist before the first boot.
            dependsOn: [...parameters, caKeys],
            // A newer AMI must not replace the host on every up; roll it deliberately with --replace.
            ignoreChanges: ["ami"],
        });
        const attachment = new aws.ec2.VolumeAttachment(`${name}-data`, {
            deviceName: "/dev/sdf", volumeId: dataVolume.id, instanceId: instance.id,
        }, parent);
        const association = new aws.ec2.EipAssociation(`${name}-eip`, { allocationId: eip.allocationId, instanceId: instance.id }, parent);

        const server = pulumi.interpolate`https://${eip.publicIp}:6443`;
        const gate = new ApiServerReadiness(`${name}-api-ready`, {
            url: pulumi.interpolate`${server}/readyz`,
            caPem: args.pki.cas["server-ca"].certPem,
            certPem: args.pki.admin.certPem,
            keyPem: args.pki.admin.keyPem,
            timeoutSeconds: h.readinessTimeoutMinutes * 60,
            trigger: instance.id,
        }, { parent: this, dependsOn: [association, attachment, ...rules] });

        this.kubeconfig = pulumi.secret(pulumi.all([server, args.pki.cas["server-ca"].certPem, args.pki.admin.certPem, args.pki.admin.keyPem])
            .apply(([s, caPem, certPem, keyPem]) => renderKubeconfig({ name, server: s, caPem, certPem, keyPem })));
        this.provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: this.kubeconfig, enableServerSideApply: true }, { parent: this, dependsOn: [gate] });

        // k3s is ready, so this instance's CA keys are on the data volume: it may no longer read them from SSM (a
        // replacement instance can, until its own readiness; see docs/architecture.md for why this seal).
        new aws.iam.RolePolicy(`${name}-ca-keys-sealed`, {
            role: role.id,
            policy: pulumi.all([parameterArns, instance.arn]).apply(([arns, instanceArn]) =>
                JSON.stringify(caKeySealPolicy(arns, parameterPathArn(arns[0], ssmPrefix), instanceArn))),
        }, { parent: this, dependsOn: [gate] });

        this.instanceId = instance.id;
        this.publicIp = eip.publicIp;
        this.dataVolumeId = dataVolume.id;
        this.securityGroupId = sg.id;
        this.roleName = role.name;
        this.roleArn = role.arn;
        this.registerOutputs({
            instanceId: this.instanceId, publicIp: this.publicIp, dataVolumeId: this.dataVolumeId, securityGroupId: this.securityGroupId,
            roleArn: this.roleArn, kubeconfig: this.kubeconfig, oidcProvider: this.oidcProvider,
        });
    }
}
