#!/usr/bin/env bash
# shellcheck disable=SC2030,SC2031 # each Go build sets GOFLAGS in its own subshell, on purpose
# Builds or downloads every test server once into a cache outside the repo.
# Idempotent: a tool whose binary is already in the cache is skipped, so a warm
# run costs a few stat calls. A fresh machine rebuilds everything (~12 min).
#
# usage: ensure-tools.sh [all|apt|chromium|kafka|etcd|helm|minio|k8s|k3s-crds|monitoring-crds]...
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=versions.env
source "$HERE/versions.env"
TOOLS="${GRIDLAKE_TOOLS:-$HOME/.cache/gridlake-test/tools}"
mkdir -p "$TOOLS"
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="-buildvcs=false -modcacherw"

log() { printf '[ensure-tools %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
took() { log "$1 ready in $(( SECONDS - $2 )) s"; }

# Installing is done to a temp folder then renamed, so an interrupted build
# never leaves a half-filled cache entry that a later run would trust.
finish() { local tmp=$1 dest=$2; rm -rf "$dest"; mv "$tmp" "$dest"; }

ensure_apt() {
  local missing=()
  command -v prometheus >/dev/null && command -v promtool >/dev/null || missing+=(prometheus)
  command -v mariadbd >/dev/null || missing+=(mariadb-server mariadb-client)
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
  command -v openssl >/dev/null || missing+=(openssl)
  command -v shellcheck >/dev/null || missing+=(shellcheck)
  command -v nft >/dev/null || missing+=(nftables)
  if ((${#missing[@]})); then
    local t=$SECONDS
    log "apt: installing ${missing[*]}"
    local SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    took apt $t
  fi
}

# Debian's chromium, for the status page's browser test (driven by playwright-core,
# which brings no browser of its own).
ensure_chromium() {
  [ -x /usr/bin/chromium ] && return 0
  local t=$SECONDS
  log "apt: installing chromium"
  local SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
  took chromium $t
}

ensure_kafka() {
  local dest="$TOOLS/kafka-$KAFKA_VERSION"
  [ -f "$dest/libs/.complete" ] && return 0
  local t=$SECONDS tmp; tmp="$(mktemp -d "$TOOLS/.kafka.XXXX")"
  log "kafka $KAFKA_VERSION: resolving jars from Maven Central"
  mvn -B -q -Dstyle.color=never -f "$HERE/kafka-pom.xml" -Dkafka.version="$KAFKA_VERSION" -Dlog4j.version="$LOG4J_VERSION" \
    org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$tmp/libs" | sed 's/\x1b\[[0-9;]*m//g'
  touch "$tmp/libs/.complete"
  finish "$tmp" "$dest"; took kafka $t
}

go_wrapper() { # $1 = folder: a throwaway module that requires what we build
  rm -rf "$1"; mkdir -p "$1"; cd "$1"
}

ensure_etcd() {
  local dest="$TOOLS/etcd-$ETCD_VERSION"
  [ -x "$dest/bin/etcd" ] && return 0
  local t=$SECONDS tmp; tmp="$(mktemp -d "$TOOLS/.etcd.XXXX")"
  log "etcd $ETCD_VERSION: building from Go modules"
  ( go_wrapper "$tmp/src"
    go mod init local/etcdbuild >/dev/null 2>&1
    go get -tool "go.etcd.io/etcd/server/v3@$ETCD_VERSION" >/dev/null 2>&1
    go build -trimpath -ldflags "-s -w" -o "$tmp/bin/etcd" go.etcd.io/etcd/server/v3 )
  rm -rf "$tmp/src"; finish "$tmp" "$dest"; took etcd $t
}

ensure_helm() {
  local dest="$TOOLS/helm-$HELM_VERSION"
  [ -x "$dest/bin/helm" ] && return 0
  local t=$SECONDS tmp; tmp="$(mktemp -d "$TOOLS/.helm.XXXX")"
  log "helm $HELM_VERSION: go install"
  # Without these ldflags helm v3 believes the cluster is Kubernetes 1.20.
  local LDF="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
  for p in pkg/chartutil pkg/lint/rules; do
    LDF+=" -X helm.sh/helm/v3/$p.k8sVersionMajor=1 -X helm.sh/helm/v3/$p.k8sVersionMinor=34"
  done
  GOBIN="$tmp/bin" go install -trimpath -ldflags "$LDF" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
  finish "$tmp" "$dest"; took helm $t
}

ensure_minio() {
  local dest="$TOOLS/minio-$MINIO_VERSION"
  [ -x "$dest/bin/minio" ] && return 0
  local t=$SECONDS tmp; tmp="$(mktemp -d "$TOOLS/.minio.XXXX")"
  log "minio $MINIO_VERSION: go install (about 3 min)"
  GOBIN="$tmp/bin" go install -trimpath -ldflags "-s -w" "github.com/minio/minio@$MINIO_VERSION"
  finish "$tmp" "$dest"; took minio $t
}

ensure_k8s() {
  local dest="$TOOLS/kubernetes-$K8S_VERSION"
  [ -x "$dest/bin/kube-apiserver" ] && [ -x "$dest/bin/kubectl" ] && [ -x "$dest/bin/kube-controller-manager" ] && return 0
  local t=$SECONDS tmp; tmp="$(mktemp -d "$TOOLS/.k8s.XXXX")"
  log "kubernetes $K8S_VERSION: kube-apiserver, kube-controller-manager, kubectl from Go modules (about 6 min)"
  ( go_wrapper "$tmp/src"
    export GOFLAGS="$GOFLAGS -mod=mod"
    local SV="v0.${K8S_VERSION#v1.}" minor; minor="$(echo "$K8S_VERSION" | cut -d. -f2)"
    local UP; UP="$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | python3 -c 'import json,sys;print(json.load(sys.stdin)["GoMod"])')"
    go mod init local/k8sbuild >/dev/null 2>&1
    go mod edit -require="k8s.io/kubernetes@$K8S_VERSION" -go="$(sed -nE 's/^go ([0-9.]+)$/\1/p' "$UP")" -godebug=default=go1.24
    # Replace only the staging modules upstream requires: the Go proxy here
    # refuses some that appear only in upstream's replace block.
    # shellcheck disable=SC2013 # module paths have no spaces
    for m in $(sed -nE 's#^[[:space:]]*(k8s\.io/[A-Za-z0-9._-]+)[[:space:]]*=>[[:space:]]*\./staging/.*#\1#p' "$UP"); do
      if grep -qE "^[[:space:]]+$m v0\.0\.0" "$UP"; then go mod edit -replace="$m=$m@$SV"; fi
    done
    go get -tool "k8s.io/kubernetes/cmd/kube-apiserver@$K8S_VERSION" "k8s.io/kubernetes/cmd/kubectl@$K8S_VERSION" \
      "k8s.io/kubernetes/cmd/kube-controller-manager@$K8S_VERSION" >/dev/null 2>&1
    go mod download
    local LDF="-s -w"
    for kv in "gitVersion=$K8S_VERSION" gitMajor=1 "gitMinor=$minor" gitTreeState=clean \
      gitCommit=0000000000000000000000000000000000000000 buildDate=1970-01-01T00:00:00Z; do
      LDF+=" -X k8s.io/component-base/version.$kv -X k8s.io/client-go/pkg/version.$kv"
    done
    for c in kube-apiserver kube-controller-manager kubectl; do
      go build -trimpath -ldflags "$LDF" -o "$tmp/bin/$c" "k8s.io/kubernetes/cmd/$c"
    done )
  rm -rf "$tmp/src"; finish "$tmp" "$dest"; took kubernetes $t
}

# k3s creates the CRDs of its Helm controller (HelmChart, HelmChartConfig) in
# code and publishes no YAML: a throwaway program prints them from the
# controller's own module, so k3s/ manifests are checked by a real API server.
ensure_k3s_crds() {
  local dest="$TOOLS/k3s-helm-controller-$K3S_HELM_CONTROLLER_VERSION"
  [ -s "$dest/helmchart-crds.yaml" ] && return 0
  local t=$SECONDS tmp; tmp="$(mktemp -d "$TOOLS/.k3s-crds.XXXX")"
  log "k3s helm-controller $K3S_HELM_CONTROLLER_VERSION: printing its CRDs"
  ( go_wrapper "$tmp/src"
    export GOFLAGS="$GOFLAGS -mod=mod"
    go mod init local/helmchartcrds >/dev/null 2>&1
    cat >main.go <<'GO'
package main

import (
	"fmt"
	"os"

	"github.com/k3s-io/helm-controller/pkg/crd"
	"sigs.k8s.io/yaml"
)

func main() {
	for _, c := range crd.List() {
		obj, err := c.ToCustomResourceDefinition()
		if err == nil {
			var out []byte
			if out, err = yaml.Marshal(obj); err == nil {
				fmt.Printf("---\n%s", out)
				continue
			}
		}
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
GO
    go get "github.com/k3s-io/helm-controller@$K3S_HELM_CONTROLLER_VERSION" >/dev/null 2>&1
    go run . >"$tmp/helmchart-crds.yaml" )
  rm -rf "$tmp/src"; finish "$tmp" "$dest"; took k3s-crds $t
}

# The ServiceMonitor, PodMonitor and PrometheusRule CRDs of kube-prometheus-stack,
# as the prometheus-operator Go module publishes them, so the chart's
# monitoring objects are checked by the test API server instead of skipped.
ensure_monitoring_crds() {
  local dest="$TOOLS/prometheus-operator-crds-$PROMETHEUS_OPERATOR_VERSION"
  [ -f "$dest/.complete" ] && return 0
  local t=$SECONDS tmp; tmp="$(mktemp -d "$TOOLS/.prometheus-operator-crds.XXXX")"
  log "prometheus-operator $PROMETHEUS_OPERATOR_VERSION: CRDs from its Go module"
  local dir
  dir="$(GOMODCACHE="$tmp/modcache" go mod download -json "github.com/prometheus-operator/prometheus-operator@$PROMETHEUS_OPERATOR_VERSION" \
    | python3 -c 'import json,sys;print(json.load(sys.stdin)["Dir"])')"
  mkdir -p "$tmp/crds"
  for kind in servicemonitors podmonitors prometheusrules; do
    cp "$dir/example/prometheus-operator-crd/monitoring.coreos.com_$kind.yaml" "$tmp/crds/"
  done
  rm -rf "$tmp/modcache"; touch "$tmp/.complete"
  finish "$tmp" "$dest"; took monitoring-crds $t
}

want=("$@"); [ ${#want[@]} -eq 0 ] && want=(all)
for w in "${want[@]}"; do
  case "$w" in
    all) ensure_apt; ensure_chromium; ensure_kafka; ensure_etcd; ensure_helm; ensure_minio; ensure_k8s; ensure_k3s_crds; ensure_monitoring_crds ;;
    apt|chromium|kafka|etcd|helm|minio|k8s) "ensure_$w" ;;
    k3s-crds) ensure_k3s_crds ;;
    monitoring-crds) ensure_monitoring_crds ;;
    *) echo "ensure-tools: unknown tool '$w'" >&2; exit 2 ;;
  esac
done
echo "$TOOLS"
