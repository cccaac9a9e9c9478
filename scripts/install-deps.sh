#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages TierMem builds against, if any are missing, and says which.
# Usage: scripts/install-deps.sh [extra-package ...]
# Uses sudo when not root. Needs Swift 6 on PATH already (https://swift.org/install).
set -euo pipefail

# The build's libraries, then the real services the preload tests run (Tests/preload).
packages=(pkg-config libmemkind-dev libpmem-dev liblz4-dev libzstd-dev
          redis-server redis-tools memcached libmemcached-tools "$@")

if ! command -v swift >/dev/null 2>&1; then
    echo "install-deps: swift is not on PATH; install Swift 6 from https://swift.org/install first" >&2
    exit 1
fi

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-deps: missing ${missing[*]} and no apt-get here; install them with your package manager" >&2
    exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "install-deps: not root and no sudo; install: ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
if ! $sudo apt-get install -y -q "${missing[@]}" >&2; then
    echo "install-deps: refreshing package lists and trying again" >&2
    $sudo apt-get update -q >&2
    $sudo apt-get install -y -q "${missing[@]}" >&2
fi
