// Credentials stay secret: Secret values come from secret Outputs (never literals in the program or its plain
// config), and no ConfigMap or chart-config object (stored and shown in plain text) holds a credential.
//
// The offline render shows every secret Output as `[secret]`, so there a literal is visible. Under `pulumi preview`
// the analyzer hands policies secrets unwrapped (@pulumi/policy deserializes them to plain values), so a literal and a
// secret Output look alike: the Secret-value policy applies only to resources where secret Outputs are masked, and
// says nothing otherwise.
import { StackValidationPolicy, ResourceValidationPolicy } from "@pulumi/policy";
import YAML from "yaml";
import { at, isObject, Values, walk } from "./common";
import { metaOf } from "./kube";

/** How the offline render shows a secret Output. */
export const SECRET_MASK = "[secret]";

/** Keys that hold a credential. */
export const CREDENTIAL_KEY = /(password|passwd|secret|token|api[-_]?key|apikey|credentials?|private[-_]?key|routing[-_]?key|webhook([-_]?url)?)$/i;
/** Keys that name where a credential lives rather than holding it. */
export const REFERENCE_KEY = /^(existing[-_]?secret|secret[-_]?name|secret[-_]?key|password[-_]?key|user[-_]?key|.*[-_]?file|.*[-_]?path|secretKeyRef|secretRef|.*(Key|Name))$/i;
/** Values that reference a credential instead of holding it: environment and file references, paths. */
const REFERENCE_VALUE = /^(\$\{[^}]+\}|\$__file\{[^}]+\}|\$__env\{[^}]+\}|\/.+)$/;

/** A string that parses as a YAML or JSON mapping; undefined otherwise. */
function parseDocument(value: string): Values | undefined {
    try {
        const doc: unknown = YAML.parse(value, { logLevel: "error" });
        return isObject(doc) ? doc : undefined;
    } catch {
        return undefined;
    }
}

/** A multi-line string that parses as a YAML or JSON mapping (a config file inside a value); undefined otherwise. */
const embeddedDocument = (value: string) => (value.includes("\n") || value.trimStart().startsWith("{") ? parseDocument(value) : undefined);

/**
 * The paths of credentials held in plain text in a nested value, config files inside string values included.
 * `maskIsSecret`: a masked secret Output counts as referenced (Helm values, kept in Helm's release Secret); elsewhere
 * it is a secret written where secrets do not belong.
 */
export function plaintextCredentials(doc: unknown, maskIsSecret: boolean, prefix = ""): string[] {
    const out: string[] = [];
    for (const [path, key, value] of walk(doc)) {
        if (typeof value !== "string" || value === "") continue;
        const nested = embeddedDocument(value);
        if (nested) {
            out.push(...plaintextCredentials(nested, maskIsSecret, `${prefix}${path} (file) `));
            continue;
        }
        if (!CREDENTIAL_KEY.test(key) || REFERENCE_KEY.test(key) || REFERENCE_VALUE.test(value)) continue;
        if (value === SECRET_MASK && maskIsSecret) continue;
        out.push(`${prefix}${path}`);
    }
    return out;
}

const K8S_SECRET = "kubernetes:core/v1:Secret";

/** The values of each secret store a resource writes, by field: they must all be secret Outputs. */
function secretFields(type: string, props: Values): Array<[string, unknown]> {
    if (type === K8S_SECRET) return ["data", "stringData"].filter(f => props[f] !== undefined).map(f => [f, props[f]]);
    if (type === "aws:ssm/parameter:Parameter" && props.type === "SecureString") return [["value", props.value]];
    if (type === "aws:secretsmanager/secretVersion:SecretVersion") return ["secretString", "secretBinary"].filter(f => props[f] !== undefined).map(f => [f, props[f]]);
    return [];
}

const masks = (props: Values) => [...walk(props)].some(([, , v]) => v === SECRET_MASK);

export const secretValuesSecret: StackValidationPolicy = {
    name: "hygiene-secret-values-are-secret-outputs",
    description: "Kubernetes Secrets, SSM SecureString parameters and Secrets Manager versions hold secret Outputs, never literals (judged where secret Outputs are masked: the offline render).",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        if (!args.resources.some(r => masks(r.props))) return; // secrets arrive unwrapped: literal and secret look alike
        for (const r of args.resources) {
            for (const [field, value] of secretFields(r.type, r.props)) {
                if (value === SECRET_MASK) continue;
                const literal = isObject(value) ? Object.entries(value).filter(([, v]) => v !== SECRET_MASK).map(([k]) => `${field}.${k}`) : [field];
                if (literal.length === 0) continue;
                const what = r.type === K8S_SECRET ? `Secret ${metaOf(r.props).namespace}/${metaOf(r.props).name}` : `${r.type.split(":").pop()} ${r.name}`;
                reportViolation(`${what}: ${literal.join(", ")} ${literal.length > 1 ? "are literals" : "is a literal"}, not a secret Output; take it from a secret config value or a generated secret (pulumi.secret), never from program text or plain config.`, r.urn);
            }
        }
    },
};

/** Objects stored and shown in plain text whose content may carry config files: where that content is. */
const PLAIN_CONFIG: Readonly<Record<string, string>> = {
    "kubernetes:core/v1:ConfigMap": "data",
    "kubernetes:helm.cattle.io/v1:HelmChartConfig": "spec.valuesContent",
};

export const configNoCredential: ResourceValidationPolicy = {
    name: "hygiene-kubernetes-config-no-credential",
    description: "No ConfigMap or HelmChartConfig holds a credential (a password, token, API key, secret or webhook URL), in plain text or as a secret Output.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        const field = PLAIN_CONFIG[args.type];
        if (!field) return;
        const content = at(args.props, field);
        const { namespace, name } = metaOf(args.props);
        const what = `${args.type.split(":").pop()} ${namespace}/${name}`;
        const fix = "ConfigMaps are stored and shown in plain text; put it in a Secret and reference it (secretKeyRef, a mounted file, an environment variable)";
        if (content === SECRET_MASK) {
            reportViolation(`${what}: ${field} is a secret Output; ${fix}.`);
            return;
        }
        const doc = typeof content === "string" ? parseDocument(content) : content;
        const found = typeof content === "string" && !doc ? plaintextCredentials({ [field]: content }, false)
            : plaintextCredentials(doc, false).map(p => `${field}${typeof content === "string" ? " (file) " : "."}${p}`);
        for (const path of found) reportViolation(`${what}: ${path} holds a credential; ${fix}.`);
    },
};

export const secretPolicies = [secretValuesSecret, configNoCredential];
