# nianbao - build, test, demo. Quiet unless V=1.
PKGS     := lua5.4 sqlite3 xlsxwriter minizip expat
DEBS     := liblua5.4-dev libsqlite3-dev libxlsxwriter-dev libminizip-dev libexpat1-dev pkg-config
TESTDEBS := sqlite3 python3 python3-openpyxl valgrind
CC       ?= cc
CSTD     := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
WARN     := -Wall -Wextra -Wshadow -Wmissing-prototypes -Wstrict-prototypes
OPT      ?= -O2 -g
SAN      ?=
# Our flags stay even when CFLAGS or LDLIBS are given on the command line
# (they are evaluated when used: after `deps` has installed pkg-config).
NB_CFLAGS = $(CSTD) $(WARN) $(OPT) $(SAN) $(shell pkg-config --cflags $(PKGS))
NB_LIBS   = $(shell pkg-config --libs $(PKGS)) -lm
BUILD    ?= build
Q        := $(if $(V),,@)

SRCS     := $(wildcard host/*.c)
OBJS     := $(SRCS:host/%.c=$(BUILD)/%.o)
CORE     := $(filter-out $(BUILD)/main.o,$(OBJS))
UNITS    := $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(wildcard tests/unit/test_*.c))

NB_OUT   ?= nianbao

.PHONY: all deps test-deps units test check valgrind demo bench clean
all: deps $(NB_OUT)

# Missing Debian packages: install them as root, otherwise say the exact command.
deps:
	$(Q)sh tools/deps.sh $(DEBS)

# What the tests use beyond the build: the sqlite3 shell and openpyxl.
test-deps:
	$(Q)sh tools/deps.sh $(TESTDEBS)

$(NB_OUT): $(OBJS)
	@echo "  LD    $@"
	$(Q)$(CC) $(NB_CFLAGS) $(CFLAGS) -o $@ $^ $(LDFLAGS) $(NB_LIBS) $(LDLIBS)

$(BUILD)/%.o: host/%.c $(wildcard host/*.h)
	@mkdir -p $(BUILD)
	@echo "  CC    $<"
	$(Q)$(CC) $(NB_CFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/unit/%: tests/unit/%.c $(CORE) tests/unit/t.h
	@mkdir -p $(BUILD)/unit
	@echo "  CC    $<"
	$(Q)$(CC) $(NB_CFLAGS) $(CFLAGS) -Ihost -o $@ $< $(CORE) $(LDFLAGS) $(NB_LIBS) $(LDLIBS)

units: $(UNITS)

test: deps test-deps $(NB_OUT) units
	$(Q)BUILD=$(BUILD) NB_BIN=$(CURDIR)/$(NB_OUT) sh tests/run.sh

# Everything again under AddressSanitizer and UBSan, in its own build folder.
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
check: deps test-deps
	$(Q)$(MAKE) --no-print-directory BUILD=build-san NB_OUT=build-san/nianbao OPT="-O1 -g" \
	    SAN="$(SANFLAGS)" test

# The main commands under valgrind (memcheck): no invalid access, no leak.
valgrind: all
	$(Q)sh tests/valgrind.sh

demo: all
	$(Q)sh examples/shenhe/demo.sh

bench: all
	$(Q)sh bench/import.sh

clean:
	rm -rf build build-san nianbao out bench/data
