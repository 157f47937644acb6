#!/bin/sh
# A second QEMU beside Debian 12's, for the x2APIC tests only (tests/qemu/test_x2apic.py).
# QEMU 7.2's TCG offers no x2APIC (8.1 added it); Debian's bookworm-backports carries
# a newer QEMU built for Debian 12. Its two packages (qemu-system-x86 and
# qemu-system-data) are fetched with apt-get through a private list of that one
# suite and unpacked with dpkg -x under $DEST, never installed: the system's QEMU
# stays the one every other test runs, and the system's apt sources are untouched.
# Its shared libraries are Debian 12's own, the ones the system QEMU brought in
# (scripts/deps.sh installs that first). Run by scripts/deps.sh, as root.
set -eu
DEST=${BATON_QEMU_BPO:-/opt/baton/qemu-bpo}
BIN=$DEST/usr/bin/qemu-system-x86_64
[ -x "$BIN" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "deps: the x2APIC tests need QEMU >= 8.1 from bookworm-backports; run as root:" \
		"sh scripts/deps-qemu-bpo.sh" >&2
	exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/sources"
apt_bpo() {
	apt-get -q -o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts="$work/sources" \
		-o Dir::State::Lists="$work/lists" -o Dir::Cache="$work/cache" \
		-o APT::Sandbox::User=root "$@"
}
# The system's own Debian mirror first (the first one serving /debian), so a machine
# behind a mirror or proxy reaches backports the same way; then deb.debian.org.
mirror=$(cat /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null |
	awk '/^URIs:/ { for (i = 2; i <= NF; i++) print $i } /^deb / { print ($2 ~ /^\[/ ? $3 : $2) }' |
	grep -m1 '/debian/*$' || true)
found=""
for uri in $mirror http://deb.debian.org/debian; do
	cat >"$work/sources/bpo.sources" <<SRC
Types: deb
URIs: $uri
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	if apt_bpo update >/dev/null 2>&1; then found=$uri; break; fi
done
[ -n "$found" ] || { echo "deps: apt-get update of bookworm-backports failed" >&2; exit 1; }
(cd "$work" && apt_bpo download qemu-system-x86 qemu-system-data >/dev/null) \
	|| { echo "deps: apt-get download from bookworm-backports failed" >&2; exit 1; }
rm -rf "$DEST.new"
mkdir -p "$DEST.new"
for deb in "$work"/*.deb; do dpkg -x "$deb" "$DEST.new"; done
missing=$(ldd "$DEST.new/usr/bin/qemu-system-x86_64" | awk '/not found/ { print $1 }')
if [ -n "$missing" ]; then
	echo "deps: the backports QEMU needs libraries Debian 12 lacks:" $missing >&2
	rm -rf "$DEST.new"
	exit 1
fi
mv "$DEST.new" "$DEST"
echo "deps: unpacked $(cd "$work" && ls qemu-system-x86_*.deb) under $DEST"
