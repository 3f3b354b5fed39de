# Benchmarks: built by 'make bench', run by hand or scripts/bench; they print
# figures and ratios against an anchor measured in the same run.  They are
# EXTRA_PROGRAMS: 'make all' does not build them.  Add a program with
#   BENCH_PROGS += bench/NAME
# and its bench_NAME_SOURCES/_LDADD below.
BENCH_PROGS = bench/term-ingest
EXTRA_PROGRAMS = $(BENCH_PROGS)
CLEANFILES += $(BENCH_PROGS)

bench_term_ingest_SOURCES = bench/term-ingest.c
bench_term_ingest_LDADD = libterm.la libutil.la $(VTERM_LIBS)

bench: $(BENCH_PROGS)
.PHONY: bench

# ---- TUI benchmarks (bench/tui.sh): the client harness and a console
# program that echoes keys; owned by the TUI's engineer.
BENCH_PROGS += bench/tui-bench bench/tui-echo
bench_tui_bench_SOURCES = bench/tui-bench.c
bench_tui_bench_LDADD = libterm.la libutil.la $(VTERM_LIBS) -lutil
bench_tui_echo_SOURCES = bench/tui-echo.c
EXTRA_DIST += bench/tui.sh bench/fleet.sh bench/hosts.sh
