// Keys outside the project's namespace: only the namespaces this program's providers read are taken, so a misspelled
// namespace (`observability-stak:samplingPercent`) or a near miss of `aws:region` is refused instead of ignored.
import { closest, ConfigReader, editDistance, SECRET_MASK } from "./reader";
import { PROJECT, SECRET_NAME_RE } from "./schema";

/** Namespaces a key may live in besides the project's: the providers this program uses, and Pulumi's own. */
export const PROVIDER_NAMESPACES = ["aws", "kubernetes", "random", "tls", "grafana", "pulumi"] as const;

function splitKey(fullKey: string): [namespace: string, name: string] {
    const i = fullKey.indexOf(":");
    return i < 0 ? [fullKey, ""] : [fullKey.slice(0, i), fullKey.slice(i + 1)];
}

/** An `aws:` key within edit distance 2 of `region` but not `region` itself (`aws:regoin`, `aws:Region`). */
export function isRegionTypo(fullKey: string): boolean {
    const [namespace, name] = splitKey(fullKey);
    return namespace === "aws" && name !== "region" && editDistance(name, "region") <= 2;
}

/** Every key of `otherKeys` in a namespace nobody reads, or a near miss of `aws:region`, with the closest name. */
export function checkNamespaces(r: ConfigReader): void {
    const allowed = `keys under ${PROJECT}: or under a namespace this program's providers read: ${PROVIDER_NAMESPACES.join(", ")}`;
    for (const [fullKey, text] of Object.entries(r.raw.otherKeys ?? {})) {
        const [namespace, name] = splitKey(fullKey);
        if (namespace === PROJECT) continue;
        const value = SECRET_NAME_RE.test(name) ? SECRET_MASK : text;
        if (!(PROVIDER_NAMESPACES as readonly string[]).includes(namespace)) {
            const hint = closest(namespace, [PROJECT, ...PROVIDER_NAMESPACES]);
            r.add(fullKey, value, `unknown namespace '${namespace}', read by nothing` + (hint ? ` (did you mean '${hint}:${name}'?)` : ""), allowed);
        } else if (isRegionTypo(fullKey)) {
            r.add(fullKey, value, "not a key the AWS provider or this program reads (did you mean 'aws:region'?)", "aws:region, e.g. eu-west-1");
        }
    }
}
