# nianbao - build, test, demo. Quiet unless V=1.
#
# The core (host/*.c but main.c and lua_*.c) is plain C without Lua: it is
# built and unit-tested on its own (tests/unit/ link the core objects only).
# The Lua side (main.c and the lua_*.c bindings) links the core and Lua.
CORE_PKGS := sqlite3 minizip libdeflate expat nettle jansson
# libxlsxwriter writes the XLSX inputs of the reader's unit tests and of bench/ (a writer
# independent of ours, host/export_xlsx.c): the tests' package, not the command's.
TEST_PKGS := xlsxwriter
# Reading published pages and writing PDF: two modules of their own, nianbao-read.so
# (libxml2, poppler) and nianbao-publish.so (Pango, Cairo), which the command opens only
# when one of them is used (host/publish.h: these libraries cost about 25 ms at every
# start). The unit tests and the fuzz targets link both in.
PUB_PKGS  := libxml-2.0 poppler-glib
LUA_PKGS  := lua5.4
DEBS     := liblua5.4-dev libsqlite3-dev libminizip-dev libdeflate-dev libexpat1-dev nettle-dev libjansson-dev libxml2-dev libpoppler-glib-dev libpango1.0-dev libcairo2-dev libharfbuzz-dev libfontconfig-dev fonts-noto-cjk pkg-config
TESTDEBS := libxlsxwriter-dev sqlite3 python3 python3-openpyxl python3-docx poppler-utils libreoffice-writer-nogui valgrind groff-base strace
CC       ?= cc
CSTD     := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
WARN     := -Wall -Wextra -Wshadow -Wmissing-prototypes -Wstrict-prototypes
OPT      ?= -O2 -g
SAN      ?=
# Every object waits for `deps` (order-only), so that `make -j` on a fresh machine compiles
# nothing before the packages are installed.
# Our flags stay even when CFLAGS or LDLIBS are given on the command line
# (they are evaluated when used: after `deps` has installed pkg-config).
BASE_CFLAGS = $(CSTD) $(WARN) $(OPT) $(SAN) -MMD -MP
# The PDF exporter needs Pango and Cairo; a build without them still has every other
# exporter, and --to pdf names the packages to install (export_pdf.c).
PDF_PKGS   := pangocairo pangoft2 cairo-pdf fontconfig harfbuzz-subset
PDF_OK      = $(shell pkg-config --exists $(PDF_PKGS) && echo yes)
PDF_CFLAGS  = $(if $(PDF_OK),-DNB_HAVE_PDF $(shell pkg-config --cflags $(PDF_PKGS)))
PDF_LIBS    = $(if $(PDF_OK),$(shell pkg-config --libs $(PDF_PKGS)))
CORE_CFLAGS = $(BASE_CFLAGS) $(shell pkg-config --cflags $(CORE_PKGS) $(PUB_PKGS)) $(PDF_CFLAGS)
LUA_CFLAGS  = $(CORE_CFLAGS) $(shell pkg-config --cflags $(LUA_PKGS))
CORE_LIBS   = $(shell pkg-config --libs $(CORE_PKGS)) -lm -pthread
READ_LIBS   = $(shell pkg-config --libs $(PUB_PKGS))
PUB_LIBS    = $(READ_LIBS) $(PDF_LIBS)
TEST_CFLAGS = $(shell pkg-config --cflags $(TEST_PKGS))
TEST_LIBS   = $(shell pkg-config --libs $(TEST_PKGS))
LUA_LIBS    = $(shell pkg-config --libs $(LUA_PKGS)) $(CORE_LIBS)
# The command gives the module its core functions (nb_*) and opens it with dlopen.
EXE_LDFLAGS = -Wl,--export-dynamic-symbol='nb_*' -ldl
# The command links Lua, SQLite and the core's libraries statically (Debian's .a files,
# in the same -dev packages): loading and relocating nine shared libraries was 2 ms of
# every command's start (8.1 -> 6.0 ms for --version, by hand). Rebuild after a security
# update of one of them. The C library stays shared; the module, tests and fuzz targets
# link as before. STATIC= (empty) links the command against the shared libraries (after
# `make clean`: the flags are not a prerequisite).
STATIC     ?= yes
STATIC_LIBS = $(filter-out -lm -ldl -lpthread,$(shell pkg-config --static --libs-only-l $(LUA_PKGS) $(CORE_PKGS)))
STATIC_LINK = -Wl,-Bstatic $(STATIC_LIBS) -Wl,-Bdynamic -lm -ldl -pthread
EXE_LIBS    = $(if $(STATIC),$(STATIC_LINK),$(LUA_LIBS))
BUILD    ?= build
Q        := $(if $(V),,@)

LUA_SRCS  := host/main.c $(wildcard host/lua_*.c)
READ_SRCS := host/html.c host/pdf.c
PDFW_SRCS := host/export_pdf.c host/pdf_fonts.c
PUB_SRCS  := $(READ_SRCS) $(PDFW_SRCS)
CORE_SRCS := $(filter-out $(LUA_SRCS) $(PUB_SRCS) host/publish.c host/publish_lib.c host/read_lib.c,$(wildcard host/*.c))
CORE     := $(CORE_SRCS:host/%.c=$(BUILD)/core/%.o)
# the modules' objects, which the unit tests and the fuzz targets link in
PUB      := $(PUB_SRCS:host/%.c=$(BUILD)/core/%.o)
MOD_LIBS  = $(PUB_LIBS)
PUBPIC   := $(PDFW_SRCS:host/%.c=$(BUILD)/pic/%.o) $(BUILD)/pic/publish_lib.o
READPIC  := $(READ_SRCS:host/%.c=$(BUILD)/pic/%.o) $(BUILD)/pic/read_lib.o
LOADER   := $(BUILD)/core/publish.o
LUAOBJS  := $(LUA_SRCS:host/%.c=$(BUILD)/lua/%.o)
UNITS    := $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(wildcard tests/unit/test_*.c))

NB_OUT   ?= nianbao
MODULE   := $(dir $(NB_OUT))nianbao-publish.so
READMOD  := $(dir $(NB_OUT))nianbao-read.so

# The program's Lua files compiled to bytecode, which the command loads instead of
# compiling the sources each time (tools/luacomp.c; host/lua_runtime.c, load_compiled).
LUA_FILES := $(wildcard lib/*.lua scripts/*.lua scripts/*/*.lua)
COMPILED  := $(LUA_FILES:%.lua=compiled/%.luac) compiled/all.luab
LUACOMP   := $(BUILD)/luacomp

# A test build whose catalogue has one more kind and one more national value, with
# the migration step that adds them (NB_TEST_CATALOGUE in codes.c and store.c):
# tests/cli/test_migrate.sh shows an older store brought up to date by it.
CATDIR   := $(BUILD)/catalogue-test
CATOBJS  := $(CATDIR)/codes.o $(CATDIR)/store.o
TESTCAT  := $(CATDIR)/nianbao

PREFIX   ?= /usr/local
DESTDIR  ?=
REFS     := records formats narrative

FUZZDEBS := clang libclang-rt-14-dev
FUZZ_SECONDS ?= 60
FUZZ     := build-fuzz
FUZZ_TARGETS := csv xlsx xmlscan mapping narrative html docx pdf lint
FUZZ_CFLAGS = $(CSTD) -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined \
              -fno-sanitize-recover=undefined -MMD -MP $(shell pkg-config --cflags $(CORE_PKGS) $(TEST_PKGS) $(PUB_PKGS) $(LUA_PKGS))
FUZZ_LINK = -fsanitize=fuzzer,address,undefined

.PHONY: all deps test-deps fuzz-deps units test check valgrind demo demo-city bench clean docs install fuzz
all: deps $(NB_OUT) $(MODULE) $(READMOD) $(COMPILED)

# Missing Debian packages: install them as root, otherwise say the exact command.
deps:
	$(Q)sh tools/deps.sh $(DEBS)

# What the tests use beyond the build: the sqlite3 shell and openpyxl.
test-deps:
	$(Q)sh tools/deps.sh $(TESTDEBS)

# The debugging information of the command and its modules goes into FILE.debug beside
# each (gdb, valgrind and perf find it there by the file's .gnu_debuglink; the functions'
# names stay in the file, for an installed one without it): a command started after its
# pages left the cache (this machine drops what nobody touched for a minute) reads its
# whole file at the first page fault, read-ahead being 8 MB: 4.2 MB with it, 2.7 MB
# without, about 1 ms less (6 ms on a first read from the host's disk). SPLIT_DEBUG=
# (empty) keeps it inside; the sanitizer build does. A recipe that fails removes its
# target (.DELETE_ON_ERROR): a link whose split failed is made again by the next make.
SPLIT_DEBUG ?= yes
OBJCOPY     ?= objcopy
split_debug = $(if $(SPLIT_DEBUG),$(OBJCOPY) --only-keep-debug $1 $1.debug && \
              $(OBJCOPY) --strip-debug --add-gnu-debuglink=$1.debug $1)
.DELETE_ON_ERROR:

$(NB_OUT): $(LUAOBJS) $(CORE) $(LOADER)
	@echo "  LD    $@"
	$(Q)$(CC) $(LUA_CFLAGS) $(CFLAGS) -o $@ $^ $(LDFLAGS) $(EXE_LDFLAGS) $(EXE_LIBS) $(LDLIBS)
	$(Q)$(call split_debug,$@)

$(MODULE): $(PUBPIC)
	@echo "  LD    $@"
	$(Q)$(CC) $(CORE_CFLAGS) $(CFLAGS) -shared -Wl,-Bsymbolic -o $@ $^ $(LDFLAGS) $(PDF_LIBS) -lm $(LDLIBS)
	$(Q)$(call split_debug,$@)

$(READMOD): $(READPIC)
	@echo "  LD    $@"
	$(Q)$(CC) $(CORE_CFLAGS) $(CFLAGS) -shared -Wl,-Bsymbolic -o $@ $^ $(LDFLAGS) $(READ_LIBS) -lm $(LDLIBS)
	$(Q)$(call split_debug,$@)

$(LUACOMP): tools/luacomp.c $(BUILD)/core/bundle.o $(BUILD)/core/files.o $(BUILD)/core/util.o | deps
	@mkdir -p $(@D)
	@echo "  CC    $<"
	$(Q)$(CC) $(BASE_CFLAGS) -Ihost $(shell pkg-config --cflags $(LUA_PKGS)) $(CFLAGS) -o $@ $^ $(LDFLAGS) $(shell pkg-config --libs $(LUA_PKGS))

compiled/%.luac: %.lua $(LUACOMP)
	$(Q)$(LUACOMP) $(CURDIR) $< $@

# All of them in one file, which a command reads at once (host/bundle.h): cold, some
# twenty files were as many reads from the disk.
compiled/all.luab: $(LUA_FILES:%.lua=compiled/%.luac) $(LUACOMP)
	$(Q)$(LUACOMP) --bundle $@ compiled $(LUA_FILES)

$(BUILD)/pic/%.o: host/%.c | deps
	@mkdir -p $(@D)
	@echo "  CC    $< (module)"
	$(Q)$(CC) $(CORE_CFLAGS) $(CFLAGS) -fPIC -c -o $@ $<

$(LOADER): EXTRA_CFLAGS = -DNB_LIBDIR='"$(PREFIX)/lib/nianbao"'
# The packed columns' decoding loops made vector instructions (-O2 makes them only when no
# scalar loop is left over): a report's decoding in about half the instructions.
$(BUILD)/core/pack.o: EXTRA_CFLAGS = -fvect-cost-model=dynamic

$(BUILD)/core/%.o: host/%.c | deps
	@mkdir -p $(@D)
	@echo "  CC    $<"
	$(Q)$(CC) $(CORE_CFLAGS) $(CFLAGS) $(EXTRA_CFLAGS) -c -o $@ $<

$(BUILD)/lua/%.o: host/%.c | deps
	@mkdir -p $(@D)
	@echo "  CC    $<"
	$(Q)$(CC) $(LUA_CFLAGS) $(CFLAGS) -DNB_HOME='"$(PREFIX)/share/nianbao"' -c -o $@ $<

# Unit tests of the core: no Lua is linked.
$(BUILD)/unit/%: tests/unit/%.c $(CORE) $(PUB) | test-deps
	@mkdir -p $(@D)
	@echo "  CC    $<"
	$(Q)$(CC) $(CORE_CFLAGS) $(TEST_CFLAGS) $(CFLAGS) -Ihost -o $@ $< $(CORE) $(PUB) $(LDFLAGS) $(CORE_LIBS) $(MOD_LIBS) $(TEST_LIBS) $(LDLIBS)

# The pool's test links pool.o alone, as the command links no C++: a library that
# allocates before main (libstdc++'s pool of exceptions, through poppler's) leaves a heap
# there, and nb_memory_setup's huge pages were tested on another heap than the command's.
$(BUILD)/unit/test_pool: tests/unit/test_pool.c $(BUILD)/core/pool.o | test-deps
	@mkdir -p $(@D)
	@echo "  CC    $<"
	$(Q)$(CC) $(BASE_CFLAGS) $(CFLAGS) -Ihost -o $@ $< $(BUILD)/core/pool.o $(LDFLAGS) $(LDLIBS)

-include $(CORE:.o=.d) $(PUB:.o=.d) $(PUBPIC:.o=.d) $(READPIC:.o=.d) $(LOADER:.o=.d) $(LUAOBJS:.o=.d) $(UNITS:=.d)

$(CATDIR)/%.o: host/%.c | deps
	@mkdir -p $(@D)
	@echo "  CC    $< (test catalogue)"
	$(Q)$(CC) $(CORE_CFLAGS) $(CFLAGS) -DNB_TEST_CATALOGUE -c -o $@ $<

$(TESTCAT): $(LUAOBJS) $(filter-out $(BUILD)/core/codes.o $(BUILD)/core/store.o,$(CORE)) $(CATOBJS) $(LOADER)
	@echo "  LD    $@"
	$(Q)$(CC) $(LUA_CFLAGS) $(CFLAGS) -o $@ $^ $(LDFLAGS) $(EXE_LDFLAGS) $(EXE_LIBS) $(LDLIBS)

-include $(CATOBJS:.o=.d)

units: $(UNITS) $(TESTCAT)

test: deps test-deps $(NB_OUT) $(MODULE) $(READMOD) $(COMPILED) $(LUACOMP) units
	$(Q)BUILD=$(BUILD) NB_BIN=$(CURDIR)/$(NB_OUT) NB_TESTCAT_BIN=$(CURDIR)/$(TESTCAT) sh tests/run.sh

# Everything again under AddressSanitizer and UBSan, in its own build folder.
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
check: deps test-deps
	$(Q)$(MAKE) --no-print-directory BUILD=build-san NB_OUT=build-san/nianbao OPT="-O1 -g" \
	    SAN="$(SANFLAGS)" SPLIT_DEBUG= test

# The main commands under valgrind (memcheck): no invalid access, no leak.
valgrind: all
	$(Q)sh tests/valgrind.sh

demo: all
	$(Q)sh examples/shenhe/demo.sh

# The example city: 13 bodies, about 200,000 requests, 2019-2024, every report regenerated.
demo-city: all
	$(Q)sh examples/city/demo.sh

bench: all test-deps
	$(Q)sh bench/import.sh
	$(Q)sh bench/regen.sh
	$(Q)sh bench/scale.sh
	$(Q)sh bench/lint.sh

# The reference pages, made from their owners (tests/cli/test_docs.sh checks them).
docs: all
	$(Q)for p in $(REFS); do NIANBAO_HOME=$(CURDIR) ./$(NB_OUT) run tools/reference.lua $$p >docs/$$p.md || exit 1; done
	@echo "  DOCS  $(REFS:%=docs/%.md)"

# The binary, the scripts and libraries under share/nianbao, and the man page made
# from the command table.
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/nianbao $(DESTDIR)$(PREFIX)/share/nianbao $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(NB_OUT) $(DESTDIR)$(PREFIX)/bin/nianbao
	install -m 644 $(MODULE) $(DESTDIR)$(PREFIX)/lib/nianbao/nianbao-publish.so
	install -m 644 $(READMOD) $(DESTDIR)$(PREFIX)/lib/nianbao/nianbao-read.so
	cp -R scripts lib $(DESTDIR)$(PREFIX)/share/nianbao/
	for f in $(LUA_FILES); do $(LUACOMP) $(PREFIX)/share/nianbao $$f $(DESTDIR)$(PREFIX)/share/nianbao/compiled/$${f}c || exit 1; done
	$(LUACOMP) --bundle $(DESTDIR)$(PREFIX)/share/nianbao/compiled/all.luab $(DESTDIR)$(PREFIX)/share/nianbao/compiled $(LUA_FILES)
	NIANBAO_HOME=$(CURDIR) ./$(NB_OUT) help --man >$(DESTDIR)$(PREFIX)/share/man/man1/nianbao.1

# libFuzzer (Debian's clang): the CSV and XLSX readers, the XML scanner against expat, the
# mapping loader with the coder,
# and the narrative loader, each for FUZZ_SECONDS from the seeds in tests/fuzz/seeds/. A
# finding stops it and is left in build-fuzz/ (crash-*); add it to tests/fuzz/regress/.
fuzz-deps:
	$(Q)sh tools/deps.sh $(FUZZDEBS)

$(FUZZ)/obj/%.o: host/%.c
	@mkdir -p $(@D)
	@echo "  CC    $< (fuzz)"
	$(Q)clang $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ)/fuzz_%.o: tests/fuzz/fuzz_%.c
	@mkdir -p $(@D)
	@echo "  CC    $<"
	$(Q)clang $(FUZZ_CFLAGS) -Ihost -c -o $@ $<

$(FUZZ)/fuzz_xlsx.o: tests/fuzz/fuzz_reader.c
	@mkdir -p $(@D)
	$(Q)clang $(FUZZ_CFLAGS) -DFUZZ_XLSX -Ihost -c -o $@ $<

$(FUZZ)/fuzz_csv.o: tests/fuzz/fuzz_reader.c
	@mkdir -p $(@D)
	$(Q)clang $(FUZZ_CFLAGS) -Ihost -c -o $@ $<

$(FUZZ)/fuzz_html.o: tests/fuzz/fuzz_lines.c
	@mkdir -p $(@D)
	$(Q)clang $(FUZZ_CFLAGS) -Ihost -c -o $@ $<

$(FUZZ)/fuzz_docx.o: tests/fuzz/fuzz_lines.c
	@mkdir -p $(@D)
	$(Q)clang $(FUZZ_CFLAGS) -DFUZZ_DOCX -Ihost -c -o $@ $<

$(FUZZ)/fuzz_pdf.o: tests/fuzz/fuzz_lines.c
	@mkdir -p $(@D)
	$(Q)clang $(FUZZ_CFLAGS) -DFUZZ_PDF -Ihost -c -o $@ $<

$(FUZZ)/fuzz_lint.o: tests/fuzz/fuzz_narrative.c
	@mkdir -p $(@D)
	$(Q)clang $(FUZZ_CFLAGS) -DFUZZ_SCRIPT=\"lint\" -Ihost -c -o $@ $<

FUZZ_CORE := $(CORE_SRCS:host/%.c=$(FUZZ)/obj/%.o) $(PUB_SRCS:host/%.c=$(FUZZ)/obj/%.o)
FUZZ_LUA  := $(filter-out $(FUZZ)/obj/main.o,$(LUA_SRCS:host/%.c=$(FUZZ)/obj/%.o))

$(FUZZ)/fuzz_csv $(FUZZ)/fuzz_xlsx $(FUZZ)/fuzz_xmlscan $(FUZZ)/fuzz_html $(FUZZ)/fuzz_docx $(FUZZ)/fuzz_pdf: $(FUZZ)/fuzz_%: $(FUZZ)/fuzz_%.o $(FUZZ_CORE)
	$(Q)clang $(FUZZ_LINK) -o $@ $^ $(CORE_LIBS) $(MOD_LIBS)

$(FUZZ)/fuzz_mapping $(FUZZ)/fuzz_narrative $(FUZZ)/fuzz_lint: $(FUZZ)/fuzz_%: $(FUZZ)/fuzz_%.o $(FUZZ_CORE) $(FUZZ_LUA)
	$(Q)clang $(FUZZ_LINK) -o $@ $^ $(LUA_LIBS) $(MOD_LIBS)

-include $(FUZZ_CORE:.o=.d) $(FUZZ_LUA:.o=.d)

fuzz: deps fuzz-deps $(FUZZ_TARGETS:%=$(FUZZ)/fuzz_%)
	$(Q)for t in $(FUZZ_TARGETS); do \
	    mkdir -p $(FUZZ)/corpus-$$t; cp -n tests/fuzz/seeds/$$t/* tests/fuzz/regress/$$t/* $(FUZZ)/corpus-$$t/ 2>/dev/null; \
	    echo "  FUZZ  $$t for $(FUZZ_SECONDS) s"; \
	    NIANBAO_HOME=$(CURDIR) ASAN_OPTIONS=detect_leaks=1 $(FUZZ)/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) \
	        -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
	        -artifact_prefix=$(FUZZ)/crash-$$t- $(FUZZ)/corpus-$$t >$(FUZZ)/$$t.log 2>&1 \
	        || { tail -40 $(FUZZ)/$$t.log; echo "fuzz: $$t found a problem (see $(FUZZ)/crash-$$t-*)"; exit 1; }; \
	    grep -E "stat::number_of_executed_units|cov:" $(FUZZ)/$$t.log | tail -2; \
	done

clean:
	rm -rf build build-san build-fuzz nianbao nianbao.debug nianbao-publish.so nianbao-publish.so.debug nianbao-read.so nianbao-read.so.debug compiled out bench/data
