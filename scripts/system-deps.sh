#!/usr/bin/env bash
# System packages the product needs beyond Python, given as arguments (the Makefile names them):
# Debian's chromium for the real-browser test and server-side chart export, and a CJK font so that
# Chinese is drawn instead of boxes; nginx for several dashboard processes (deploy/). Installs what is missing (as root) or says exactly what to install.
set -euo pipefail
need=()
for pkg in "$@"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "安装系统软件包：${need[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
else
  echo "缺少系统软件包：${need[*]}。请以 root 运行：apt-get install -y --no-install-recommends ${need[*]}" >&2
  exit 1
fi
