#!/bin/sh
# Make a FAT superfloppy ESP for Baton's EFI loader (mtools, no root, ~0.1 s).
#   boot/efi/mkesp.sh OUT KERNEL [CMDLINE...]
# OUT gets \EFI\BOOT\BOOTX64.EFI (from $BOOTX64, default build/BOOTX64.EFI next
# to this repo's Makefile), \kernel.elf (a copy of KERNEL) and \baton.cfg:
#   cmdline CMDLINE...        (the remaining arguments joined by spaces)
#   kernel \kernel.elf
#   module \kernel.elf baton  (Baton's own image, for its kexec)
# Boot it with: qemu-system-x86_64 -bios /usr/share/ovmf/OVMF.fd -drive format=raw,file=OUT ...
# The image is built next to OUT and renamed into place, so OUT is never partial.
set -eu
if [ $# -lt 2 ]; then
	echo "usage: $0 OUT KERNEL [CMDLINE...]" >&2
	exit 2
fi
out=$1 kernel=$2
shift 2
root=$(cd "$(dirname "$0")/../.." && pwd)
efi=${BOOTX64:-$root/build/BOOTX64.EFI}
for f in "$efi" "$kernel"; do
	[ -f "$f" ] || { echo "$0: $f: no such file" >&2; exit 1; }
done

tmp=$out.tmp.$$
cfg=$out.cfg.$$
trap 'rm -f "$tmp" "$cfg"' EXIT
printf 'cmdline %s\nkernel \\kernel.elf\nmodule \\kernel.elf baton\n' "$*" > "$cfg"

rm -f "$tmp"
dd if=/dev/zero of="$tmp" bs=1M count=0 seek=33 2>/dev/null
mformat -i "$tmp" -F -v ESP ::
mmd -i "$tmp" ::/EFI ::/EFI/BOOT
mcopy -i "$tmp" "$efi" ::/EFI/BOOT/BOOTX64.EFI
mcopy -i "$tmp" "$kernel" ::/kernel.elf
mcopy -i "$tmp" "$cfg" ::/baton.cfg
mv -f "$tmp" "$out"
