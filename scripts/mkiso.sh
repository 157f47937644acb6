#!/bin/sh
# Make a hybrid BIOS+UEFI GRUB ISO that boots Baton by multiboot2.
#   mkiso.sh OUT.iso KERNEL.elf "CMDLINE" [FILE NAME]...
# Each FILE NAME pair becomes a multiboot2 module named NAME. The kernel's own image
# is always added as module "baton" (what `kexec load` uses by default).
set -eu
[ $# -ge 3 ] || { echo "usage: $0 OUT.iso KERNEL.elf CMDLINE [FILE NAME]..." >&2; exit 2; }
out=$1 kernel=$2 cmdline=$3
shift 3
dir=$(mktemp -d "${TMPDIR:-/tmp}/baton-iso.XXXXXX")
log="$dir.log"                     # outside the tree being packed
trap 'rm -rf "$dir" "$log"' EXIT
mkdir -p "$dir/boot/grub"
cp "$kernel" "$dir/boot/kernel.elf"
{
	echo 'set timeout=0'
	echo 'set default=0'
	echo 'serial --unit=0 --speed=115200'
	echo 'terminal_output serial console'
	echo 'menuentry "Baton" {'
	echo "  multiboot2 /boot/kernel.elf $cmdline"
	echo '  module2 /boot/kernel.elf baton'
	i=0
	while [ $# -ge 2 ]; do
		cp "$1" "$dir/boot/mod$i"
		echo "  module2 /boot/mod$i $2"
		i=$((i + 1))
		shift 2
	done
	echo '  boot'
	echo '}'
} > "$dir/boot/grub/grub.cfg"
grub-mkrescue --fonts= --locales= --themes= \
	--install-modules="normal multiboot2 iso9660 part_msdos part_gpt fat configfile echo boot serial terminal" \
	-o "$out" "$dir" >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
