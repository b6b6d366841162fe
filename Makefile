# The lab kit's one Makefile. `make help` lists what it does; README.md says more.
#
#   make [all]        build the labs in SRC (default: labs, your work)
#   make grade        build and grade SRC; LAB=01 grades one lab
#   make setup        install what the kit needs (apt, pacman or brew)
#   make starters     after changing a starter: record its files in grader/starters.json,
#                     by which make grade tells a lab not yet started
#   make clean        remove build/
#
# TARGET=native (default) uses this machine's compiler; TARGET=mingw cross-compiles
# for Windows and runs under Wine. V=1 shows the commands.
#
# It includes the Makefile.local of each folder present: labs/NN-*/ (each lab), and
# where the tree has them, tests/ (the kit's own tests), examples/ and grader/course/
# (the instructor's tools). make help lists their targets too. A students' handout
# is a selection of these folders, with this Makefile as it is.

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
.PHONY: all grade setup clean help programs units starters

CFLAGS ?= -g -O1
KIT_CFLAGS = -std=gnu11 -Wall -Wextra -Werror -MD -MP -Ilabs/common $(PLATFORM_CFLAGS) \
	$(SANITIZE_FLAGS) $(RECORDER_CFLAGS)

# Platform detection, the common layer and the Check library: the one place that
# knows about platforms.
include labs/common/Makefile.local

# --- building programs ------------------------------------------------------------
# $(call lab_program,LABDIR,PROGRAM,OBJECTS[,EARLIER]): PROGRAM from LABDIR's OBJECTS
# in SRC, and EARLIER, objects of earlier labs that it reuses ("02-tcp-client/connect":
# a function the student wrote in lab 02). LABDIR's sources then see those labs'
# headers, and its grade builds those labs' unit tests (labNN_units) too.
define lab_program
PROGRAMS += $(OUT)/bin/$(2)$(EXE)
LAB_DIRS += $(1)
LAB_FILES.$(1) += $(OUT)/bin/$(2)$(EXE) $(foreach e,$(4),$(OUT)/bin/lab$(firstword $(subst -, ,$(e)))_units$(EXE))
$(OUT)/bin/$(2)$(EXE): $(addprefix $(OUT)/obj/$(1)/,$(addsuffix .o,$(3))) \
		$(addprefix $(OUT)/obj/,$(addsuffix .o,$(4))) $(COMMON_OBJS)
	@mkdir -p $$(@D)
	@echo "  LD      $$@"
	$(Q)$(CC) $(LDFLAGS) $(PLATFORM_LDFLAGS) $(SANITIZE_FLAGS) -o $$@ $$^ $(PLATFORM_LIBS)
$(if $(4),$(OUT)/obj/$(1)/%.o: LAB_INCLUDES += $(foreach e,$(4),-I$(SRC)/$(patsubst %/,%,$(dir $(e)))))
endef

# $(call lab_units,LABDIR,NAME,TESTSOURCE,OBJECTS): a Check test program of the
# student's functions, built at $(OUT)/bin/NAME.
define lab_units
UNITS += $(OUT)/bin/$(2)$(EXE)
LAB_FILES.$(1) += $(OUT)/bin/$(2)$(EXE)
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

# $(call lab_model,LABDIR,NAME,DRIVERSOURCE,OBJECTS): the program through which the
# grader's models call the student's functions on many cases (tests/models/), built
# at $(OUT)/bin/NAME with the unit tests.
define lab_model
UNITS += $(OUT)/bin/$(2)$(EXE)
LAB_FILES.$(1) += $(OUT)/bin/$(2)$(EXE)
$(OUT)/obj/tests/$(2).o: $(3)
	@mkdir -p $$(@D)
	@echo "  CC      $$@"
	$(Q)$(CC) $(KIT_CFLAGS) $(CFLAGS) -I$(SRC)/$(1) -Itests/models -c -o $$@ $$<
$(OUT)/bin/$(2)$(EXE): $(OUT)/obj/tests/$(2).o $(OUT)/obj/tests/model.o \
		$(addprefix $(OUT)/obj/$(1)/,$(addsuffix .o,$(4))) $(COMMON_OBJS)
	@mkdir -p $$(@D)
	@echo "  LD      $$@"
	$(Q)$(CC) $(LDFLAGS) $(PLATFORM_LDFLAGS) $(SANITIZE_FLAGS) -o $$@ $$^ $(PLATFORM_LIBS)
endef

$(OUT)/obj/%.o: $(SRC)/%.c
	@mkdir -p $(@D)
	@echo "  CC      $@"
	$(Q)$(CC) $(KIT_CFLAGS) $(CFLAGS) -I$(dir $<) $(LAB_INCLUDES) -c -o $@ $<

$(OUT)/obj/tests/unit.o: tests/unit/unit.c $(CHECK_DEP)
	@mkdir -p $(@D)
	@echo "  CC      $@"
	$(Q)$(CC) $(KIT_CFLAGS) $(CFLAGS) $(CHECK_CFLAGS) -c -o $@ $<

$(OUT)/obj/tests/model.o: tests/models/model.c
	@mkdir -p $(@D)
	@echo "  CC      $@"
	$(Q)$(CC) $(KIT_CFLAGS) $(CFLAGS) -Itests/models -c -o $@ $<

# The labs present, by number, then the folders a students' handout leaves out.
include $(sort $(wildcard labs/[0-9][0-9]-*/Makefile.local))
-include tests/Makefile.local examples/Makefile.local tests/fuzz/Makefile.local
-include grader/course/Makefile.local

all: programs units
programs: $(PROGRAMS)
units: $(UNITS)

# --- grading ----------------------------------------------------------------------
PYTEST = sh grader/pytest.sh
GRADE_ENV = KIT_TARGET=$(TARGET) KIT_SRC=$(SRC) KIT_OUT=$(OUT) KIT_LAB=$(LAB)

# Each lab is built on its own (make lab-NN-topic), so that one that does not compile
# leaves the others graded; make stale-NN-topic then removes each of its programs
# that is not up to date, so that no program of an earlier build is ever graded.
LAB_DIRS := $(sort $(LAB_DIRS))
define lab_targets
.PHONY: lab-$(1) stale-$(1)
lab-$(1): $$(LAB_FILES.$(1))
stale-$(1):
	$$(Q)for f in $$(LAB_FILES.$(1)); do $$(MAKE) -q $$$$f 2>/dev/null || rm -f $$$$f; done
endef
$(foreach d,$(LAB_DIRS),$(eval $(call lab_targets,$(d))))

# LAB and SRC must name a lab and a tree of labs: anything else is one line (make's
# own exit status, 2), before anything is built.
LAB_NUMBERS := $(foreach d,$(LAB_DIRS),$(firstword $(subst -, ,$(d))))
GRADE_LAB := $(filter $(LAB_NUMBERS),$(if $(filter 1 2 3 4 5 6 7 8 9,$(LAB)),0$(LAB),$(LAB)))
GRADE_DIRS := $(if $(LAB),$(filter $(GRADE_LAB)-%,$(LAB_DIRS)),$(LAB_DIRS))
TREES = $(patsubst %/,%,$(sort $(dir $(wildcard $(addprefix */,$(LAB_DIRS))))))
ifneq ($(filter grade,$(MAKECMDGOALS)),)
  ifeq ($(wildcard $(addprefix $(SRC)/,$(LAB_DIRS))),)
    $(error SRC=$(SRC) is not a tree of labs: the trees here are $(TREES))
  endif
  ifneq ($(LAB),)
    ifeq ($(GRADE_LAB),)
      $(error LAB=$(LAB) is not a lab: the labs are $(LAB_NUMBERS))
    endif
    ifeq ($(wildcard $(SRC)/$(GRADE_DIRS)),)
      $(error SRC=$(SRC) has no lab $(GRADE_LAB): it has $(foreach d,$(LAB_DIRS),$(if $(wildcard $(SRC)/$(d)),$(firstword $(subst -, ,$(d))))))
    endif
  endif
endif

# Where the sanitizers run (native Linux and macOS), the tree is also built with them,
# beside OUT (build/native/asan/labs for build/native/labs), at the same time as the
# plain build; the grader runs the unit tests and the memcheck behaviours there too.
ifeq ($(TARGET)$(WINDOWS_HOST),native)
SANITIZED_OUT = $(dir $(OUT))asan/$(notdir $(OUT))
GRADE_SANITIZED = KIT_SANITIZED_OUT=$(SANITIZED_OUT)
endif
GRADE_BUILD = MAKE="$(MAKE)" sh grader/build.sh
# The grader runs two tests at a time (GRADE_JOBS=N: N; 1: one at a time), where the
# Python has pytest-xdist (grader/pytest.sh); the verdicts are the same either way.

# SANDBOX=1: the compiler and every program behind the boundary (grader/box.py,
# docs/grading.md "The boundary"): the compiler in a box that sees the tree but not
# the hidden tests or the results, writing only the build's folders; the grader in
# a network of its own, running each program in a box of its own. The instructor's
# tools grade so; a student's own make grade does not.
SANDBOX ?= $(KIT_SANDBOX)
ifeq ($(SANDBOX),1)
  BOX = python3 grader/box.py
  # $(call grade_build,OUT,COMMON): build.sh in a box that writes only OUT and COMMON.
  grade_build = MAKE="$(MAKE)" $(BOX) compile --writable $(1) --writable $(2) \
	--readable $(SRC) $(if $(CHECK_PREFIX),--readable $(CHECK_PREFIX)) -- sh grader/build.sh
  GRADE_RUN = $(BOX) run --
  export KIT_SANDBOX := 1
  # Chosen once for the whole run (what this machine allows), which every box reads.
  ifndef KIT_SANDBOX_CHOSEN
    export KIT_SANDBOX_CHOSEN := $(shell $(BOX) chosen)
  endif
else
  grade_build = $(GRADE_BUILD)
endif

grade: $(if $(filter 1,$(SANDBOX)),$(CHECK_DEP))
	$(Q)$(call grade_build,$(OUT),$(COMMON_OUT)) $(OUT) "" $(GRADE_DIRS) & \
	$(if $(GRADE_SANITIZED),$(call grade_build,$(SANITIZED_OUT),build/$(TARGET)/asan/common) \
		$(SANITIZED_OUT) 1 $(GRADE_DIRS) &) wait
	$(Q)$(GRADE_ENV) $(GRADE_SANITIZED) KIT_JOBS=$(or $(GRADE_JOBS),2) $(GRADE_RUN) \
		$(PYTEST) grader $(GRADE_ARGS)

# The starters' digests (grader/gradelib/starters.py); a kit test keeps them current.
starters:
	$(Q)python3 grader/gradelib/starters.py labs > grader/starters.json.tmp
	$(Q)mv grader/starters.json.tmp grader/starters.json

clean:
	rm -rf build

setup:
	$(Q)sh labs/common/setup.sh $(TARGET)

# The header above, then the targets each included folder documents in its own.
help:
	@sed -n '2,/^$$/p' Makefile | sed 's/^# \{0,1\}//'
	@for f in $(filter-out Makefile labs/%,$(MAKEFILE_LIST)); do \
		sed -n '/^#   make /,/^[^#]/p' $$f | grep '^#' | sed 's/^# \{0,1\}//'; done

-include $(shell find $(OUT) $(COMMON_OUT) $(KIT_TEST_OUT) $(EXAMPLES_OUT) -name "*.d" 2>/dev/null)
