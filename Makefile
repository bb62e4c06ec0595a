# sealmail: one static library per folder, linked into ./sealmail.
# The arrows of DESIGN.md are enforced at link time: a unit test of a folder
# links only that folder and the folders below it.

# Parallel on every core unless -j is given (GNU make 4.3 shows no -j in
# MAKEFLAGS while it reads this file, so make's own command line is read);
# a make started by this one shares its jobs. One short line per step,
# the full commands with V=1.
ifeq ($(MAKELEVEL),0)
ifeq ($(filter -j% --jobs%,$(shell tr '\0' ' ' </proc/$$PPID/cmdline \
    2>/dev/null)),)
MAKEFLAGS	+= -j$(shell nproc 2>/dev/null || echo 1)
endif
endif
ifeq ($(V),1)
Q		=
say		= :
else
Q		= @
say		= printf '  %-3s %s\n'
endif

VERSION		= 0.1.0
PREFIX		?= /usr/local
CC		?= cc

ifdef SANITIZE
VARIANT		= san
SANFLAGS	= -fsanitize=address,undefined -fno-sanitize-recover=undefined \
		  -fno-omit-frame-pointer
OPT		= -O1 -g
else
VARIANT		= rel
SANFLAGS	=
OPT		= -O2 -g
endif
BUILD		?= build
B		= $(BUILD)/$(VARIANT)

WARN		= -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes \
		  -Wmissing-prototypes -Wwrite-strings -Wvla
ifeq ($(CI),true)
WARN		+= -Werror
endif
HARDEN		= -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
CFLAGS		?= $(OPT)
ALLCFLAGS	= -std=c11 -D_GNU_SOURCE -I. $(WARN) $(HARDEN) $(SANFLAGS) \
		  $(CFLAGS) -DSEALMAIL_VERSION='"$(VERSION)"' -pthread
LDFLAGS_ALL	= -pie -Wl,-z,relro -Wl,-z,now $(SANFLAGS) -pthread $(LDFLAGS)

# libetpan's pkg-config output carries a no-PIE link spec: it is linked
# plainly.
PKG		= pkg-config
SECRET_CFLAGS	:= $(shell $(PKG) --cflags libsecret-1 2>/dev/null)
SQLC_CFLAGS	:= $(shell $(PKG) --cflags sqlcipher 2>/dev/null)
CURSES_CFLAGS	:= $(shell $(PKG) --cflags ncursesw 2>/dev/null)
CURSES_LIBS	:= $(shell $(PKG) --libs ncursesw 2>/dev/null)
SSL_LIBS	:= $(shell $(PKG) --libs libssl libcrypto 2>/dev/null)
ZLIB_LIBS	:= $(shell $(PKG) --libs zlib 2>/dev/null || echo -lz)
# PKCS#11: p11-kit's headers only; the module is dlopen'd by the key agent.
P11_CFLAGS	:= $(shell $(PKG) --cflags p11-kit-1 2>/dev/null)
P11_PROXY	:= $(or $(shell $(PKG) --variable=proxy_module p11-kit-1 \
		    2>/dev/null),p11-kit-proxy.so)
# libetpan is linked as a shared library, so that a fix to it (it reads
# what servers and senders write) reaches sealmail with the system's
# update. ETPAN_STATIC=1 links its static archive instead: sealmail uses
# its IMAP, SMTP and MIME parts over its own OpenSSL streams, so GnuTLS,
# Berkeley DB and the libraries they bring (ten of them) are then never
# loaded, 0.9 to 1.2 ms of every process's start (--version 3.4 -> 2.4 ms
# of CPU), at the price of a rebuild for every libetpan fix. Only SASL
# and liblockfile, which the IMAP and SMTP objects call, are linked with
# it: an object that needed GnuTLS or Berkeley DB fails the link.
ETPAN_STATIC	?= 0
ETPAN_A		:= $(shell $(CC) -print-file-name=libetpan.a 2>/dev/null)
ifeq ($(ETPAN_STATIC)$(filter /%,$(ETPAN_A)),1$(ETPAN_A))
ETPAN_LIBS	= -Wl,-Bstatic -letpan -Wl,-Bdynamic -Wl,--as-needed \
		  -llockfile -lsasl2 -Wl,--no-as-needed
else
ETPAN_LIBS	= -letpan
endif
# libsecret (and GLib with it) is not linked: keys/secret.c loads it when
# a Secret Service is to be asked; nor is libunbound (with libevent,
# nettle, hogweed and GMP): net/unbound.c loads it for the first DNS
# lookup; nor libidn2 (with libunistring): base/idn.c loads it for the
# first domain outside ASCII. Their headers are needed to build, their
# packages to run.
EXT_LIBS	= $(ETPAN_LIBS) $(SSL_LIBS) $(ZLIB_LIBS) -lsqlcipher \
		  $(CURSES_LIBS)

CFLAGS_keys	= $(SECRET_CFLAGS)
CFLAGS_store	= $(SQLC_CFLAGS)
CFLAGS_ui	= $(CURSES_CFLAGS)
CFLAGS_app	= $(SECRET_CFLAGS) $(SQLC_CFLAGS) \
		  -DSEALMAIL_P11_PROXY='"$(P11_PROXY)"'
CFLAGS_crypto	= $(P11_CFLAGS)

# Folder -> what it may link, itself first (DESIGN.md's arrows).
DEPS_base	= base
DEPS_mime	= mime base
DEPS_net	= net base
DEPS_store	= store base
DEPS_keys	= keys store net base
DEPS_crypto	= crypto keys store net mime base
DEPS_app	= app crypto keys store net mime base
DEPS_ui		= ui app crypto keys store net mime base
FOLDERS		= base mime net store keys crypto app ui

libsof		= $(foreach d,$(DEPS_$(1)),$(B)/lib$(d).a)

SRCS_ALL	:= $(foreach d,$(FOLDERS),$(filter-out $(d)/main.c,$(wildcard $(d)/*.c)))
OBJS_ALL	:= $(SRCS_ALL:%.c=$(B)/%.o)
UNIT_SRCS	:= $(wildcard tests/unit/test_*.c)
UNIT_BINS	:= $(UNIT_SRCS:%.c=$(B)/%)
TOOL_SRCS	:= $(wildcard tests/tools/*.c)
TOOL_BINS	:= $(TOOL_SRCS:%.c=$(B)/%)

.PHONY: all clean check demo bench install install-man deps unit lab-start lab-stop fuzz lint
.DELETE_ON_ERROR:

all: sealmail

sealmail: $(B)/sealmail
	$(Q)cp $< $@.new && mv -f $@.new $@

$(B)/sealmail: $(B)/ui/main.o $(call libsof,ui)
	@$(say) LD $@
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(EXT_LIBS)

$(B)/%.o: %.c
	@mkdir -p $(@D)
	@$(say) CC $<
	$(Q)$(CC) $(ALLCFLAGS) $(CFLAGS_$(firstword $(subst /, ,$*))) -MMD -MP -c -o $@ $<

define folder_lib
$(B)/lib$(1).a: $(patsubst %.c,$(B)/%.o,$(filter-out $(1)/main.c,$(wildcard $(1)/*.c)))
	@mkdir -p $$(@D)
	@$$(say) AR $$@
	$$(Q)rm -f $$@
	$$(Q)ar rcs $$@ $$^
endef
$(foreach d,$(FOLDERS),$(eval $(call folder_lib,$(d))))

# tests/unit/test_<folder>_<what>.c links <folder> and below; cmocka;
# and tests/unit/lib/unit.c, what the unit tests share.
.SECONDEXPANSION:
folder_of	= $(firstword $(subst _, ,$(1)))
UNIT_LIB	= $(B)/tests/unit/lib/unit.o

# The recipe that links a test program <folder>_<what> from $<: with $(1)
# (what its kind shares), $(2) (what it alone needs), the libraries of its
# folder and those below, and $(3) (libraries from outside).
define link_test
@mkdir -p $(@D)
@$(say) LD $@
$(Q)$(CC) $(ALLCFLAGS) $(CFLAGS_$(call folder_of,$*)) -MMD -MP -o $@ $< \
    $(1) $(2) $(call libsof,$(call folder_of,$*)) $(LDFLAGS_ALL) $(3) \
    $(EXT_LIBS)
endef

$(B)/tests/unit/test_%: tests/unit/test_%.c $(UNIT_LIB) \
    $$(call libsof,$$(call folder_of,$$*)) $$(LIBS_test_$$*)
	$(call link_test,$(UNIT_LIB),$(LIBS_test_$*),-lcmocka)

# A crypto/ test or tool that prints a verdict links app/'s JSON writer.
LIBS_crypto_judge	= $(B)/libapp.a
LIBS_test_crypto_verdict = $(B)/libapp.a

# tests/tools/<folder>_<what>.c: small programs the integration tests drive,
# sharing tests/tools/lib/tool.c (base/ only).
TOOL_LIB	= $(B)/tests/tools/lib/tool.o
$(B)/tests/tools/%: tests/tools/%.c $(TOOL_LIB) \
    $$(call libsof,$$(call folder_of,$$*)) $$(LIBS_$$*)
	$(call link_test,$(TOOL_LIB),$(LIBS_$*))

# A PKCS#11 module for the tests: a SoftHSM2 token that counts wrong PINs
# as a card does. Built without the sanitizers, as any module would be.
P11CARD		= $(B)/tests/tools/p11card.so
$(P11CARD): tests/tools/p11/card.c
	@mkdir -p $(@D)
	$(CC) -std=c11 -D_GNU_SOURCE $(WARN) $(P11_CFLAGS) $(CFLAGS) -fPIC \
	    -shared -o $@ $< -ldl

unit: $(UNIT_BINS) $(TOOL_BINS) $(P11CARD) $(B)/sealmail

deps:
	@sh tests/deps.sh

check: deps
	$(MAKE) SANITIZE=1 unit
	sh tests/run.sh $(BUILD)/san

# The packages first, then the build: in parallel they would race.
demo: deps
	@$(MAKE) --no-print-directory sealmail
	sh tests/lab/demo.sh

# As for demo: the packages first, so that a fresh machine can build.
bench:
	@sh tests/deps.sh bench
	$(MAKE) sealmail build/rel/tests/tools/net_client build/rel/tests/tools/app_storefill \
	    build/rel/tests/tools/app_querytime build/rel/tests/tools/app_keyrate \
	    build/rel/tests/tools/app_threadtime
	bash tests/bench/run.sh

MANDIR		?= $(PREFIX)/share/man

install: sealmail install-man
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 sealmail $(DESTDIR)$(PREFIX)/bin/sealmail

install-man:
	install -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5
	install -m 0644 doc/sealmail.1 $(DESTDIR)$(MANDIR)/man1/sealmail.1
	install -m 0644 doc/sealmail.conf.5 \
	    $(DESTDIR)$(MANDIR)/man5/sealmail.conf.5

lint:
	@sh tests/lint.sh

# A lab to try things by hand: . build/lab/lab.env after lab-start.
lab-start:
	sh tests/lab/start.sh $(CURDIR)/build/lab

lab-stop:
	sh tests/lab/stop.sh $(CURDIR)/build/lab

# fuzz: libFuzzer targets built with clang (-fsanitize=fuzzer,address),
# each from the sources of its folder and the folders below it only:
# judge (parse and judge a message) links crypto/'s reading side, the
# system trust anchors of net/, mime/ and base/; mime links mime/ and
# base/; json (the reader of stored verdicts) links base/; revoke (OCSP
# responses and CRLs, bare or over HTTP) links what judge does and
# net/http.c (with net/dns.c); query (the query language and its SQL)
# links app/query.c, store/query.c and base/; sealed (what an envelope
# holds: each input is signed and encrypted as send does, then judged)
# links what judge does and crypto/protect.c. Each target runs FUZZ_TIME
# seconds (FUZZ_SECONDS, its older name, is still read).
FUZZ_CC		?= clang
FUZZ_TIME	?= $(or $(FUZZ_SECONDS),600)
FUZZ_DIR	= $(BUILD)/fuzz
FUZZ_CFLAGS	= -std=c11 -D_GNU_SOURCE -I. -g -O1 -fno-omit-frame-pointer \
		  -fsanitize=fuzzer,address,undefined \
		  -fno-sanitize-recover=undefined $(P11_CFLAGS)
FUZZ_MIME_SRCS	= mime/parse.c mime/header.c mime/canon.c mime/hp.c mime/html.c \
		  mime/build.c mime/field.c mime/compose.c mime/read.c \
		  mime/flowed.c \
		  $(wildcard base/*.c)
# Seeds: our fixtures, and the interop corpora where they are published
# beside the repository (tests/run.sh reads them from the same place).
INTEROP		= $(or $(SEALMAIL_INTEROP),../shared/interop)
FUZZ_SEEDS	= tests/data/smime $(wildcard $(INTEROP)/thunderbird \
		  $(INTEROP)/johnny $(INTEROP)/lamps)
FUZZ_JUDGE_SRCS	= crypto/cms.c crypto/chain.c crypto/cert.c crypto/verdict.c \
		  crypto/hp.c crypto/revoke.c crypto/keyop.c crypto/pkcs11.c \
		  app/verdict-json.c net/anchors.c keys/x509.c $(FUZZ_MIME_SRCS)
FUZZ_REVOKE_SRCS = net/http.c net/dns.c net/unbound.c $(FUZZ_JUDGE_SRCS)
FUZZ_SEALED_SRCS = crypto/protect.c $(FUZZ_JUDGE_SRCS)

$(FUZZ_DIR)/mime: tests/fuzz/mime.c $(FUZZ_MIME_SRCS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $^ -letpan

# agent: the key agent's request reader and what it runs (app/, crypto/'s
# key operations, keys/' unsealing and the store that keys/ links).
FUZZ_AGENT_SRCS	= app/agent-serve.c crypto/keyop.c crypto/pkcs11.c \
		  keys/seal.c $(wildcard store/*.c) $(wildcard base/*.c)

$(FUZZ_DIR)/agent: tests/fuzz/agent.c $(FUZZ_AGENT_SRCS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(SQLC_CFLAGS) -o $@ $^ -lsqlcipher \
	    $(SSL_LIBS)

FUZZ_QUERY_SRCS	= app/query.c store/query.c $(wildcard base/*.c)

$(FUZZ_DIR)/query: tests/fuzz/query.c $(FUZZ_QUERY_SRCS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(SQLC_CFLAGS) -o $@ $^

# addrbook: the alias file and query-command readers (app/addrbook.c,
# whose stored-address walk links store/).
FUZZ_ADDRBOOK_SRCS = app/addrbook.c $(wildcard store/*.c) $(wildcard base/*.c)

$(FUZZ_DIR)/addrbook: tests/fuzz/addrbook.c $(FUZZ_ADDRBOOK_SRCS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(SQLC_CFLAGS) -o $@ $^ -lsqlcipher

$(FUZZ_DIR)/judge: tests/fuzz/judge.c tests/fuzz/common.c $(FUZZ_JUDGE_SRCS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $^ -letpan $(SSL_LIBS) $(ZLIB_LIBS)

$(FUZZ_DIR)/sealed: tests/fuzz/sealed.c tests/fuzz/common.c \
    $(FUZZ_SEALED_SRCS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $^ -letpan $(SSL_LIBS) $(ZLIB_LIBS)

$(FUZZ_DIR)/json: tests/fuzz/json.c $(wildcard base/*.c)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $^

$(FUZZ_DIR)/revoke: tests/fuzz/revoke.c $(FUZZ_REVOKE_SRCS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $^ -letpan $(SSL_LIBS) \
	    $(ZLIB_LIBS)

FUZZERS		= mime judge json revoke agent query sealed addrbook

# $(call fuzz_run,NAME,MAX_LEN,DICT,SEEDS): the fuzzer NAME for FUZZ_TIME
# seconds on its corpus, inputs up to MAX_LEN bytes, with the dictionary
# tests/fuzz/DICT.dict (none when empty), seeded from SEEDS.
fuzz_run	= $(FUZZ_DIR)/$(1) -max_total_time=$(FUZZ_TIME) -max_len=$(2) \
		  $(if $(3),-dict=tests/fuzz/$(3).dict) -print_final_stats=1 \
		  $(FUZZ_DIR)/corpus-$(1) $(4)

fuzz: $(addprefix $(FUZZ_DIR)/,$(FUZZERS))
	@mkdir -p $(addprefix $(FUZZ_DIR)/corpus-,$(FUZZERS))
	$(call fuzz_run,mime,65536,judge,$(FUZZ_SEEDS) tests/data/hp)
	$(call fuzz_run,judge,65536,judge,$(FUZZ_SEEDS) tests/data/hp)
	$(call fuzz_run,sealed,16384,judge,tests/fuzz/sealed)
	$(call fuzz_run,json,65536,,)
	$(call fuzz_run,revoke,65536,revoke,tests/data/revoke/seeds)
	$(call fuzz_run,agent,17000,,tests/fuzz/agent)
	$(call fuzz_run,query,8192,query,)
	$(call fuzz_run,addrbook,8192,,)

clean:
	rm -rf build sealmail

-include $(OBJS_ALL:.o=.d) $(B)/ui/main.d $(UNIT_BINS:=.d) $(TOOL_BINS:=.d)
