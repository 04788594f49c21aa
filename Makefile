# SPDX-License-Identifier: GPL-2.0
#
# fan: fan networking for InfiniBand clusters.
#
#   make                 fan.ko for KDIR (default: running kernel, else the
#                        newest installed headers), fanctl and link_fan.so
#   make modules         fan.ko (+ the test-only ipoib_emu.ko) for every
#                        kernel in KVERS, into build/modules/<kver>/
#   make check           unit tests + the VM selftests on every kernel
#   make demo            boots a VM: three fan hosts with containers
#   make bench           the benchmark suite in the VM
#   make bench-rdma      RDMA (soft-RoCE) host to host vs container to
#                        container over the fan, and TCP over the fan: two VMs
#   make deps            installs what the above need (Debian 12, root)
#   make install         fan.ko into /lib/modules, fanctl into PREFIX,
#                        link_fan.so into ip's IP_LIB_DIR (if ip fits it)
#   make dkms-install    fan.ko through DKMS (rebuilt for every new kernel)
#   make debug-kernel    the KASAN/kmemleak/lockdep kernel, built once
#   make check-debug     every selftest on it (DEBUG_TESTS=LIST: just those)
#   make fuzz            fanctl's parser fuzzers, FUZZ_SECONDS (300) each

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

.PHONY: all module modules fanctl unit check check-vm demo bench bench-rdma deps \
	iproute2 install uninstall clean lint lint-build checkpatch dkms-tree dkms-install \
	dkms-uninstall \
	debug-kernel debug-modules check-debug print-debug-tests fuzz

all: module fanctl iproute2

# fan.ko against KDIR, in the tree (the classic out-of-tree way).
module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) $(KBUILD_EXTRA) modules

fanctl:
	$(MAKE) -C tools/fanctl

# link_fan.so: the fan link kind for the stock ip(8).
iproute2:
	$(MAKE) -C tools/iproute2

# One build tree per kernel, so 6.1 and 6.12 objects never mix.
modules: $(foreach k,$(KVERS),$(BUILD)/modules/$(k)/fan.ko)

# The .ko files are copied aside and renamed into place, so a VM that
# loads them over 9p meanwhile never sees a half-written one.
$(BUILD)/modules/%/fan.ko: $(MODULE_SRCS) $(wildcard selftests/ipoib_emu/*)
	@mkdir -p $(BUILD)/src/$* $(BUILD)/modules/$*
	@cp -r Kbuild kernel include $(BUILD)/src/$*/
	$(MAKE) -C /lib/modules/$*/build M=$(BUILD)/src/$* $(KBUILD_EXTRA) modules
	@rm -rf $(BUILD)/src/$*/ipoib_emu
	@cp -r selftests/ipoib_emu $(BUILD)/src/$*/ipoib_emu
	$(MAKE) -C /lib/modules/$*/build M=$(BUILD)/src/$*/ipoib_emu $(KBUILD_EXTRA) modules
	@cp $(BUILD)/src/$*/ipoib_emu/ipoib_emu.ko $(BUILD)/modules/$*/.ipoib_emu.ko.tmp
	@mv -f $(BUILD)/modules/$*/.ipoib_emu.ko.tmp $(BUILD)/modules/$*/ipoib_emu.ko
	@cp $(BUILD)/src/$*/fan.ko $(BUILD)/modules/$*/.fan.ko.tmp
	@mv -f $(BUILD)/modules/$*/.fan.ko.tmp $@

unit:
	$(MAKE) -C selftests/unit run

# Lint every kernel: W=1, sparse, checkpatch --strict.  lint-build is
# the per-kernel part (scripts/check.sh runs it in a suite's chroot too).
lint: lint-build
	@$(MAKE) -s checkpatch
	@scripts/lint-selftests.sh

lint-build:
	@set -e; for k in $(KVERS); do \
		rm -rf $(BUILD)/lint/$$k; mkdir -p $(BUILD)/lint/$$k; \
		cp -r Kbuild kernel include $(BUILD)/lint/$$k/; \
		echo "== W=1 C=1 against $$k"; \
		rc=0; $(MAKE) -s -C /lib/modules/$$k/build M=$(BUILD)/lint/$$k W=1 C=1 modules \
			> $(BUILD)/lint/$$k.log 2>&1 || rc=$$?; \
		cat $(BUILD)/lint/$$k.log; \
		if [ $$rc -ne 0 ]; then \
			echo "lint: the W=1 C=1 build against $$k failed (exit $$rc)"; exit 1; fi; \
		if grep -E 'warning|error' $(BUILD)/lint/$$k.log; then \
			echo "lint: warnings against $$k"; exit 1; fi; \
	done

checkpatch:
	@scripts/checkpatch.sh kernel/*.c kernel/*.h include/fan/fan_map.h \
		include/uapi/linux/if_fan.h

check: deps
	@scripts/check.sh

demo: deps
	@scripts/demo.sh

bench: deps
	@scripts/bench.sh

bench-rdma: deps modules fanctl
	@selftests/rdma/bench.sh

deps:
	@if [ "$$(id -u)" = 0 ]; then scripts/install-deps.sh; \
	 else sudo scripts/install-deps.sh; fi

# The debug kernel: Debian's linux-source-6.12 with KASAN, kmemleak,
# lockdep, debug objects and the netdev refcount trackers, on a minimal
# config (selftests/vm/debug.config); built once into
# ${FAN_DEBUG_CACHE:-/var/cache/fan-debug-kernel}/<key>/ (scripts/debug-kernel.sh).
# What make check runs on it, shared by DEBUG_VMS VMs beside the Debian
# kernels' runs: every selftest (all), or DEBUG_TESTS=LIST for a subset.
DEBUG_TESTS ?= all

debug-kernel:
	@scripts/debug-kernel.sh

print-debug-tests:
	@echo $(DEBUG_TESTS)

# fan.ko and ipoib_emu.ko against the debug kernel's tree, into
# build/modules/<its kver>/.  Timestamps are kept so kbuild only rebuilds
# what changed.
debug-modules: debug-kernel
	@set -e; . "$$(scripts/debug-kernel.sh --env-file)"; \
	src=$(BUILD)/src/$$KVER; \
	mkdir -p $$src/ipoib_emu $(BUILD)/modules/$$KVER; \
	cp -rp Kbuild kernel include $$src/; \
	cp -p selftests/ipoib_emu/Kbuild selftests/ipoib_emu/*.[ch] $$src/ipoib_emu/; \
	$(MAKE) -C $$KDIR M=$$src $(KBUILD_EXTRA) modules; \
	$(MAKE) -C $$KDIR M=$$src/ipoib_emu $(KBUILD_EXTRA) modules; \
	cp $$src/fan.ko $$src/ipoib_emu/ipoib_emu.ko $(BUILD)/modules/$$KVER/

# Every selftest (or DEBUG_TESTS=LIST from the command line or the
# environment) in one VM on the debug kernel; fails on a splat or a leak.
check-debug: debug-modules fanctl
	@scripts/check-debug.sh $(if $(filter command line environment,$(origin DEBUG_TESTS)),$(DEBUG_TESTS),all)

# libFuzzer harnesses of fanctl's parsers (tools/fanctl/fuzz).
FUZZ_SECONDS ?= 300
fuzz:
	@scripts/fuzz.sh $(FUZZ_SECONDS)

install: module fanctl iproute2
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules_install
	depmod -a $(notdir $(patsubst %/build,%,$(KDIR))) || true
	$(MAKE) -C tools/fanctl install PREFIX=$(PREFIX)
	$(MAKE) -C tools/iproute2 install || \
		echo "link_fan.so not installed (above: why); fan.ko and fanctl are"

# DKMS: the module's sources (what dkms.conf builds) under
# $(DESTDIR)/usr/src/fan-<version>/, then add, build and install.
DKMS_VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
DKMS_SRC ?= $(DESTDIR)/usr/src/fan-$(DKMS_VERSION)

dkms-tree:
	rm -rf $(DKMS_SRC)
	mkdir -p $(DKMS_SRC)
	cp -r dkms.conf Kbuild kernel include COPYING $(DKMS_SRC)/
	find $(DKMS_SRC) \( -name '*.o' -o -name '*.ko' -o -name '*.cmd' \
		-o -name '*.mod*' \) -delete

dkms-install: dkms-tree fanctl iproute2
	dkms add -m fan -v $(DKMS_VERSION)
	dkms build -m fan -v $(DKMS_VERSION)
	dkms install -m fan -v $(DKMS_VERSION)
	$(MAKE) -C tools/fanctl install PREFIX=$(PREFIX)
	$(MAKE) -C tools/iproute2 install || \
		echo "link_fan.so not installed (above: why); fan.ko and fanctl are"

dkms-uninstall:
	-dkms remove -m fan -v $(DKMS_VERSION) --all
	rm -rf $(DKMS_SRC)

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	-$(MAKE) -C tools/fanctl clean
	-$(MAKE) -C tools/iproute2 clean
	-$(MAKE) -C selftests/unit clean
	rm -rf $(BUILD)
