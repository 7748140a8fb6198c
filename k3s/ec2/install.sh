#!/usr/bin/env bash
# Installs the gridlake hub on this machine: k3s (pinned), its config, and the
# manifests k3s' Helm controller applies by itself (Strimzi + Kafka, MinIO,
# kube-prometheus-stack, gridlake). Run as root from a checkout of the
# repository (cloud-init.yaml does it on first boot):
#
#   HUB_PUBLIC_IP=203.0.113.10 k3s/ec2/install.sh
#
# Idempotent: running it again re-renders the config and manifests.
set -euo pipefail

K3S_VERSION="${K3S_VERSION:-v1.34.4+k3s1}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
: "${HUB_PUBLIC_IP:?set HUB_PUBLIC_IP to the instance Elastic IP}"
# The private address, from the instance metadata service (IMDSv2) unless given.
if [ -z "${HUB_PRIVATE_IP:-}" ]; then
  imds_token="$(curl -fsS -X PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 60')"
  HUB_PRIVATE_IP="$(curl -fsS -H "X-aws-ec2-metadata-token: $imds_token" http://169.254.169.254/latest/meta-data/local-ipv4)"
fi
export HUB_PUBLIC_IP HUB_PRIVATE_IP

log() { printf '[gridlake-hub] %s\n' "$*" >&2; }

# Replaces ${NAME} placeholders by the variables above; anything else stays as written.
render() {
  sed -e "s|\${HUB_PUBLIC_IP}|$HUB_PUBLIC_IP|g" \
    -e "s|\${HUB_PRIVATE_IP}|$HUB_PRIVATE_IP|g" \
    -e "s|\${GRIDLAKE_CHART_TGZ_BASE64}|${GRIDLAKE_CHART_TGZ_BASE64:-}|g" "$1"
}

install -d -m 0755 /etc/rancher/k3s /var/log/k3s
render "$HERE/config.yaml" >/etc/rancher/k3s/config.yaml
install -m 0600 "$HERE/audit-policy.yaml" /etc/rancher/k3s/audit-policy.yaml

if ! command -v k3s >/dev/null || ! k3s --version | grep -qF "$K3S_VERSION"; then
  log "installing k3s $K3S_VERSION"
  curl -sfL https://get.k3s.io | INSTALL_K3S_VERSION="$K3S_VERSION" sh -s - server
fi

# The gridlake chart of this checkout, packaged and inlined into its HelmChart.
if ! command -v helm >/dev/null; then
  log "helm is needed to package charts/gridlake; install it first (https://helm.sh/docs/intro/install/)"
  exit 1
fi
pkg="$(mktemp -d)"
trap 'rm -rf "$pkg"' EXIT
helm package "$REPO/charts/gridlake" --destination "$pkg" >/dev/null
GRIDLAKE_CHART_TGZ_BASE64="$(base64 -w0 "$pkg"/gridlake-*.tgz)"
export GRIDLAKE_CHART_TGZ_BASE64

manifests=/var/lib/rancher/k3s/server/manifests
for f in "$HERE"/manifests/*.yaml; do
  render "$f" >"$manifests/gridlake-hub-$(basename "$f")"
done

# MinIO's root credentials: made once, kept in a Secret (never in a values file).
kubectl=(k3s kubectl)
until "${kubectl[@]}" get namespace minio >/dev/null 2>&1; do sleep 2; done
if ! "${kubectl[@]}" -n minio get secret minio-root >/dev/null 2>&1; then
  "${kubectl[@]}" -n minio create secret generic minio-root \
    --from-literal=rootUser=gridlake \
    --from-literal=rootPassword="$(head -c 24 /dev/urandom | base64 | tr -d '/+=')"
fi

log "k3s applies the manifests by itself; watch with: k3s kubectl get helmcharts -A; k3s kubectl get gridlake -A"
