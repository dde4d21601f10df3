# Wrappers around the nymote command (see README.md).
APP ?= hello
BOARD ?= unix
NYMOTE := node bin/nymote.js

.PHONY: setup run test test-full image boards clean
setup:
	@bash scripts/setup.sh

run: setup
	$(NYMOTE) run apps/$(APP) -b $(BOARD)

test:
	@bash scripts/test.sh

# Tier 5: the full topologies (Xen + Linux dom0 + guest), a stage of its own.
test-full:
	@bash scripts/test.sh full

image: setup
	$(NYMOTE) build apps/$(APP) -b $(BOARD)

boards: setup
	@$(NYMOTE) boards

clean:
	rm -rf build images
