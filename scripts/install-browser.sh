#!/usr/bin/env bash
# Debian's Chromium and ChromeDriver for the console's browser test (make test installs them).
# Nothing is downloaded at run time: Selenium is pointed at the driver. CHROMIUM and
# CHROMEDRIVER name another browser and driver (a CI runner's Chrome) and skip the install.
set -euo pipefail
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] && [ -x "${CHROMEDRIVER:-/usr/bin/chromedriver}" ] && exit 0
command -v apt-get >/dev/null || { echo "error: the browser test needs Chromium and ChromeDriver (Debian: apt-get install chromium chromium-driver)" >&2; exit 1; }
SUDO=$([ "$(id -u)" = 0 ] && echo "" || echo sudo)
echo "[browser] installing Debian's chromium and chromium-driver"
$SUDO apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null
/usr/bin/chromium --version
