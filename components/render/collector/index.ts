// Both collector releases of a stack, from the same plain input as the backends, and the validator run over them.
import type { BackendBase } from "../backends/index";
import { placeholderInput, renderBackends } from "../backends/index";
import { mimirEndpoints } from "../backends/mimir";
import type { CollectorContext } from "./otel";
import { agentRelease, gatewayRelease, RenderedCollector } from "./releases";
import { ValidateOptions, validateCollectors } from "./validate";

export function collectorContext(i: BackendBase): CollectorContext {
    return {
        environment: i.environment,
        clusterName: `observability-${i.stack}`,
        namespace: i.namespace,
        settings: i.collector,
        metrics: renderBackends(placeholderInput(i)).flatMap(r => r.metrics),
    };
}

/** The gateway (installed first: the agents send to it) and the agent. */
export function renderCollectors(i: BackendBase): { gateway: RenderedCollector; agent: RenderedCollector } {
    const ctx = collectorContext(i);
    return { gateway: gatewayRelease(ctx), agent: agentRelease(ctx) };
}

/**
 * Plain-HTTP exporter endpoints the validator accepts: Mimir's HTTP server cannot serve TLS with the pinned chart
 * (its probes have no scheme key; README, TLS gaps). Nothing else.
 */
export function plaintextAllowed(namespace: string): string[] {
    return [`${mimirEndpoints({ namespace }).write}/otlp`];
}

export function collectorValidateOptions(namespace: string): ValidateOptions {
    return { plaintextAllowed: plaintextAllowed(namespace) };
}

/** Renders and validates both collector configs; throws listing every problem. */
export function checkedCollectors(i: BackendBase): { gateway: RenderedCollector; agent: RenderedCollector } {
    const rendered = renderCollectors(i);
    const problems = validateCollectors({ agent: rendered.agent.config, gateway: rendered.gateway.config }, collectorValidateOptions(i.namespace));
    if (problems.length > 0) throw new Error(`collector configs fail validation:\n  - ${problems.join("\n  - ")}`);
    return rendered;
}
