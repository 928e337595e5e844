#!/usr/bin/env bash
# Install the Debian packages the tests and the quickstart need, when missing:
# mariadb-server/-client, etcd-server, mydumper, openssl, util-linux (setpriv), chromium.
set -euo pipefail
need=()
command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] || need+=(mariadb-server)
command -v mariadb-binlog >/dev/null 2>&1 || need+=(mariadb-client)
command -v etcd >/dev/null 2>&1 || need+=(etcd-server)
# The tests also drive mydumper/myloader (dump interop) and openssl (TLS certificates).
command -v mydumper >/dev/null 2>&1 || need+=(mydumper)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v setpriv >/dev/null 2>&1 || need+=(util-linux)
# The dashboard test drives headless Chromium over the DevTools protocol.
[ -x /usr/bin/chromium ] || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  echo "installing ${need[*]} ..." >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
