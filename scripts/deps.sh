#!/usr/bin/env bash
# Install the Debian packages podsim needs to build and test, when missing.
# As root it runs apt-get; otherwise it prints the exact command and exits 2.
set -euo pipefail

packages=(cmake make gcc libc6-dev clang pkg-config libcriterion-dev libxxhash-dev)
# The sanitizer and fuzzer runtimes for clang come with libclang-rt-14-dev.
packages+=(libclang-rt-14-dev)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "podsim: missing Debian packages: ${missing[*]}" >&2
  echo "install them with:  sudo apt-get install -y ${missing[*]}" >&2
  exit 2
fi

echo "podsim: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
