# host tests: see tests/host
check-host:
	@echo "no host tests yet"
.PHONY: check-host
