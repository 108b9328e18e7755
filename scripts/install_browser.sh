#!/usr/bin/env bash
# Debian's Chromium for the dashboard's browser test (tests/test_dashboard.py drives it with Playwright's
# Python package; Playwright's own browser download is not used), and a Chinese font so the zh-CN
# screenshots show characters, not empty boxes. Idempotent: does nothing when both are present.
set -euo pipefail
if [ -x /usr/bin/chromium ] && fc-list :lang=zh 2>/dev/null | grep -q .; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core fonts-wqy-microhei
/usr/bin/chromium --version
