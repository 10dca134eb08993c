#!/usr/bin/env bash
# The lab's tests run real tools from Debian: Prometheus and promtool (package `prometheus`), and
# docker-compose (package `docker-compose`) to validate docker-compose.yml without a Docker engine, and tmux
# (a real terminal for the Ctrl-C tests), and chromium (a real browser for tests/browser: the report and Locust's
# web UI, driven by Playwright pointed at this executable; Playwright's own browser download is never used),
# and PostgreSQL (package `postgresql`: initdb and postgres, which the lab starts behind /db/*;
# lab.runtime.postgres finds them as this script does), and wrk (the benches' reference load, run once each
# by tests/bench).
# As root we install what is missing; otherwise we fail with a clear message, never skip.
set -euo pipefail
missing=()
{ command -v prometheus && command -v promtool; } >/dev/null 2>&1 || missing+=(prometheus)
# Compose v1 (Debian's docker-compose) or v2 (`docker compose`): either validates the file.
{ command -v docker-compose || docker compose version; } >/dev/null 2>&1 || missing+=(docker-compose)
command -v tmux >/dev/null 2>&1 || missing+=(tmux)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
has_postgres() {
  if [ -n "${LAB_POSTGRES_BIN:-}" ]; then
    [ -x "$LAB_POSTGRES_BIN/initdb" ] && [ -x "$LAB_POSTGRES_BIN/postgres" ]
    return
  fi
  command -v initdb >/dev/null 2>&1 && return 0
  for bin in /usr/lib/postgresql/*/bin; do [ -x "$bin/initdb" ] && [ -x "$bin/postgres" ] && return 0; done
  return 1
}
has_postgres || missing+=(postgresql)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian packages the tests need: ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The prometheus package may start its own daemon on :9090; the lab starts its own per test.
  # Likewise Debian's postgresql may start a cluster on :5432; the lab starts its own in a temp directory.
  if command -v systemctl >/dev/null 2>&1; then systemctl stop prometheus postgresql >/dev/null 2>&1 || true; fi
  exit 0
fi
cat >&2 <<MSG
error: the lab's tests need these Debian packages, which are missing: ${missing[*]}
  prometheus      a real Prometheus and promtool (rules, dashboards, lab up)
  docker-compose  validates docker-compose.yml (no Docker engine needed)
  tmux            a real terminal, to type Ctrl-C into the lab as a person would
  chromium        a real browser: report.html and Locust's web UI as a person sees them
  postgresql      a real PostgreSQL behind /db/* (or LAB_POSTGRES_BIN: the directory of initdb)
  wrk             the benches' reference load (make bench, make bench-generator; tests/bench)
Install them as root (sudo apt-get install ${missing[*]}), or put the binaries on PATH,
then run 'make test' again.
MSG
exit 1
