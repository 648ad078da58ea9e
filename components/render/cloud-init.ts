// Pure renderer of the k3s host's cloud-init user-data and the scripts it embeds.
//
// The bootstrap script is static text (shellcheck-able, the same for every stack); everything that varies
// goes into an env file. CA certificates (public) travel in the user-data; CA private keys never do: the
// script reads them from SSM Parameter Store SecureStrings with the instance role, at the first boot of the data
// volume only (the role loses that read once k3s is ready: components/render/host-iam.ts).
import * as YAML from "yaml";
import type { Architecture } from "../config/primitives";
import { K3S_CAS } from "./pki";
import { issuerApiServerArgs } from "./web-identity";

export interface CloudInitInput {
    readonly k3sVersion: string;
    readonly architecture: Architecture;
    readonly region: string;
    /** Fixed Kubernetes node name, so a replaced host takes over the same node. */
    readonly nodeName: string;
    /** Extra API server certificate SANs (the Elastic IP, `api.<domain>`). */
    readonly tlsSans: readonly string[];
    /** EBS volume id of the data volume that holds /var/lib/rancher. */
    readonly dataVolumeId: string;
    /** SSM parameter path prefix under which `<ca>.key` and `service.key` are stored. */
    readonly ssmPrefix: string;
    /** PEM certificate per k3s CA (`server-ca`, `etcd/peer-ca`, …). */
    readonly caCertificates: Readonly<Record<(typeof K3S_CAS)[number], string>>;
    /** The published service-account issuer (`https://<bucket>.s3.<region>.amazonaws.com`) that signs the tokens. */
    readonly serviceAccountIssuer: string;
}

export interface RenderedCloudInit {
    /** The `#cloud-config` document passed as EC2 user-data. */
    readonly userData: string;
    /** Files embedded in it that are worth reading on their own, by file name. */
    readonly embedded: Readonly<Record<string, string>>;
}

export const BOOTSTRAP_PATH = "/usr/local/sbin/obs-k3s-bootstrap.sh";
export const ENV_PATH = "/etc/observability-stack/bootstrap.env";
export const CA_STAGING_DIR = "/etc/observability-stack/k3s-ca";
export const DATA_MOUNT = "/var/lib/rancher";

/** The host bootstrap: mount the data volume, install a verified k3s, place the CAs, start k3s. */
export const BOOTSTRAP_SCRIPT = `#!/usr/bin/env bash
# Bootstraps the observability host: data volume, pinned k3s, custom CAs, k3s server.
# Rendered by components/render/cloud-init.ts; inputs come from ${ENV_PATH}.
set -euo pipefail
umask 077

# shellcheck source=/dev/null
. "${ENV_PATH}"
: "\${REGION:?}" "\${K3S_VERSION:?}" "\${K3S_ARCH:?}" "\${DATA_VOLUME_ID:?}" "\${SSM_PREFIX:?}" "\${CA_STAGING_DIR:?}"

log() { printf '%s obs-bootstrap: %s\\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*"; }

# A CA key from its SSM SecureString, with the instance role; retried while the role's policies propagate.
fetch_key() {
  for attempt in $(seq 1 30); do
    if aws ssm get-parameter --region "$REGION" --name "$SSM_PREFIX/$1" --with-decryption \\
      --query Parameter.Value --output text > "$2"; then
      return 0
    fi
    log "reading $SSM_PREFIX/$1 failed (attempt $attempt of 30)"
    sleep 10
  done
  log "cannot read $SSM_PREFIX/$1; see docs/architecture.md (the k3s host) on reading the CA keys"
  exit 1
}

# 1. The data volume holds /var/lib/rancher, so a replaced host keeps its cluster state and volumes.
device="/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_\${DATA_VOLUME_ID//-/}"
for _ in $(seq 1 120); do
  [ -e "$device" ] && break
  sleep 5
done
if [ ! -e "$device" ]; then
  log "data volume $DATA_VOLUME_ID did not appear at $device within 10 minutes"
  exit 1
fi
if ! blkid "$device" >/dev/null 2>&1; then
  log "formatting new data volume $DATA_VOLUME_ID"
  mkfs.xfs -L obs-data "$device"
fi
uuid="$(blkid -s UUID -o value "$device")"
mkdir -p "${DATA_MOUNT}"
if ! grep -q "UUID=$uuid" /etc/fstab; then
  printf 'UUID=%s %s xfs defaults,nofail,noatime 0 2\\n' "$uuid" "${DATA_MOUNT}" >> /etc/fstab
fi
mountpoint -q "${DATA_MOUNT}" || mount "${DATA_MOUNT}"

# 2. k3s, pinned, verified against the release's checksum list.
case "$K3S_ARCH" in
  arm64) binary="k3s-arm64" ;;
  amd64) binary="k3s" ;;
  *) log "unsupported architecture $K3S_ARCH"; exit 1 ;;
esac
release="https://github.com/k3s-io/k3s/releases/download/\${K3S_VERSION//+/%2B}"
workdir="$(mktemp -d)"
trap 'rm -rf "$workdir"' EXIT
curl -fsSL --retry 5 --retry-connrefused -o "$workdir/$binary" "$release/$binary"
curl -fsSL --retry 5 --retry-connrefused -o "$workdir/sha256sum.txt" "$release/sha256sum-$K3S_ARCH.txt"
expected="$(awk -v f="$binary" '$2 == f { print $1 }' "$workdir/sha256sum.txt")"
actual="$(sha256sum "$workdir/$binary" | awk '{ print $1 }')"
if [ -z "$expected" ] || [ "$expected" != "$actual" ]; then
  log "checksum mismatch for $binary $K3S_VERSION (expected '$expected', got '$actual')"
  exit 1
fi
install -m 0755 "$workdir/$binary" /usr/local/bin/k3s
for tool in kubectl crictl ctr; do
  ln -sf /usr/local/bin/k3s "/usr/local/bin/$tool"
done

# 3. Custom CAs before the first start. A replaced host finds them on the data volume and keeps them. They are
#    staged first and server-ca.crt, the marker this step tests, goes last: an interrupted run places nothing.
tls="${DATA_MOUNT}/k3s/server/tls"
if [ ! -f "$tls/server-ca.crt" ]; then
  log "placing the stack's k3s CAs"
  staged="$workdir/tls"
  mkdir -p "$staged/etcd"
  for ca in ${K3S_CAS.join(" ")}; do
    install -m 0644 "$CA_STAGING_DIR/\${ca//\\//_}.crt" "$staged/$ca.crt"
    fetch_key "$ca.key" "$staged/$ca.key"
  done
  fetch_key service.key "$staged/service.key"
  chmod 0600 "$staged"/*.key "$staged"/etcd/*.key
  mv "$staged/server-ca.crt" "$workdir/server-ca.crt"
  mkdir -p "$tls"
  cp -a "$staged/." "$tls/"
  install -m 0644 "$workdir/server-ca.crt" "$tls/server-ca.crt"
fi

# 4. Start k3s and wait until the API server is ready locally (the deploy checks it remotely too).
systemctl daemon-reload
systemctl enable --now k3s.service
for _ in $(seq 1 120); do
  if /usr/local/bin/k3s kubectl get --raw=/readyz >/dev/null 2>&1; then
    log "k3s $K3S_VERSION is ready"
    exit 0
  fi
  sleep 5
done
log "k3s did not become ready within 10 minutes; see journalctl -u k3s"
exit 1
`;

/** systemd unit for the k3s server (what the upstream installer writes, trimmed to a server). */
export const K3S_UNIT = `[Unit]
Description=Lightweight Kubernetes (k3s server)
Documentation=https://docs.k3s.io
Wants=network-online.target
After=network-online.target
RequiresMountsFor=${DATA_MOUNT}

[Service]
Type=notify
ExecStartPre=-/sbin/modprobe br_netfilter
ExecStartPre=-/sbin/modprobe overlay
ExecStart=/usr/local/bin/k3s server
KillMode=process
Delegate=yes
LimitNOFILE=1048576
LimitNPROC=infinity
LimitCORE=infinity
TasksMax=infinity
TimeoutStartSec=0
Restart=always
RestartSec=5s

[Install]
WantedBy=multi-user.target
`;

/** The k3s server configuration file. */
export function k3sConfig(input: Pick<CloudInitInput, "nodeName" | "tlsSans" | "serviceAccountIssuer">): Record<string, unknown> {
    return {
        "node-name": input.nodeName,
        "tls-san": [...input.tlsSans],
        "write-kubeconfig-mode": "0600",
        "secrets-encryption": true,
        // Tokens name the published issuer, so STS can verify them (web identity for the backends' roles).
        "kube-apiserver-arg": ["tls-min-version=VersionTLS12", ...issuerApiServerArgs(input.serviceAccountIssuer)],
        "kubelet-arg": ["tls-min-version=VersionTLS12"],
    };
}

function shellValue(value: string): string {
    if (!/^[A-Za-z0-9_./+:-]+$/.test(value)) throw new Error(`refusing to write unsafe shell value ${JSON.stringify(value)}`);
    return value;
}

/** Renders the user-data and the files it embeds. */
export function renderCloudInit(input: CloudInitInput): RenderedCloudInit {
    const env = [
        `REGION=${shellValue(input.region)}`,
        `K3S_VERSION=${shellValue(input.k3sVersion)}`,
        `K3S_ARCH=${input.architecture === "arm64" ? "arm64" : "amd64"}`,
        `DATA_VOLUME_ID=${shellValue(input.dataVolumeId)}`,
        `SSM_PREFIX=${shellValue(input.ssmPrefix)}`,
        `CA_STAGING_DIR=${CA_STAGING_DIR}`,
        "",
    ].join("\n");
    const k3sConfigYaml = YAML.stringify(k3sConfig(input));
    const caFiles = K3S_CAS.map(ca => ({
        path: `${CA_STAGING_DIR}/${ca.replace("/", "_")}.crt`,
        permissions: "0644",
        owner: "root:root",
        content: input.caCertificates[ca],
    }));
    const doc = {
        write_files: [
            { path: ENV_PATH, permissions: "0600", owner: "root:root", content: env },
            { path: "/etc/rancher/k3s/config.yaml", permissions: "0600", owner: "root:root", content: k3sConfigYaml },
            { path: "/etc/systemd/system/k3s.service", permissions: "0644", owner: "root:root", content: K3S_UNIT },
            { path: BOOTSTRAP_PATH, permissions: "0700", owner: "root:root", content: BOOTSTRAP_SCRIPT },
            ...caFiles,
        ],
        runcmd: [[BOOTSTRAP_PATH]],
    };
    const userData = "#cloud-config\n" + YAML.stringify(doc, { lineWidth: 0 });
    return {
        userData,
        embedded: {
            "obs-k3s-bootstrap.sh": BOOTSTRAP_SCRIPT,
            "bootstrap.env": env,
            "k3s-config.yaml": k3sConfigYaml,
            "k3s.service": K3S_UNIT,
        },
    };
}

/** A kubeconfig for one cluster and one client certificate. */
export function renderKubeconfig(input: { name: string; server: string; caPem: string; certPem: string; keyPem: string }): string {
    const b64 = (s: string) => Buffer.from(s).toString("base64");
    return YAML.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: input.name, cluster: { server: input.server, "certificate-authority-data": b64(input.caPem) } }],
        users: [{ name: `${input.name}-admin`, user: { "client-certificate-data": b64(input.certPem), "client-key-data": b64(input.keyPem) } }],
        contexts: [{ name: input.name, context: { cluster: input.name, user: `${input.name}-admin` } }],
        "current-context": input.name,
    });
}
