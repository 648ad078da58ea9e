import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { MIMIR_RULES_CONFIGMAP } from "./render/backends/mimir";
import type { RuleFile } from "./render/rules/model";

export interface MimirRulesArgs {
    /** The stack's rule files (`ruleFiles()`): one ConfigMap key `<name>.yaml` each. */
    files: pulumi.Input<RuleFile[]>;
    /** Namespace of the Mimir release. */
    namespace: string;
}

/**
 * The rules Mimir's ruler evaluates: one ConfigMap the ruler pods mount as tenant `anonymous`'s rule directory
 * (`ruler_storage` local). Created before the release, so the first `pulumi up` starts the ruler with every rule;
 * later changes update only the ConfigMap, which the ruler picks up within about two minutes.
 */
export class MimirRules extends pulumi.ComponentResource {
    public readonly configMap: k8s.core.v1.ConfigMap;
    /** File name → YAML, exactly as mounted. */
    public readonly data: pulumi.Output<Record<string, string>>;

    constructor(name: string, args: MimirRulesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("observability:rules:MimirRules", name, {}, opts);
        this.data = pulumi.output(args.files).apply(files => {
            const names = files.map(f => f.name);
            const twice = names.find((n, i) => names.indexOf(n) !== i);
            if (twice) throw new Error(`MimirRules: rule file ${twice} appears twice`);
            return Object.fromEntries(files.map(f => [`${f.name}.yaml`, YAML.stringify({ groups: f.groups }, { lineWidth: 0 })]));
        });
        this.configMap = new k8s.core.v1.ConfigMap(`${name}-configmap`, {
            metadata: { name: MIMIR_RULES_CONFIGMAP, namespace: args.namespace, labels: { "app.kubernetes.io/part-of": "observability-stack", "app.kubernetes.io/component": "rules" } },
            data: this.data,
        }, { parent: this });
        this.registerOutputs({ configMap: this.configMap.metadata });
    }
}
