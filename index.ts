// The Pulumi program: config → components → exports. Exported as a function so that the Pulumi CLI, the
// offline render (scripts/render.ts) and other tools (an Automation API inline program) all run this same code.
import { loadConfig } from "./components/config";
import { ObservabilityStack } from "./components/observability-stack";

async function program() {
    const config = loadConfig();
    const stack = new ObservabilityStack(`obs-${config.stack}`, { config });
    return {
        environment: config.environment,
        clusterKind: config.clusterKind,
        region: config.region,
        bucketNames: stack.buckets.bucketNames,
        bucketAccessPolicy: stack.buckets.accessPolicyJson,
        caCertPem: stack.pki.caCertPem,
        kubeconfig: stack.kubeconfig,
        grafanaAdminPassword: stack.grafana.adminPassword,
        grafanaUrl: stack.grafanaUrl,
        releases: [stack.alertmanager, stack.mimir, stack.loki, stack.tempo, stack.grafana, stack.gateway, stack.agent].map(b => b.release.name),
        otlpEndpoint: stack.otlpEndpoint,
        appClientCertPem: stack.pki.clients.app.certPem,
        appClientKeyPem: stack.pki.clients.app.keyPem,
        metricsEndpoints: stack.metricsEndpoints,
        backendRequests: stack.capacity,
        ...(stack.host ? { hostPublicIp: stack.host.publicIp, hostInstanceId: stack.host.instanceId } : {}),
    };
}

export = program;
