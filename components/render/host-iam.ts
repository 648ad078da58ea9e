// Pure description of the k3s host's instance-role policies: what the host itself needs, and no more. The host reads
// its k3s CA keys from SSM once, at the first boot of its data volume; pods reach S3 through their own roles (web
// identity), so the instance role has no S3 access at all.
import type { PolicyDocument } from "./storage";

/** The SSM actions that return a parameter's value (GetParameter(s), by path, and the history with its values). */
export const SSM_READ_ACTIONS = ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath", "ssm:GetParameterHistory"] as const;

/** The ARN of an SSM parameter path (for GetParametersByPath), from the ARN of any parameter in the same account. */
export function parameterPathArn(parameterArn: string, path: string): string {
    const at = parameterArn.indexOf(":parameter/");
    if (at < 0) throw new Error(`not an SSM parameter ARN: ${parameterArn}`);
    return `${parameterArn.slice(0, at)}:parameter${path}`;
}

/**
 * Reading the CA keys at bootstrap: GetParameter on exactly those parameters and, with a customer-managed key, Decrypt
 * through SSM only (SecureStrings under the AWS-managed key need no KMS permission).
 */
export function caKeyReadPolicy(parameterArns: readonly string[], region: string, kmsKeyArn?: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            { Sid: "ReadCaKeys", Effect: "Allow", Action: ["ssm:GetParameter"], Resource: [...parameterArns] },
            ...(kmsKeyArn === undefined ? [] : [{
                Sid: "DecryptCaKeys",
                Effect: "Allow",
                Action: ["kms:Decrypt"],
                Resource: [kmsKeyArn],
                Condition: { StringEquals: { "kms:ViaService": `ssm.${region}.amazonaws.com` } },
            }]),
        ],
    };
}

/**
 * The seal, attached once the instance's k3s is ready (its CA keys are on the data volume by then): that instance may
 * no longer read the keys by any SSM action, whatever else allows it (AmazonSSMManagedInstanceCore grants
 * ssm:GetParameter(s) on every parameter). It names the instance by `ec2:SourceInstanceARN`, present on every request
 * signed with instance-role credentials, so a replacement instance can still read them during its own first boot
 * (it needs them only on a new data volume) until its own readiness seals it in turn. `IfExists`: a request without
 * the key, which no instance credential makes, is denied too.
 */
export function caKeySealPolicy(parameterArns: readonly string[], pathArn: string, instanceArn: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [{
            Sid: "CaKeysSealedAfterBootstrap",
            Effect: "Deny",
            Action: [...SSM_READ_ACTIONS],
            Resource: [...parameterArns, pathArn, `${pathArn}/*`],
            Condition: { ArnEqualsIfExists: { "ec2:SourceInstanceARN": instanceArn } },
        }],
    };
}
