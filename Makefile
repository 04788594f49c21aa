# SPDX-License-Identifier: GPL-2.0
#
# fan: fan networking for InfiniBand clusters.
#
#   make                 fan.ko for KDIR (default: running kernel, else the
#                        newest installed headers) and fanctl
#   make modules         fan.ko (+ the test-only ipoib_emu.ko) for every
#                        kernel in KVERS, into build/modules/<kver>/
#   make check           unit tests + the VM selftests on every kernel
#   make demo            boots a VM: three fan hosts with containers
#   make bench           the benchmark suite in the VM
#   make deps            installs what the above need (Debian 12, root)
#   make install         fan.ko into /lib/modules, fanctl into PREFIX

KVERS_ALL := $(shell ls /lib/modules 2>/dev/null | sort -V)
# Kernels with headers installed, newest last.
KVERS_HDR := $(foreach k,$(KVERS_ALL),$(if $(wildcard /lib/modules/$(k)/build/Makefile),$(k)))
KVERS ?= $(KVERS_HDR)

RUNNING := $(shell uname -r)
ifneq ($(wildcard /lib/modules/$(RUNNING)/build/Makefile),)
KDIR ?= /lib/modules/$(RUNNING)/build
else
KDIR ?= /lib/modules/$(lastword $(KVERS_HDR))/build
endif

PREFIX ?= /usr/local
BUILD := $(CURDIR)/build
# Extra kbuild flags, e.g. make modules KBUILD_EXTRA="W=1 C=1".
KBUILD_EXTRA ?= $(if $(W),W=$(W)) $(if $(C),C=$(C))

MODULE_SRCS := Kbuild $(wildcard kernel/*.c kernel/*.h) \
	       include/uapi/linux/if_fan.h include/fan/fan_map.h

.PHONY: all module modules fanctl unit check check-vm demo bench deps \
	install uninstall clean lint checkpatch dkms-tree

all: module fanctl

# fan.ko against KDIR, in the tree (the classic out-of-tree way).
module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) $(KBUILD_EXTRA) modules

fanctl:
	$(MAKE) -C tools/fanctl

# One build tree per kernel, so 6.1 and 6.12 objects never mix.
modules: $(foreach k,$(KVERS),$(BUILD)/modules/$(k)/fan.ko)

$(BUILD)/modules/%/fan.ko: $(MODULE_SRCS) $(wildcard selftests/ipoib_emu/*)
	@mkdir -p $(BUILD)/src/$*
	@cp -r Kbuild kernel include $(BUILD)/src/$*/
	$(MAKE) -C /lib/modules/$*/build M=$(BUILD)/src/$* $(KBUILD_EXTRA) modules
	@if [ -f selftests/ipoib_emu/Kbuild ]; then \
		rm -rf $(BUILD)/src/$*/ipoib_emu; \
		cp -r selftests/ipoib_emu $(BUILD)/src/$*/ipoib_emu; \
		$(MAKE) -C /lib/modules/$*/build M=$(BUILD)/src/$*/ipoib_emu $(KBUILD_EXTRA) modules && \
		cp $(BUILD)/src/$*/ipoib_emu/ipoib_emu.ko $(BUILD)/modules/$*/ 2>/dev/null || \
		{ mkdir -p $(BUILD)/modules/$* && cp $(BUILD)/src/$*/ipoib_emu/ipoib_emu.ko $(BUILD)/modules/$*/; }; \
	fi
	@mkdir -p $(BUILD)/modules/$*
	cp $(BUILD)/src/$*/fan.ko $@

unit:
	$(MAKE) -C selftests/unit run

# Lint every kernel: W=1, sparse, checkpatch --strict.
lint:
	@set -e; for k in $(KVERS); do \
		rm -rf $(BUILD)/lint/$$k; mkdir -p $(BUILD)/lint/$$k; \
		cp -r Kbuild kernel include $(BUILD)/lint/$$k/; \
		echo "== W=1 C=1 against $$k"; \
		$(MAKE) -s -C /lib/modules/$$k/build M=$(BUILD)/lint/$$k W=1 C=1 modules 2>&1 | \
			tee $(BUILD)/lint/$$k.log; \
		if grep -E 'warning|error' $(BUILD)/lint/$$k.log; then \
			echo "lint: warnings against $$k"; exit 1; fi; \
	done
	@$(MAKE) -s checkpatch

checkpatch:
	@scripts/checkpatch.sh kernel/*.c kernel/*.h include/fan/fan_map.h \
		include/uapi/linux/if_fan.h

check: deps
	@scripts/check.sh

demo: deps
	@scripts/demo.sh

bench: deps
	@scripts/bench.sh

deps:
	@if [ "$$(id -u)" = 0 ]; then scripts/install-deps.sh; \
	 else sudo scripts/install-deps.sh; fi

install: module fanctl
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules_install
	depmod -a $(notdir $(patsubst %/build,%,$(KDIR))) || true
	$(MAKE) -C tools/fanctl install PREFIX=$(PREFIX)

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	-$(MAKE) -C tools/fanctl clean
	-$(MAKE) -C selftests/unit clean
	rm -rf $(BUILD)
