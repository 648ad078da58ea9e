// What a stack's releases ask of the cluster: every workload of the backends and the collectors, and their summed
// requests against the k3s host's allocatable. Used by the config check (before any resource) and the stack.
import type { BackendBase } from "./backends/index";
import { placeholderInput, renderBackends } from "./backends/index";
import type { Workload } from "./backends/common";
import { CapacityReport, capacityReport, instanceCapacity, k3sAllocatable } from "./capacity";
import { renderCollectors } from "./collector/index";

/** Every workload of a stack's releases: the backends' and the collectors'. */
export function plannedWorkloads(i: BackendBase): Workload[] {
    const collectors = renderCollectors(i);
    return [...renderBackends(placeholderInput(i)), collectors.gateway, collectors.agent].flatMap(r => r.workloads);
}

/**
 * The releases' summed requests; given the k3s host's instance type, also against its allocatable
 * (`allocatable` stays undefined when the type's size is unknown, or without a host).
 */
export function plannedCapacity(i: BackendBase, hostInstanceType?: string): CapacityReport {
    const capacity = hostInstanceType === undefined ? undefined : instanceCapacity(hostInstanceType);
    return capacityReport(plannedWorkloads(i), capacity && k3sAllocatable(capacity));
}
