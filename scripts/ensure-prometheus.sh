#!/usr/bin/env bash
# The lab's tests run a real Prometheus and promtool (Debian package `prometheus`).
# As root we install it when it is missing; otherwise we fail with a clear message, never skip.
set -euo pipefail
if command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "prometheus is missing: installing Debian's 'prometheus' package (it ships promtool too)" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
  # The package may start its own daemon on :9090; the lab starts its own Prometheus per test.
  if command -v systemctl >/dev/null 2>&1; then systemctl stop prometheus prometheus-node-exporter >/dev/null 2>&1 || true; fi
  exit 0
fi
cat >&2 <<'MSG'
error: the lab's tests need a real Prometheus: 'prometheus' and 'promtool' are not on PATH.
Install Debian's package as root (sudo apt-get install prometheus), or put both binaries on PATH,
then run 'make test' again.
MSG
exit 1
