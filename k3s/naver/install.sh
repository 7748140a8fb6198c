#!/usr/bin/env bash
# Installs a remote site (e.g. Naver Cloud): a single-node k3s that serves
# nothing to the network, and gridlake's agent from charts/gridlake-agent.
# Run as root from a checkout of the repository, with the files the hub's
# admin handed over (k3s/README.md, "A remote site"):
#
#   SITE=naver HUB_API=https://203.0.113.10:6443 KAFKA_BOOTSTRAP=203.0.113.10:32094 \
#     BOOTSTRAP_KUBECONFIG=./naver-bootstrap.kubeconfig KAFKA_CA=./kafka-ca.crt \
#     KAFKA_PASSWORD_FILE=./kafka-password k3s/naver/install.sh
#
# Idempotent: a second run upgrades the agent in place (a new bootstrap token
# replaces the old one, e.g. after a revocation).
set -euo pipefail

K3S_VERSION="${K3S_VERSION:-v1.34.4+k3s1}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
: "${SITE:?set SITE to the RemoteSite name, e.g. naver}"
: "${HUB_API:?set HUB_API to the hub API server URL}"
: "${KAFKA_BOOTSTRAP:?set KAFKA_BOOTSTRAP to the hub Kafka site listener host:port}"
: "${BOOTSTRAP_KUBECONFIG:?set BOOTSTRAP_KUBECONFIG to the file the hub admin made}"
: "${KAFKA_CA:?set KAFKA_CA to the hub Kafka cluster CA certificate file}"
: "${KAFKA_PASSWORD_FILE:?set KAFKA_PASSWORD_FILE to the file holding the site Kafka user password}"
KAFKA_USER="${KAFKA_USER:-site-$SITE}"

log() { printf '[gridlake-site] %s\n' "$*" >&2; }

install -d -m 0755 /etc/rancher/k3s
# Nothing is served to the network: the API server binds to loopback, no
# ingress, no load balancer (nftables.conf drops every inbound connection).
cat >/etc/rancher/k3s/config.yaml <<CONF
write-kubeconfig-mode: '0600'
bind-address: 127.0.0.1
disable: [traefik, servicelb, metrics-server]
secrets-encryption: true
CONF

if ! command -v k3s >/dev/null || ! k3s --version | grep -qF "$K3S_VERSION"; then
  log "installing k3s $K3S_VERSION"
  curl -sfL https://get.k3s.io | INSTALL_K3S_VERSION="$K3S_VERSION" sh -s - server
fi

install -m 0644 "$HERE/nftables.conf" /etc/nftables.conf
systemctl enable --now nftables

export KUBECONFIG=/etc/rancher/k3s/k3s.yaml
ns=gridlake-agent
k3s kubectl create namespace "$ns" --dry-run=client -o yaml | k3s kubectl apply -f -
# The credentials live in Secrets on the site, never in values files.
k3s kubectl -n "$ns" create secret generic gridlake-bootstrap \
  --from-file=kubeconfig="$BOOTSTRAP_KUBECONFIG" --dry-run=client -o yaml | k3s kubectl apply -f -
k3s kubectl -n "$ns" create secret generic gridlake-kafka \
  --from-file=ca.crt="$KAFKA_CA" --from-literal=username="$KAFKA_USER" \
  --from-file=password="$KAFKA_PASSWORD_FILE" --dry-run=client -o yaml | k3s kubectl apply -f -

helm upgrade --install gridlake-agent "$REPO/charts/gridlake-agent" -n "$ns" \
  --values "$HERE/agent-values.yaml" \
  --set site="$SITE" --set hub.apiUrl="$HUB_API" --set kafka.bootstrap="$KAFKA_BOOTSTRAP" \
  --set bootstrap.existingSecret=gridlake-bootstrap --set kafka.existingSecret=gridlake-kafka

log "agent installed; on the hub: kubectl get remotesite $SITE (Connected turns True within a minute)"
