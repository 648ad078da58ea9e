// Every rule file of a stack, from plain inputs: the fixed catalogue (self-monitoring, Kubernetes, host, RED,
// gen_ai, Watchdog), the certificate-expiry rules of the stack's PKI, and the SLOs declared in config.
// Pure: config in, rule files out; `rules/<file>.yaml` in the render, one ConfigMap key each in Mimir's ruler.
import { certificateGroup, CertificateValidity } from "./catalogue/certificates";
import { CATALOGUE_FILES } from "./catalogue/index";
import { genAiGroup, GenAiSettings } from "./catalogue/genai";
import { kafkaGroup, KafkaDiskInput } from "./catalogue/kafka";
import { redGroup, RedSettings } from "./catalogue/red";
import { AlertDefinition, CatalogueGroup, isAlert, RuleFile, ruleGroup, runbookUrl } from "./model";
import { SloSpec, sloRuleGroups } from "./slo";

export interface RulesInput {
    /** The runbooks page every alert links to (its section is `#<alert name, lower-cased>`). */
    readonly runbookBaseUrl: string;
    readonly slos: readonly SloSpec[];
    readonly red: RedSettings;
    readonly genAi: GenAiSettings;
    /** Every certificate the stack's PKI issues, with its expiry (RFC 3339). */
    readonly certificates: readonly CertificateValidity[];
    /** The Kafka brokers' disks (with Kafka on): the broker-disk alert's capacity. */
    readonly kafkaDisk?: KafkaDiskInput;
}

/** The catalogue groups of a stack, by file: the fixed ones plus those built from config. */
export function catalogueFiles(i: Omit<RulesInput, "slos" | "runbookBaseUrl">): Record<string, readonly CatalogueGroup[]> {
    return {
        ...CATALOGUE_FILES,
        applications: [redGroup(i.red)],
        "gen-ai": [genAiGroup(i.genAi)],
        certificates: [certificateGroup(i.certificates)],
        kafka: [kafkaGroup(i.kafkaDisk)],
    };
}

/** Every alert definition of the catalogue (SLO alerts aside), with its cases. */
export function alertDefinitions(i: Omit<RulesInput, "slos" | "runbookBaseUrl">): AlertDefinition[] {
    return Object.values(catalogueFiles(i)).flat().flatMap(g => g.alerts);
}

/** The rule files of a stack, in a stable order: catalogue files by name, then `slos` when SLOs are declared. */
export function ruleFiles(i: RulesInput): RuleFile[] {
    const files: RuleFile[] = Object.entries(catalogueFiles(i))
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, groups]) => ({ name, groups: groups.map(g => ruleGroup(g, i.runbookBaseUrl)) }));
    if (i.slos.length > 0) files.push({ name: "slos", groups: sloRuleGroups(i.slos, alert => runbookUrl(i.runbookBaseUrl, alert)) });
    return files;
}

/** Counts of a set of files: recording rules and alerting rules. */
export function ruleCounts(files: readonly RuleFile[]): { recording: number; alerting: number } {
    const rules = files.flatMap(f => f.groups.flatMap(g => g.rules));
    const alerting = rules.filter(isAlert).length;
    return { recording: rules.length - alerting, alerting };
}
