#!/bin/sh
# Kernel symbol table for stack traces, made from the pass-1 link (see Makefile).
#   ksyms.sh ELF            print the assembly of the table for ELF's text symbols
#   ksyms.sh --empty        print an empty table (pass 1)
#   ksyms.sh --check A B    fail if A and B disagree on any text symbol's address
set -eu
table() {
	printf '\t.section .ksyms,"a"\n\t.balign 8\n'
	printf '\t.globl ksyms_count, ksyms_addrs, ksyms_offs, ksyms_names\n'
	awk 'BEGIN { n = 0 }
	{ addr[n] = $1; name[n] = $3; n++ }
	END {
		printf "ksyms_count:\n\t.quad %d\nksyms_addrs:\n", n
		for (i = 0; i < n; i++) printf "\t.quad 0x%s\n", addr[i]
		printf "ksyms_offs:\n"
		off = 0
		for (i = 0; i < n; i++) { printf "\t.long %d\n", off; off += length(name[i]) + 1 }
		printf "ksyms_names:\n"
		for (i = 0; i < n; i++) printf "\t.asciz \"%s\"\n", name[i]
	}'
}
text_syms() { nm -n --defined-only "$1" | awk '$2 ~ /^[tTwW]$/ && $1 ~ /^ffffffff8/'; }
case "${1:-}" in
--empty) : | table ;;
--check)
	a=$(text_syms "$2" | md5sum); b=$(text_syms "$3" | md5sum)
	if [ "$a" != "$b" ]; then
		echo "ksyms: pass 1 and pass 2 disagree on text addresses" >&2
		exit 1
	fi ;;
*) text_syms "$1" | table ;;
esac
