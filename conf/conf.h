/* conf/: instance and global configuration, read from files in the
 * shell-variable form of Gentoo's conf.d/uml.<machine> files into plain
 * structs.  Every error names FILE:LINE.  Pure: no processes, sockets or
 * curses; the only system calls are reading files and looking up users and
 * file access for validation.  Includes nothing of the other directories
 * but lib/ (DESIGN.md, "Directories and modules"): uml/, server/, cli/ and
 * tui/ read their settings through it. */
#ifndef UMLTOP_CONF_H
#define UMLTOP_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CONF_GLOBAL_FILE "umltop.conf" /* global settings inside a config dir */
#define CONF_DEFAULT_HALT_TIMEOUT 60   /* seconds, as the old init scripts */
/* BOOT_NICE: how much lower a booting guest runs than the server (nice
 * steps, 0-19; 0 = as the server).  A fleet that boots at once keeps
 * every CPU busy; the guests already up, the server and the TUI stay
 * ahead of the boot (issue 17: keystroke p99 while 64 boot). */
#define CONF_DEFAULT_BOOT_NICE 10
/* BOOT_MAX unset: this many instances booting at once per online CPU.
 * Boots are CPU-bound: more at once boot no sooner, and every booting
 * guest is one more runnable group that a typed key's wake-ups wait
 * behind.  bench/fleet.sh, 64 UMLs on 2 CPUs, keystroke p99 while they
 * boot and the time until all run: all at once 56-64 ms, 22 s; 8 at a
 * time 27 ms, 18 s; 6: 19 ms, 21 s; 4: 9 ms, 36 s. */
#define CONF_BOOT_MAX_PER_CPU 3
#define CONF_DEFAULT_READY "([#$] |login: )$"
#define CONF_DEFAULT_ALERT "Kernel panic|Oops|BUG:|segfault"
#define CONF_TAG_MAX 32   /* one tag's characters */
#define CONF_TAGS_MAX 127 /* all of an instance's, with their spaces */

/* One instance, with every default resolved.  Strings are owned.  A key set
 * to "" counts as unset (its default applies), except SWAP="" which turns
 * the derived swap.loop off. */
struct conf_instance {
	char *name;   /* file name less ".conf", or less "uml." */
	char *file;   /* the file it was read from */
	char *umldir; /* UMLDIR, may be NULL when KERNEL and ROOT are given */
	char *kernel; /* KERNEL, default $UMLDIR/$NAME/linux */
	char *root;   /* ROOT, default $UMLDIR/$NAME/root.loop */
	char *swap;   /* SWAP, default $UMLDIR/$NAME/swap.loop if it exists;
		       * ROOT and SWAP may be "COW,BACKING" as ubd takes them */
	char *umid;   /* UMID, default NAME */
	char *user;   /* USER, NULL if unset */
	uid_t uid;    /* resolved USER; without USER the invoking user.  Only
		       * a root server switches to it (a user's server runs
		       * every instance as that user; check warns) */
	gid_t gid;
	uint64_t memory;       /* MEMORY in bytes; 0 = kernel default */
	char **net;            /* NET words, NULL-terminated */
	size_t nnet;
	char **args;           /* ARGS split into words, NULL-terminated */
	size_t nargs;
	char *bridge;          /* BRIDGE, NULL if unset */
	char **sw;             /* SWITCH words, NULL-terminated: one interface
				* on each switch, after the NET ones */
	size_t nsw;
	char **tags;           /* TAGS words, NULL-terminated (conf_tag_ok) */
	size_t ntags;
	char *log;             /* LOG: console log path, NULL = default */
	char *ready;           /* READY: POSIX ERE matched against the cursor line */
	char *alert;           /* ALERT: POSIX ERE over each clean console line;
				* "" matches nothing */
	bool mon_activity;     /* MONITOR=activity: output after a quiet spell */
	unsigned mon_silence;  /* MONITOR=silence:S: no output for S seconds; 0 off */
	unsigned halt_timeout; /* HALT_TIMEOUT in seconds */
	unsigned boot_nice;    /* BOOT_NICE, 0-19: nice steps while starting */
	bool autostart;        /* AUTOSTART, default yes: a configured
				* instance starts with the server */
	int line;              /* first line of the file, for messages */
};

/* Settings that are not per instance, from CONF_GLOBAL_FILE. Instance keys
 * in that file are defaults for every instance. */
struct conf_global {
	char *file;              /* where they came from, NULL = built-in */
	char *prefix;            /* PREFIX key in the TUI, default "C-a".  Keys
				  * are checked as [C-|M-|S-]...X with X one
				  * printable character or a name (Enter, Tab,
				  * Space, Escape, BSpace, Up, Down, Left,
				  * Right, Home, End, PgUp, PgDn, IC, DC,
				  * F1-F12), or ^X */
	unsigned poll_ms;        /* POLL_INTERVAL, default 1000 */
	int boot_max;            /* BOOT_MAX, instances booting at once: 0 no
				  * limit; -1 unset: CONF_BOOT_MAX_PER_CPU a CPU */
	unsigned scrollback;     /* SCROLLBACK lines, default 10000 */
	uint64_t log_max;        /* LOG_MAX bytes before rotation, default 16M */
	char **bind;             /* BIND_<ACTION>="KEY" pairs: action, key, ... NULL;
				  * action is ACTION lower-cased
				  * (BIND_HALT_ALL -> "halt_all"); any ACTION
				  * is accepted: the TUI judges the names */
	size_t nbind;            /* pairs, not strings */
	bool alert_bell;         /* ALERT_BELL: the TUI rings at an alert, default yes */
};

struct conf {
	struct conf_instance **inst;
	size_t ninst;
	struct conf_global global;
	char **warnings; /* "FILE:LINE: warning: ..." (e.g. an instance that runs as root) */
	size_t nwarnings;
};

/* All errors of one load, each "FILE:LINE: message", in file order. */
struct conf_errors {
	char **msg;
	size_t n;
};

/* Load every instance file found in paths (directories or files). An empty
 * list means conf_default_path().  Returns 0 and *out when valid; otherwise
 * the number of errors (all of them, one pass) with *out NULL. */
int conf_load(const char *const *paths, size_t npaths, struct conf **out,
	      struct conf_errors *errs);
void conf_free(struct conf *c);
void conf_errors_free(struct conf_errors *e);

/* Only the global settings, for a client that runs no instance (the TUI):
 * the global file conf_load would read from paths (none: the defaults),
 * no instance file opened.  *out is always filled, a value in error
 * replaced by its default; returns the number of errors of that file
 * (each "FILE:LINE: message" in errs), 0 when it is valid. */
int conf_load_global(const char *const *paths, size_t npaths, struct conf_global *out,
		     struct conf_errors *errs);
void conf_global_free(struct conf_global *g);

/* Where configuration is looked for when no -c is given:
 * $UMLTOP_CONFIG, else $XDG_CONFIG_HOME/umltop (or ~/.config/umltop),
 * else /etc/umltop.  Returns a static string. */
const char *conf_default_path(void);

const struct conf_instance *conf_find(const struct conf *c, const char *name);

/* The runtime paths of one instance under the server's runtime dir. */
struct conf_paths {
	char *uml_dir;   /* RUNDIR/uml: UML makes uml_dir/UMID/{mconsole,pid} */
	char *notify;    /* RUNDIR/notify/NAME: our notify socket */
	char *hostfs;    /* RUNDIR/hostfs/NAME: the empty dir hostfs= confines to */
	char *mconsole;  /* uml_dir/UMID/mconsole */
	char *pidfile;   /* uml_dir/UMID/pid */
	char **sw_ctl;   /* RUNDIR/switch/NAME/ctl for each SWITCH word, the
			  * uml_switch control sockets, NULL-terminated (NULL
			  * without SWITCH) */
};
void conf_paths(const struct conf_instance *in, const char *rundir,
		struct conf_paths *out);
void conf_paths_free(struct conf_paths *p);
/* RUNDIR/switch/NAME/ctl, malloc'd: where a switch's uml_switch listens. */
char *conf_switch_ctl(const char *rundir, const char *name);

/* The exact argv the launcher runs, NULL-terminated (DESIGN, "Launching"):
 * KERNEL umid= uml_dir= mem= ubd0= [ubd1=] root=/dev/ubda con0=fd:0,fd:1
 * con=null ssl=null hostfs= eth<i>=... mconsole=notify:SOCK ARGS...
 * Free with conf_argv_free. */
/* MONITOR's words: "activity", "silence:SECONDS"; false on another word. */
bool conf_monitor(const char *v, bool *activity, unsigned *silence);
/* A tag (TAGS, ctl tag): 1 to CONF_TAG_MAX of A-Z a-z 0-9 _ . - */
bool conf_tag_ok(const char *t);
char **conf_argv(const struct conf_instance *in, const char *rundir);
void conf_argv_free(char **argv);

/* Parse a size such as 128MB, 128M, 1G, 65536K or 4096 into bytes;
 * 0 or -EINVAL. */
int conf_parse_size(const char *s, uint64_t *bytes);

/* Pure parser over a buffer, for the file loader, tests and the fuzzer:
 * calls kv(key, value, line, arg) for each assignment and err(line, msg,
 * arg) for each syntax error.  Returns the number of syntax errors. */
typedef void (*conf_kv_fn)(const char *key, const char *value, int line, void *arg);
typedef void (*conf_err_fn)(int line, const char *msg, void *arg);
int conf_parse_buf(const char *text, size_t len, conf_kv_fn kv, conf_err_fn err,
		   void *arg);

/* conf_parse_buf, with lookup(name, arg) asked for a $NAME or ${NAME} that
 * the buffer has not set itself (the loader answers with the global
 * defaults and NAME, the instance's name); NULL = not set, an error.
 * conf_parse_buf is this with no lookup. */
typedef const char *(*conf_lookup_fn)(const char *name, void *arg);
int conf_parse_buf_env(const char *text, size_t len, conf_lookup_fn lookup,
		       conf_kv_fn kv, conf_err_fn err, void *arg);

/* Value syntax, no file system: yes/no/true/false/on/off/1/0 (any case);
 * seconds as "90", "90s" or "2m"; milliseconds as "500", "500ms" or "2s".
 * 0 or -EINVAL. */
int conf_parse_bool(const char *s, bool *out);
int conf_parse_seconds(const char *s, unsigned *out);
/* BOOT_NICE: a whole number from 0 to 19.  0 or -1. */
/* BOOT_MAX: a whole number from 0 (no limit) to 4096.  0 or -1. */
int conf_parse_boot_max(const char *s, unsigned *out);
int conf_parse_nice(const char *s, unsigned *out);
int conf_parse_ms(const char *s, unsigned *out);

/* One ubd word of UML's command line as UML reads it:
 * ubd<n>[FLAGS]=FILE[(,|:)BACKING[(,|:)SERIAL]], n a number (0-15, read as
 * C reads 0x1f or 017) or a letter (a = 0), FLAGS from r (read-only), s
 * (synchronous), d (no COW), c (shared: not locked) and t (no trim).  FILE
 * is the image, or the COW file over BACKING.  The spans point into the
 * word; a length of 0 is none. */
struct conf_ubd {
	unsigned dev;
	bool ro;     /* r: UML opens FILE read-only */
	bool shared; /* c: UML locks neither file, they may be shared */
	bool no_cow; /* d */
	const char *file, *backing;
	size_t file_len, backing_len;
};

/* 1 and *out when word gives a ubd device; 0 when it is not one (it does
 * not start with "ubd", or it is "ubd=..." for every device); -EINVAL when
 * UML would refuse it, with *why a static phrase to follow the word
 * ("has no '='..."). */
int conf_parse_ubd(const char *word, struct conf_ubd *out, const char **why);

/* MEMORY (a valid size) against the host's RAM in bytes, 0 = unknown: NULL
 * when it fits, else a malloc'd message without FILE:LINE.  UML maps all of
 * its memory as it boots and aborts when the host cannot give it. */
char *conf_check_memory(const char *value, uint64_t host_ram);

/* Whether one assignment can stand, judged on its text alone (known key,
 * allowed in this kind of file, value well formed: sizes, booleans,
 * timeouts, regex, NET words, names).  NULL when fine, else a malloc'd
 * message without FILE:LINE, e.g. "unknown key MEMROY (did you mean
 * MEMORY?)".  in_global: the assignment is in CONF_GLOBAL_FILE. */
char *conf_check_value(const char *key, const char *value, bool in_global);

#endif
