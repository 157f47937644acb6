# The labs (docs/labs.md): `make lab-N` builds and runs lab N's check, a cmocka test
# built as tests/host builds its tests (host.mk's HOST_CFLAGS, ASan+UBSan, the
# printk shim; objects it already builds are shared). A check exits non-zero until
# the lab is solved. Not part of `make test` or `make check-host`. Output in $(B)/labs/.

# lab_<n>: the check's name; lab_src_<n>: the sources it links with the shim.
lab_1          := radix_runs
lab_src_1      := kho/lab_radix_runs.c kho/kho_radix.c tests/labs/lab_arena.c
lab_2          := buddy_order
lab_src_2      := mm/lab_buddy_order.c mm/buddy.c tests/host/shim/panic.c
lab_3          := block_get
lab_src_3      := kho/lab_block_get.c kho/kho_block.c tests/labs/lab_arena.c
LABS           := 1 2 3

$(call objects,obj,HOSTCC,$(HOST_CC) $(HOST_CFLAGS),$(foreach n,$(LABS),\
	tests/labs/lab_$(lab_$(n)).c $(lab_src_$(n))))

define lab_rule
$(B)/labs/lab_$(lab_$(1)): $(call host_obj,tests/labs/lab_$(lab_$(1)).c $(lab_src_$(1)) $(HOST_SHIM))
	$$(call say,HOSTLD,$$@)
	$$(Q)mkdir -p $$(@D) && $(HOST_CC) $(HOST_LDFLAGS) -o $$@ $$^ $(HOST_LIBS)
lab-$(1): $(B)/labs/lab_$(lab_$(1))
	$$(Q)if $(HOST_ENV) ./$$<; then echo "lab-$(1): PASSED"; \
	else echo "lab-$(1): NOT YET SOLVED (docs/labs.md, lab $(1))"; exit 1; fi
endef
$(foreach n,$(LABS),$(eval $(call lab_rule,$(n))))
