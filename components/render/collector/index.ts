// Both collector releases of a stack, from the same plain input as the backends, and the validator run over them.
import type { BackendBase } from "../backends/index";
import { placeholderInput, renderBackends } from "../backends/index";
import type { MetricsEndpoint } from "../backends/common";
import { clusterNameOf, type CollectorContext } from "./otel";
import { agentRelease, gatewayRelease, RenderedCollector } from "./releases";
import { validateCollectors } from "./validate";
import { agentSecurityProblems } from "./agent-security";

/** The backends' metrics endpoints, which the agents scrape. */
export function backendMetrics(i: BackendBase): MetricsEndpoint[] {
    return renderBackends(placeholderInput(i)).flatMap(r => r.metrics);
}

export function collectorContext(i: BackendBase, metrics: readonly MetricsEndpoint[] = backendMetrics(i)): CollectorContext {
    return {
        environment: i.environment,
        clusterName: clusterNameOf(i.stack),
        namespace: i.namespace,
        settings: i.collector,
        metrics,
        kafka: i.kafka,
        otlpClients: i.otlpClients ?? [],
        zones: i.zones,
    };
}

/** The gateway (installed first: the agents send to it) and the agent. */
export function renderCollectors(i: BackendBase, metrics?: readonly MetricsEndpoint[]): { gateway: RenderedCollector; agent: RenderedCollector } {
    const ctx = collectorContext(i, metrics);
    return { gateway: gatewayRelease(ctx), agent: agentRelease(ctx) };
}

/** Renders and validates both collector configs and the agent's privileges; throws listing every problem. */
export function checkedCollectors(i: BackendBase, metrics?: readonly MetricsEndpoint[]): { gateway: RenderedCollector; agent: RenderedCollector } {
    const rendered = renderCollectors(i, metrics);
    const problems = [...validateCollectors({ agent: rendered.agent.config, gateway: rendered.gateway.config }), ...agentSecurityProblems(rendered.agent)];
    if (problems.length > 0) throw new Error(`collector configs fail validation:\n  - ${problems.join("\n  - ")}`);
    return rendered;
}
