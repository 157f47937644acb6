#!/bin/sh
# Install the Debian 12 packages Baton needs to build and test, if any are missing.
# Run by `make run`, `make test` and CI. As root it installs with apt-get; otherwise
# it names what is missing and the command to run, and fails. Then the second QEMU
# the x2APIC tests run (scripts/deps-qemu-bpo.sh).
set -eu
PKGS="gcc make binutils clang qemu-system-x86 ovmf grub-pc-bin grub-efi-amd64-bin grub-common
xorriso mtools gnu-efi libfdt-dev device-tree-compiler libcmocka-dev libclang-rt-14-dev python3 python3-pytest"
missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in *" installed") ;; *) missing="$missing $p" ;; esac
done
if [ -z "$missing" ]; then
	exec sh "$(dirname "$0")/deps-qemu-bpo.sh"
fi
echo "deps: missing Debian packages:$missing"
if [ "$(id -u)" != 0 ]; then
	echo "deps: run as root: apt-get update && apt-get install -y --no-install-recommends$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null || { echo "deps: apt-get update failed" >&2; exit 1; }
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >/dev/null \
	|| { echo "deps: apt-get install failed for:$missing" >&2; exit 1; }
echo "deps: installed:$missing"
exec sh "$(dirname "$0")/deps-qemu-bpo.sh"
