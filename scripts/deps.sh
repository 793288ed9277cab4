#!/usr/bin/env bash
# Installs the Debian 12 packages klog needs to build, test and benchmark,
# skipping apt entirely when they are all present already.
set -euo pipefail
# librdkafka-dev: Kafka clusters (and the mock cluster the tests run);
# kcat: tests only, an independent Kafka client to check klog against.
pkgs=(g++ cmake make pkg-config libcli11-dev nlohmann-json3-dev doctest-dev libzstd-dev librdkafka-dev
      clang libclang-rt-14-dev groff-base mandoc zsh fish bash-completion python3 jq strace kcat)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}" >&2
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
