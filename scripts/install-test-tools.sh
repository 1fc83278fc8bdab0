#!/usr/bin/env bash
# Installs, idempotently, what the browser and HTML tests need on a fresh Debian machine:
# Debian's chromium (Playwright drives it: `playwright install` cannot download here),
# a Java runtime and the Nu HTML Checker (npm vnu-jar). Quick when all is there already.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v java >/dev/null 2>&1 || need_apt+=(default-jre-headless)
command -v npm >/dev/null 2>&1 || need_apt+=(npm)
if [ ${#need_apt[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" fonts-dejavu-core >/dev/null
fi

if [ ! -f node_modules/vnu-jar/build/dist/vnu.jar ]; then
  npm install --no-audit --no-fund --loglevel=error >/dev/null
fi
