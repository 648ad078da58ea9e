// What the releases ask of the cluster: summed CPU and memory requests, and whether a single k3s host has room
// for them with the required headroom. Pure arithmetic over the renderers' workloads.
import type { ResourceSpec, Workload } from "./backends/common";

export interface Amount {
    readonly cpuMillis: number;
    readonly memoryMiB: number;
}

/** CPU quantity (`250m`, `2`, `1.5`) in millicores. */
export function parseCpu(q: string): number {
    const m = /^(\d+(?:\.\d+)?)(m?)$/.exec(q);
    if (!m) throw new Error(`not a CPU quantity: ${q}`);
    return m[2] === "m" ? Number(m[1]) : Math.round(Number(m[1]) * 1000);
}

/** Memory quantity (`512Mi`, `2Gi`, `1G`) in MiB. */
export function parseMemory(q: string): number {
    const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G)?$/.exec(q);
    if (!m) throw new Error(`not a memory quantity: ${q}`);
    const factor: Record<string, number> = { Ki: 1 / 1024, Mi: 1, Gi: 1024, Ti: 1024 * 1024, k: 1000 / 1048576, M: 1e6 / 1048576, G: 1e9 / 1048576, "": 1 / 1048576 };
    return Number(m[1]) * factor[m[2] ?? ""];
}

export function sumRequests(workloads: readonly Workload[]): Amount {
    let cpuMillis = 0;
    let memoryMiB = 0;
    for (const w of workloads) {
        for (const r of Object.values(w.containers) as ResourceSpec[]) {
            cpuMillis += w.replicas * parseCpu(r.requests.cpu);
            memoryMiB += w.replicas * parseMemory(r.requests.memory);
        }
    }
    return { cpuMillis, memoryMiB: Math.round(memoryMiB) };
}

/**
 * vCPUs and memory of an EC2 instance type from its name: sizes double from `large` (2 vCPUs); memory per vCPU
 * is 2 GiB for compute (c*), 8 GiB for memory (r*, x* 16) and 4 GiB for general purpose (t*, m*) families.
 * Undefined for a name this rule does not cover.
 */
export function instanceCapacity(instanceType: string): Amount | undefined {
    const m = /^([a-z]+)\d+[a-z-]*\.(large|xlarge|(\d+)xlarge)$/.exec(instanceType);
    if (!m) return undefined;
    const vcpus = m[2] === "large" ? 2 : m[2] === "xlarge" ? 4 : 4 * Number(m[3]);
    const family = m[1][0];
    const perVcpuGiB = ({ c: 2, m: 4, t: 4, r: 8, x: 16 } as Record<string, number>)[family];
    if (perVcpuGiB === undefined) return undefined;
    return { cpuMillis: vcpus * 1000, memoryMiB: vcpus * perVcpuGiB * 1024 };
}

/**
 * Allocatable of a k3s node: k3s reserves no CPU by default; memory loses what the kernel and firmware keep
 * (about 5% of the nominal size) and the kubelet's 100Mi hard-eviction threshold.
 */
export function k3sAllocatable(capacity: Amount): Amount {
    return { cpuMillis: capacity.cpuMillis, memoryMiB: Math.floor(capacity.memoryMiB * 0.95) - 100 };
}

/** Requests of k3s's own pods (CoreDNS, metrics-server; Traefik and local-path set none, counted at a guess). */
export const K3S_SYSTEM_REQUESTS: Amount = { cpuMillis: 100 + 100 + 100, memoryMiB: 70 + 70 + 128 };

/** Minimum share of allocatable left free on the single dev host. */
export const REQUIRED_HEADROOM = 0.2;

export interface CapacityReport {
    readonly requests: Amount;
    readonly allocatable?: Amount;
    /** Free share of allocatable after requests, per resource (undefined without a known allocatable). */
    readonly headroom?: { cpu: number; memory: number };
    readonly fits?: boolean;
}

export function capacityReport(workloads: readonly Workload[], allocatable?: Amount, system: Amount = K3S_SYSTEM_REQUESTS): CapacityReport {
    const apps = sumRequests(workloads);
    if (allocatable === undefined) return { requests: apps };
    const requests = { cpuMillis: apps.cpuMillis + system.cpuMillis, memoryMiB: apps.memoryMiB + system.memoryMiB };
    const headroom = { cpu: 1 - requests.cpuMillis / allocatable.cpuMillis, memory: 1 - requests.memoryMiB / allocatable.memoryMiB };
    return { requests, allocatable, headroom, fits: headroom.cpu >= REQUIRED_HEADROOM && headroom.memory >= REQUIRED_HEADROOM };
}

/** One line for humans, e.g. `requests 2.2 CPU / 7.5 GiB of 4 CPU / 14.9 GiB allocatable (headroom 45% CPU, 50% memory)`. */
export function formatCapacity(r: CapacityReport): string {
    const fmt = (a: Amount) => `${(a.cpuMillis / 1000).toFixed(2)} CPU / ${(a.memoryMiB / 1024).toFixed(2)} GiB`;
    if (!r.allocatable || !r.headroom) return `requests ${fmt(r.requests)} (spread over the existing cluster's nodes)`;
    const pct = (x: number) => `${Math.round(x * 100)}%`;
    return `requests ${fmt(r.requests)} of ${fmt(r.allocatable)} allocatable (headroom ${pct(r.headroom.cpu)} CPU, ${pct(r.headroom.memory)} memory; at least ${pct(REQUIRED_HEADROOM)} required)`;
}

/**
 * What the k3s host's data volume (`/var/lib/rancher`) holds besides the PersistentVolumes (local-path provisions them
 * under `k3s/storage` on it): the k3s datastore (SQLite), kubelet and containerd state, and the images. The stack's
 * images are about 1 GB compressed (Mimir, Loki, Tempo, Grafana, Alertmanager, the collector, memcached, k3s's own);
 * containerd keeps each compressed and unpacked, and an upgrade keeps the old set until the kubelet's image garbage
 * collection (at 85% disk) removes it, so images are counted at ten times their compressed size.
 */
export const K3S_DATA_GIB = { datastore: 5, images: 10 } as const;

export interface DiskReport {
    /** Every PersistentVolumeClaim's GiB, by workload (`replicas × volume`). */
    readonly claims: ReadonlyArray<{ readonly component: string; readonly GiB: number }>;
    readonly usedGiB: number;
    readonly volumeGiB: number;
    readonly headroom: number;
    readonly fits: boolean;
}

/** The data volume's budget: all claims, the datastore and the images, with `REQUIRED_HEADROOM` of the volume free. */
export function diskReport(workloads: readonly Workload[], volumeGiB: number): DiskReport {
    const claims = workloads.filter(w => (w.volumeGiB ?? 0) > 0)
        .map(w => ({ component: w.component, GiB: Math.max(w.replicas, w.claimedReplicas ?? 0) * w.volumeGiB! }));
    const usedGiB = claims.reduce((sum, c) => sum + c.GiB, 0) + K3S_DATA_GIB.datastore + K3S_DATA_GIB.images;
    const headroom = 1 - usedGiB / volumeGiB;
    // Compared in whole GiB: 116 of 145 GiB leaves exactly 20% free, which floating point would put just below.
    return { claims, usedGiB, volumeGiB, headroom, fits: usedGiB <= Math.floor(volumeGiB * (1 - REQUIRED_HEADROOM) + 1e-9) };
}

/** One line for humans, e.g. `volumes 101 GiB + datastore 5 GiB + images 10 GiB = 116 GiB of 150 GiB (headroom 23%)`. */
export function formatDisk(r: DiskReport): string {
    const claims = r.claims.reduce((sum, c) => sum + c.GiB, 0);
    return `volumes ${claims} GiB + datastore ${K3S_DATA_GIB.datastore} GiB + images ${K3S_DATA_GIB.images} GiB = ${r.usedGiB} GiB of ${r.volumeGiB} GiB `
        + `(headroom ${Math.round(r.headroom * 100)}%; at least ${Math.round(REQUIRED_HEADROOM * 100)}% required)`;
}
