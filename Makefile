# The lab kit's one Makefile. `make help` lists what it does; README.md says more.
#
#   make [all]        build the labs in SRC (default: labs, your work)
#   make grade        build and grade SRC; LAB=01 grades one lab
#   make test         the kit's own tests (reference, starters, mutants, the grader)
#   make fuzz         fuzz every parser of outside input (FUZZ_SECONDS each; not in CI)
#   make flake        make test RUNS times, counting failures (tests/flake.sh)
#   make setup        install what the kit needs (apt, pacman or brew)
#   make bench        the reference tcp_server next to socat, chat_server next to ncat
#   make clean        remove build/
#
# TARGET=native (default) uses this machine's compiler; TARGET=mingw cross-compiles
# for Windows and runs under Wine. V=1 shows the commands.

TARGET ?= native
SRC ?= labs
LAB ?=
# SANITIZE=1: build with AddressSanitizer and UndefinedBehaviorSanitizer (make test
# does so for the reference solutions; see labs/common/Makefile.local).
SANITIZE ?=
BUILD := build/$(TARGET)$(if $(filter 1,$(SANITIZE)),/asan)
OUT ?= $(BUILD)/$(SRC)

ifeq ($(V),1)
Q :=
else
Q := @
endif

.DEFAULT_GOAL := all
.PHONY: all grade test flake setup clean help programs units bench

CFLAGS ?= -g -O1
KIT_CFLAGS = -std=gnu11 -Wall -Wextra -Werror -MD -MP -Ilabs/common $(PLATFORM_CFLAGS) \
	$(SANITIZE_FLAGS)

# Platform detection, the common layer and the Check library: the one place that
# knows about platforms.
include labs/common/Makefile.local

# --- building programs ------------------------------------------------------------
# $(call lab_program,LABDIR,PROGRAM,OBJECTS): PROGRAM from LABDIR's OBJECTS in SRC.
define lab_program
PROGRAMS += $(OUT)/bin/$(2)$(EXE)
$(OUT)/bin/$(2)$(EXE): $(addprefix $(OUT)/obj/$(1)/,$(addsuffix .o,$(3))) $(COMMON_OBJS)
	@mkdir -p $$(@D)
	@echo "  LD      $$@"
	$(Q)$(CC) $(LDFLAGS) $(PLATFORM_LDFLAGS) $(SANITIZE_FLAGS) -o $$@ $$^ $(PLATFORM_LIBS)
endef

# $(call lab_units,LABDIR,NAME,TESTSOURCE,OBJECTS): a Check test program of the
# student's functions, built at $(OUT)/bin/NAME.
define lab_units
UNITS += $(OUT)/bin/$(2)$(EXE)
$(OUT)/obj/tests/$(2).o: $(3) $(CHECK_DEP)
	@mkdir -p $$(@D)
	@echo "  CC      $$@"
	$(Q)$(CC) $(KIT_CFLAGS) $(CFLAGS) $(CHECK_CFLAGS) -I$(SRC)/$(1) -Itests/unit -c -o $$@ $$<
$(OUT)/bin/$(2)$(EXE): $(OUT)/obj/tests/$(2).o $(OUT)/obj/tests/unit.o \
		$(addprefix $(OUT)/obj/$(1)/,$(addsuffix .o,$(4))) $(COMMON_OBJS)
	@mkdir -p $$(@D)
	@echo "  LD      $$@"
	$(Q)$(CC) $(LDFLAGS) $(PLATFORM_LDFLAGS) $(SANITIZE_FLAGS) -o $$@ $$^ $(CHECK_LIBS) $(PLATFORM_LIBS)
endef

$(OUT)/obj/%.o: $(SRC)/%.c
	@mkdir -p $(@D)
	@echo "  CC      $@"
	$(Q)$(CC) $(KIT_CFLAGS) $(CFLAGS) -I$(dir $<) -c -o $@ $<

$(OUT)/obj/tests/unit.o: tests/unit/unit.c $(CHECK_DEP)
	@mkdir -p $(@D)
	@echo "  CC      $@"
	$(Q)$(CC) $(KIT_CFLAGS) $(CFLAGS) $(CHECK_CFLAGS) -c -o $@ $<

include labs/01-wsastartup/Makefile.local
include labs/02-tcp-client/Makefile.local
include labs/03-tcp-server/Makefile.local
include labs/04-udp/Makefile.local
include labs/05-shutdown-options/Makefile.local
include labs/06-select-chat/Makefile.local
include tests/Makefile.local
include tests/fuzz/Makefile.local

all: programs units
programs: $(PROGRAMS)
units: $(UNITS)

# --- grading ----------------------------------------------------------------------
PYTEST = sh grader/pytest.sh
GRADE_ENV = KIT_TARGET=$(TARGET) KIT_SRC=$(SRC) KIT_OUT=$(OUT) KIT_LAB=$(LAB)

# A lab that does not compile must not stop the others from being graded: build
# what builds (-k), then grade; the grader reports a missing program as a failure.
grade:
	-$(Q)$(MAKE) --no-print-directory -k all
	$(Q)$(GRADE_ENV) $(PYTEST) grader $(GRADE_ARGS)

# A benchmark, not a test: BENCH_ARGS='--mib 256 --runs 3' (the defaults),
# CHAT_BENCH_ARGS='--clients 10 --lines 2000 --runs 3'.
bench:
	$(Q)$(MAKE) --no-print-directory SRC=solutions OUT=build/$(TARGET)/solutions all
	$(Q)python3 tests/bench/echo_throughput.py --target $(TARGET) $(BENCH_ARGS)
	$(Q)python3 tests/bench/chat_fanout.py --target $(TARGET) $(CHAT_BENCH_ARGS)

clean:
	rm -rf build

setup:
	$(Q)sh labs/common/setup.sh $(TARGET)

help:
	@sed -n '2,14p' Makefile | sed 's/^# \{0,1\}//'

-include $(shell find $(OUT) $(COMMON_OUT) $(KIT_TEST_OUT) -name "*.d" 2>/dev/null)
