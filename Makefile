# Wrappers around the nymote command (see README.md).
APP ?= hello
BOARD ?= unix
NYMOTE := node bin/nymote.js

.PHONY: setup run test image boards clean
setup:
	@bash scripts/setup.sh

run: setup
	$(NYMOTE) run apps/$(APP) -b $(BOARD)

test:
	@bash scripts/test.sh

image: setup
	$(NYMOTE) build apps/$(APP) -b $(BOARD)

boards: setup
	@$(NYMOTE) boards

clean:
	rm -rf build images
