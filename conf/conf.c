/* Loading configuration: finding instance files and umltop.conf, reading
 * them through the parser, resolving each instance's defaults, and the
 * checks that need the file system, the user database or the whole fleet.
 * One pass collects every problem as "FILE:LINE: message". */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/conf.h"
#include "lib/util.h"

#define CONF_MAX_FILE (1 << 20) /* a config file larger than this is a mistake */

/* One assignment that passed its own checks, and where it was made. */
struct asg {
	char *key, *value;
	int file; /* index into loader.files */
	int line;
};

struct dict {
	struct asg *a;
	size_t n;
};

struct note {
	char *text;
	int file, line;
	size_t seq;
};

struct notes {
	struct note *v;
	size_t n;
};

/* A file an instance's UML opens as a disk: ROOT, SWAP or a ubd word in
 * ARGS, where the COW file and the backing file of a pair count apart.
 * Kept by identity, device and inode (stat follows symlinks; hard links
 * share them), so that two uses of one file are found however each is
 * spelled; a COW file UML has yet to create, by the real path it will get. */
struct use {
	char *what;  /* "root image", "backing file of the swap image", ... */
	char *path;  /* the real path */
	const struct asg *from;
	bool exists; /* dev and ino are set */
	dev_t dev;
	ino_t ino;
	bool ro;     /* UML opens it read-only: a backing file, or flag r */
	bool shared; /* flag c: UML locks it not at all */
};

/* An instance while it is being resolved. */
struct draft {
	char *name;
	int file;
	struct dict kv;
	struct conf_instance *in;
	const struct asg *from_kernel, *from_root, *from_swap, *from_umid;
	struct use *use; /* its disk files, for the sharing checks */
	size_t nuse;
};

struct loader {
	char **files; /* every file read, in order; messages are sorted by it */
	size_t nfiles;
	struct dict global;
	struct draft *d;
	size_t nd;
	struct notes errs, warns;
	size_t seq;
	bool root;    /* we run as root: instances run as USER */
	uint64_t ram; /* the host's RAM in bytes, 0 = unknown */
	char *me;     /* the invoking user's name */
	/* while one file is parsed */
	int cur_file;
	bool cur_global;
	struct dict *cur_kv;
	const char *cur_name;
};

/* The user an instance runs as, for access checks. */
struct who {
	bool other; /* check with uid/groups, not with access(2) */
	uid_t uid;
	gid_t *groups;
	int ngroups;
	const char *label; /* "you", "nobody" */
};

/* ---- messages ---- */

static void vnote_str(struct loader *ld, struct notes *ns, int file, int line,
		      const char *kind, const char *who, const char *msg)
{
	char *text = xasprintf("%s:%d: %s%s%s%s", ld->files[file], line > 0 ? line : 1,
			       kind, who ? who : "", who ? ": " : "", msg);
	for (size_t i = 0; i < ns->n; i++) {
		if (!strcmp(ns->v[i].text, text)) { /* global defaults repeat */
			free(text);
			return;
		}
	}
	ns->v = xreallocarray(ns->v, ns->n + 1, sizeof *ns->v);
	ns->v[ns->n++] = (struct note){ text, file, line, ld->seq++ };
}

static void vnote(struct loader *ld, struct notes *ns, int file, int line,
		  const char *kind, const char *fmt, va_list ap)
{
	char *msg = xvasprintf(fmt, ap);
	vnote_str(ld, ns, file, line, kind, NULL, msg);
	free(msg);
}

static void PRINTF_LIKE(4, 5) error_at(struct loader *ld, int file, int line,
				       const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vnote(ld, &ld->errs, file, line, "", fmt, ap);
	va_end(ap);
}

static void PRINTF_LIKE(4, 5) warn_at(struct loader *ld, int file, int line,
				      const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vnote(ld, &ld->warns, file, line, "warning: ", fmt, ap);
	va_end(ap);
}

/* A problem with a value an instance got from `from` (NULL: its own file,
 * line 1).  Values from the global file name the instance they hurt. */
static void inst_vnote(struct loader *ld, struct notes *ns, const char *kind,
		       const struct draft *d, const struct asg *from,
		       const char *fmt, va_list ap)
{
	char *msg = xvasprintf(fmt, ap);
	if (from && from->file != d->file)
		vnote_str(ld, ns, from->file, from->line, kind, d->name, msg);
	else
		vnote_str(ld, ns, d->file, from ? from->line : 1, kind, NULL, msg);
	free(msg);
}

static void PRINTF_LIKE(4, 5) inst_error(struct loader *ld, const struct draft *d,
					 const struct asg *from, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	inst_vnote(ld, &ld->errs, "", d, from, fmt, ap);
	va_end(ap);
}

static void PRINTF_LIKE(4, 5) inst_warn(struct loader *ld, const struct draft *d,
					const struct asg *from, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	inst_vnote(ld, &ld->warns, "warning: ", d, from, fmt, ap);
	va_end(ap);
}

static int note_cmp(const void *a, const void *b)
{
	const struct note *x = a, *y = b;
	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Sorted by file and line, handed over as plain strings. */
static char **notes_take(struct notes *ns, size_t *n)
{
	if (ns->n)
		qsort(ns->v, ns->n, sizeof *ns->v, note_cmp);
	char **out = xcalloc(ns->n + 1, sizeof *out);
	for (size_t i = 0; i < ns->n; i++)
		out[i] = ns->v[i].text;
	*n = ns->n;
	free(ns->v);
	ns->v = NULL;
	ns->n = 0;
	return out;
}

/* ---- assignments ---- */

static const struct asg *dict_get(const struct dict *d, const char *key)
{
	for (size_t i = 0; i < d->n; i++)
		if (!strcmp(d->a[i].key, key))
			return &d->a[i];
	return NULL;
}

static void dict_free(struct dict *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->a[i].key);
		free(d->a[i].value);
	}
	free(d->a);
}

static void on_kv(const char *key, const char *value, int line, void *arg)
{
	struct loader *ld = arg;
	char *why = conf_check_value(key, value, ld->cur_global);
	if (why) {
		error_at(ld, ld->cur_file, line, "%s", why);
		free(why);
		return;
	}
	struct asg *old = (struct asg *)dict_get(ld->cur_kv, key);
	if (old) {
		warn_at(ld, ld->cur_file, line,
			"%s is set again (first on line %d): this value counts", key,
			old->line);
		free(old->value);
		old->value = xstrdup(value);
		old->line = line;
		return;
	}
	struct dict *d = ld->cur_kv;
	d->a = xreallocarray(d->a, d->n + 1, sizeof *d->a);
	d->a[d->n++] = (struct asg){ xstrdup(key), xstrdup(value), ld->cur_file, line };
}

static void on_err(int line, const char *msg, void *arg)
{
	struct loader *ld = arg;
	error_at(ld, ld->cur_file, line, "%s", msg);
}

/* $KEY in an instance file: the global defaults, and NAME. */
static const char *on_lookup(const char *name, void *arg)
{
	struct loader *ld = arg;
	if (ld->cur_name && !strcmp(name, "NAME"))
		return ld->cur_name;
	const struct asg *a = dict_get(&ld->global, name);
	return a ? a->value : NULL;
}

/* ---- files ---- */

static int add_file(struct loader *ld, const char *path)
{
	ld->files = xreallocarray(ld->files, ld->nfiles + 1, sizeof *ld->files);
	ld->files[ld->nfiles] = xstrdup(path);
	return (int)ld->nfiles++;
}

static int read_file(const char *path, struct buf *out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat st;
	int rc = 0;
	if (fstat(fd, &st) < 0)
		rc = -errno;
	else if (S_ISDIR(st.st_mode))
		rc = -EISDIR;
	while (rc == 0) {
		buf_reserve(out, 4096);
		ssize_t r = read(fd, out->data + out->len, out->cap - out->len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			rc = r < 0 ? -errno : 0;
			break;
		}
		out->len += (size_t)r;
		if (out->len > CONF_MAX_FILE)
			rc = -EFBIG;
	}
	close(fd);
	return rc;
}

/* Read and parse one file into kv; false when it could not be read. */
static bool load_file(struct loader *ld, int file, bool global, struct dict *kv,
		      const char *name)
{
	struct buf b = { 0 };
	int rc = read_file(ld->files[file], &b);
	if (rc < 0) {
		error_at(ld, file, 1, "cannot read: %s",
			 rc == -EFBIG ? "larger than 1 MiB, not a config file"
				      : strerror(-rc));
		buf_free(&b);
		return false;
	}
	ld->cur_file = file;
	ld->cur_global = global;
	ld->cur_kv = kv;
	ld->cur_name = name;
	conf_parse_buf_env(b.data ? b.data : "", b.len, global ? NULL : on_lookup,
			   on_kv, on_err, ld);
	buf_free(&b);
	return true;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && !strcmp(s + a - b, suffix);
}

/* Editor and package manager leftovers are not instances. */
static bool is_leftover(const char *f)
{
	static const char *const suffixes[] = { "~", ".bak", ".swp", ".swo", ".tmp",
						".orig", ".rej", ".old", ".rpmnew",
						".rpmsave" };
	if (f[0] == '.' || strstr(f, ".dpkg-") || strstr(f, ".ucf-"))
		return true;
	for (size_t i = 0; i < ARRAY_LEN(suffixes); i++)
		if (ends_with(f, suffixes[i]))
			return true;
	return false;
}

/* NAME.conf or uml.NAME (or uml.NAME.conf) -> NAME; NULL otherwise. */
static char *instance_name(const char *path)
{
	const char *f = strrchr(path, '/');
	f = f ? f + 1 : path;
	size_t n = strlen(f);
	bool conf = ends_with(f, ".conf");
	if (conf)
		n -= 5;
	bool uml = !strncmp(f, "uml.", 4) && n > 4;
	if (uml) {
		f += 4;
		n -= 4;
	}
	return (conf || uml) && n ? xstrndup(f, n) : NULL;
}

static void add_instance(struct loader *ld, const char *path, char *name)
{
	int file = add_file(ld, path);
	size_t n = strlen(name);
	/* It names files in the runtime directory and the status table. */
	if (n > 63 || name[0] == '-' ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		   "0123456789._-") != n)
		error_at(ld, file, 1, "instance name '%s' (from the file name) must "
			 "be at most 63 letters, digits, '.', '_' or '-' (not first): "
			 "rename the file", name);
	struct draft d = { .name = name, .file = file };
	if (!load_file(ld, file, false, &d.kv, name)) { /* said why; no more */
		free(name);
		dict_free(&d.kv);
		return;
	}
	ld->d = xreallocarray(ld->d, ld->nd + 1, sizeof *ld->d);
	ld->d[ld->nd++] = d;
}

static char *join(const char *dir, const char *f)
{
	size_t n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		n--;
	return xasprintf("%.*s/%s", (int)n, dir, f);
}

static bool is_dir(const char *p);

static bool is_uml_file(const char *f)
{
	return !strncmp(f, "uml.", 4) && f[4] && !is_leftover(f);
}

/* One directory entry; true when it is an instance file.  In a conf.d
 * (confd: Gentoo's /etc/conf.d, say) only the uml.NAME files are ours:
 * the other services' files are passed over without a word. */
static bool load_entry(struct loader *ld, const char *dir, const char *f, bool first,
		       bool confd)
{
	char *path = join(dir, f), *name = NULL;
	struct stat st;
	bool isdir = stat(path, &st) == 0 && S_ISDIR(st.st_mode);
	if (isdir || is_leftover(f) || (confd && !is_uml_file(f) &&
					strcmp(f, CONF_GLOBAL_FILE))) {
		/* not ours */
	} else if (!strcmp(f, CONF_GLOBAL_FILE)) {
		if (!first)
			warn_at(ld, add_file(ld, path), 1, "ignored: only the first "
				"directory's " CONF_GLOBAL_FILE " is read");
	} else if ((name = instance_name(f))) {
		add_instance(ld, path, name);
	} else {
		warn_at(ld, add_file(ld, path), 1, "ignored: instance files are "
			"called NAME.conf or uml.NAME");
	}
	free(path);
	return name != NULL;
}

static void load_dir(struct loader *ld, const char *dir, bool first)
{
	struct dirent **ents;
	int n = scandir(dir, &ents, NULL, alphasort);
	if (n < 0) {
		error_at(ld, add_file(ld, dir), 1, "cannot read: %s", strerror(errno));
		return;
	}
	/* A conf.d: uml.NAME files among files that are no instance's (the
	 * other services').  A directory of ours may mix uml.NAME and
	 * NAME.conf, and a stray file there is warned about. */
	bool uml = false, other = false;
	for (int i = 0; i < n; i++) {
		const char *f = ents[i]->d_name;
		uml |= is_uml_file(f);
		if (!is_leftover(f) && strcmp(f, CONF_GLOBAL_FILE)) {
			char *name = instance_name(f), *p = join(dir, f);
			other |= !name && !is_dir(p);
			free(name);
			free(p);
		}
	}
	bool confd = uml && other;
	size_t found = 0;
	for (int i = 0; i < n; i++) {
		found += load_entry(ld, dir, ents[i]->d_name, first, confd);
		free(ents[i]);
	}
	free(ents);
	if (!found)
		warn_at(ld, add_file(ld, dir), 1,
			"no instance files here (NAME.conf or uml.NAME)");
}

static bool is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool is_global_file(const char *p)
{
	const char *f = strrchr(p, '/');
	return !strcmp(f ? f + 1 : p, CONF_GLOBAL_FILE);
}

/* The global file: CONF_GLOBAL_FILE in the first directory, or one named
 * on its own before any directory. */
static void load_global(struct loader *ld, const char *const *paths, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *g = NULL;
		if (is_dir(paths[i]))
			g = join(paths[i], CONF_GLOBAL_FILE);
		else if (is_global_file(paths[i]))
			g = xstrdup(paths[i]);
		else
			continue;
		struct stat st;
		if (lstat(g, &st) == 0 || !is_dir(paths[i]))
			load_file(ld, add_file(ld, g), true, &ld->global, NULL);
		free(g);
		return;
	}
}

static void load_paths(struct loader *ld, const char *const *paths, size_t n)
{
	bool first_dir = true;
	for (size_t i = 0; i < n; i++) {
		char *name;
		if (is_dir(paths[i])) {
			load_dir(ld, paths[i], first_dir);
			first_dir = false;
		} else if (is_global_file(paths[i])) {
			; /* read by load_global */
		} else if ((name = instance_name(paths[i]))) {
			add_instance(ld, paths[i], name);
		} else {
			struct stat st;
			int file = add_file(ld, paths[i]);
			if (stat(paths[i], &st) < 0)
				error_at(ld, file, 1, "cannot read: %s", strerror(errno));
			else
				error_at(ld, file, 1, "not an instance file: call it "
					 "NAME.conf or uml.NAME");
		}
	}
}

/* ---- resolving one instance ---- */

/* The value an instance sees for key, and where it came from; NULL when
 * unset or set to "". */
static const struct asg *get(const struct loader *ld, const struct draft *d,
			     const char *key)
{
	const struct asg *a = dict_get(&d->kv, key);
	if (!a)
		a = dict_get(&ld->global, key);
	return a && a->value[0] ? a : NULL;
}

static char *get_dup(const struct loader *ld, const struct draft *d, const char *key)
{
	const struct asg *a = get(ld, d, key);
	return a ? xstrdup(a->value) : NULL;
}

static char **split_words(const char *s, size_t *n)
{
	char **v = xcalloc(1, sizeof *v);
	*n = 0;
	if (!s)
		return v;
	char *copy = xstrdup(s), *save = NULL;
	for (char *w = strtok_r(copy, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save)) {
		v = xreallocarray(v, *n + 2, sizeof *v);
		v[(*n)++] = xstrdup(w);
		v[*n] = NULL;
	}
	free(copy);
	return v;
}

/* KERNEL, ROOT, SWAP from their keys or from UMLDIR/NAME.  false when the
 * instance has neither. */
static bool resolve_paths(struct loader *ld, struct draft *d)
{
	struct conf_instance *in = d->in;
	const struct asg *dir = get(ld, d, "UMLDIR");
	in->umldir = dir ? xstrdup(dir->value) : NULL;
	d->from_kernel = get(ld, d, "KERNEL");
	d->from_root = get(ld, d, "ROOT");
	if (!dir && (!d->from_kernel || !d->from_root)) {
		inst_error(ld, d, NULL, "no UMLDIR, and no %s: set UMLDIR (holding "
			   "%s/linux and %s/root.loop) or both KERNEL and ROOT",
			   d->from_kernel ? "ROOT" : d->from_root ? "KERNEL" :
			   "KERNEL or ROOT", d->name, d->name);
		return false;
	}
	in->kernel = d->from_kernel ? xstrdup(d->from_kernel->value)
				    : xasprintf("%s/%s/linux", dir->value, d->name);
	in->root = d->from_root ? xstrdup(d->from_root->value)
				: xasprintf("%s/%s/root.loop", dir->value, d->name);
	d->from_kernel = d->from_kernel ? d->from_kernel : dir;
	d->from_root = d->from_root ? d->from_root : dir;
	const struct asg *swap = dict_get(&d->kv, "SWAP");
	if (!swap)
		swap = dict_get(&ld->global, "SWAP");
	if (swap) { /* SWAP="" turns the derived swap off */
		in->swap = swap->value[0] ? xstrdup(swap->value) : NULL;
		d->from_swap = swap;
	} else if (dir) {
		struct stat st;
		char *p = xasprintf("%s/%s/swap.loop", dir->value, d->name);
		if (lstat(p, &st) == 0) {
			in->swap = p;
			d->from_swap = dir;
		} else {
			free(p);
		}
	}
	return true;
}

static void resolve_values(struct loader *ld, struct draft *d)
{
	struct conf_instance *in = d->in;
	const struct asg *a;
	d->from_umid = get(ld, d, "UMID");
	in->umid = xstrdup(d->from_umid ? d->from_umid->value : d->name);
	if ((a = get(ld, d, "MEMORY"))) {
		conf_parse_size(a->value, &in->memory);
		char *why = conf_check_memory(a->value, ld->ram);
		if (why)
			inst_error(ld, d, a, "%s", why);
		free(why);
	}
	in->net = split_words((a = get(ld, d, "NET")) ? a->value : NULL, &in->nnet);
	in->args = split_words((a = get(ld, d, "ARGS")) ? a->value : NULL, &in->nargs);
	in->bridge = get_dup(ld, d, "BRIDGE");
	in->sw = split_words((a = get(ld, d, "SWITCH")) ? a->value : NULL, &in->nsw);
	in->tags = split_words((a = get(ld, d, "TAGS")) ? a->value : NULL, &in->ntags);
	in->log = get_dup(ld, d, "LOG");
	in->ready = get_dup(ld, d, "READY");
	if (!in->ready)
		in->ready = xstrdup(CONF_DEFAULT_READY);
	if ((a = get(ld, d, "MONITOR")))
		conf_monitor(a->value, &in->mon_activity, &in->mon_silence);
	in->alert = get_dup(ld, d, "ALERT");
	if (!in->alert)
		in->alert = xstrdup(CONF_DEFAULT_ALERT);
	in->halt_timeout = CONF_DEFAULT_HALT_TIMEOUT;
	if ((a = get(ld, d, "HALT_TIMEOUT")))
		conf_parse_seconds(a->value, &in->halt_timeout);
	in->boot_nice = CONF_DEFAULT_BOOT_NICE;
	if ((a = get(ld, d, "BOOT_NICE")))
		conf_parse_nice(a->value, &in->boot_nice);
	in->autostart = true;
	if ((a = get(ld, d, "AUTOSTART")))
		conf_parse_bool(a->value, &in->autostart);
	if (in->bridge && !in->nnet) {
		inst_warn(ld, d, get(ld, d, "BRIDGE"), "BRIDGE is set but NET "
			  "names no tap to attach to it");
	}
}

/* USER: who the instance runs as, and the warnings about it. */
static void resolve_user(struct loader *ld, struct draft *d, struct who *w)
{
	struct conf_instance *in = d->in;
	const struct asg *a = get(ld, d, "USER");
	in->uid = geteuid();
	in->gid = getegid();
	*w = (struct who){ .uid = in->uid, .label = "you" };
	if (!a) {
		if (ld->root)
			warn_at(ld, d->file, 1, "%s runs as root (no USER, and umltop "
				"runs as root): set USER to an unprivileged user", d->name);
		return;
	}
	in->user = xstrdup(a->value);
	struct passwd *pw = getpwnam(a->value);
	if (!pw) {
		error_at(ld, a->file, a->line, "USER: no such user '%s'", a->value);
		return;
	}
	in->uid = pw->pw_uid;
	in->gid = pw->pw_gid;
	if (!ld->root) {
		if (strcmp(a->value, ld->me))
			warn_at(ld, a->file, a->line, "USER=%s is ignored: umltop is not "
				"running as root, so instances run as %s", a->value, ld->me);
		return;
	}
	if (pw->pw_uid == 0)
		return;
	int ng = 64;
	w->groups = xcalloc((size_t)ng, sizeof *w->groups);
	if (getgrouplist(pw->pw_name, pw->pw_gid, w->groups, &ng) < 0) {
		w->groups = xreallocarray(w->groups, (size_t)ng, sizeof *w->groups);
		getgrouplist(pw->pw_name, pw->pw_gid, w->groups, &ng);
	}
	*w = (struct who){ true, pw->pw_uid, w->groups, ng, in->user };
}

/* ---- file checks, as the user the instance runs as ---- */

static bool in_groups(const struct who *w, gid_t g)
{
	for (int i = 0; i < w->ngroups; i++)
		if (w->groups[i] == g)
			return true;
	return false;
}

static int perm(const struct who *w, const char *path, int mode)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return -errno;
	unsigned bits = st.st_uid == w->uid ? st.st_mode >> 6
			: in_groups(w, st.st_gid) ? st.st_mode >> 3 : st.st_mode;
	return ((bits & 7) & (unsigned)mode) == (unsigned)mode ? 0 : -EACCES;
}

/* access(2) for another user: mode bits (not ACLs) of the file and search
 * permission on every directory above it. */
static int may(const struct who *w, const char *path, int mode)
{
	if (!w->other)
		return faccessat(AT_FDCWD, path, mode, AT_EACCESS) < 0 ? -errno : 0;
	char *real = realpath(path, NULL);
	if (!real)
		return -errno;
	int rc = perm(w, "/", X_OK);
	for (char *s = real + 1; rc == 0 && (s = strchr(s, '/')); s++) {
		*s = '\0';
		rc = perm(w, real, X_OK);
		*s = '/';
	}
	if (rc == 0)
		rc = perm(w, real, mode);
	free(real);
	return rc;
}

/* Why path cannot be opened, in words: missing, a dangling link, ... */
static char *missing(const char *path, int err)
{
	struct stat st;
	char target[PATH_MAX];
	ssize_t n;
	if (err == ENOENT && lstat(path, &st) == 0 && S_ISLNK(st.st_mode) &&
	    (n = readlink(path, target, sizeof target - 1)) > 0)
		return xasprintf("is a broken symlink (to %.*s)", (int)n, target);
	if (err == ENOENT)
		return xstrdup("does not exist");
	return xasprintf("cannot be reached: %s", strerror(err));
}

static const char *hint(const struct draft *d, const struct asg *from, const char *file)
{
	static char h[96];
	if (!from || strcmp(from->key, "UMLDIR"))
		return "";
	snprintf(h, sizeof h, " (UMLDIR/%.32s/%s)", d->name, file);
	return h;
}

static void check_kernel(struct loader *ld, struct draft *d, const struct who *w)
{
	const char *k = d->in->kernel;
	const char *h = hint(d, d->from_kernel, "linux");
	struct stat st;
	if (stat(k, &st) < 0) {
		char *why = missing(k, errno);
		inst_error(ld, d, d->from_kernel, "kernel %s%s %s", k, h, why);
		free(why);
	} else if (!S_ISREG(st.st_mode)) {
		inst_error(ld, d, d->from_kernel, "kernel %s%s is not a file", k, h);
	} else if (may(w, k, X_OK) < 0) {
		inst_error(ld, d, d->from_kernel, "kernel %s%s is not executable by %s",
			   k, h, w->label);
	}
}

/* One disk file.  rw: UML opens it read-write; one it cannot write is only
 * worth a warning (the guest sees a read-only disk). */
static void check_disk(struct loader *ld, struct draft *d, const struct who *w,
		       const struct asg *from, const char *what, const char *path,
		       const char *h, bool rw)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		char *why = missing(path, errno);
		inst_error(ld, d, from, "%s %s%s %s", what, path, h, why);
		free(why);
	} else if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
		inst_error(ld, d, from, "%s %s%s is not a file", what, path, h);
	} else if (may(w, path, R_OK) < 0) {
		inst_error(ld, d, from, "%s %s%s is not readable by %s", what, path, h,
			   w->label);
	} else if (rw && may(w, path, W_OK) < 0) {
		inst_warn(ld, d, from, "%s %s is not writable by %s: the guest gets "
			  "a read-only disk", what, path, w->label);
	}
}

/* The real path a file that does not exist yet will have: its
 * directory's real path and its name; NULL when the directory is missing. */
static char *real_to_be(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return NULL;
	char *dir = xstrndup(path, (size_t)(slash - path));
	char *real = realpath(dir[0] ? dir : "/", NULL);
	char *p = real ? xasprintf("%s/%s", strcmp(real, "/") ? real : "", slash + 1) : NULL;
	free(real);
	free(dir);
	return p;
}

/* Note one disk file of d (what is taken).  A missing file counts only as
 * a COW file (UML creates it): a missing image is an error of its own, or
 * UML's. */
static void add_use(struct draft *d, const struct asg *from, char *what,
		    const char *path, bool ro, bool shared, bool cow)
{
	struct use u = { .what = what, .from = from, .ro = ro, .shared = shared };
	struct stat st;
	if (stat(path, &st) == 0) {
		u.exists = true;
		u.dev = st.st_dev;
		u.ino = st.st_ino;
		u.path = realpath(path, NULL);
		if (!u.path)
			u.path = xstrdup(path);
	} else if (!cow || !(u.path = real_to_be(path))) {
		free(what);
		return;
	}
	d->use = xreallocarray(d->use, d->nuse + 1, sizeof *d->use);
	d->use[d->nuse++] = u;
}

/* ROOT or SWAP: an image, or "COW,BACKING" (UML creates a missing COW
 * file, so then its directory must be writable).  Its files are noted as
 * uses, to find instances sharing one. */
static void check_image(struct loader *ld, struct draft *d, const struct who *w,
			const struct asg *from, const char *what, const char *spec,
			const char *file)
{
	const char *h = hint(d, from, file);
	const char *comma = strchr(spec, ',');
	if (!comma) {
		check_disk(ld, d, w, from, what, spec, h, true);
		add_use(d, from, xstrdup(what), spec, false, false, false);
		return;
	}
	char *cow = xstrndup(spec, (size_t)(comma - spec));
	char *what2 = xasprintf("backing file of the %s", what);
	check_disk(ld, d, w, from, what2, comma + 1, "", false);
	add_use(d, from, what2, comma + 1, true, false, false);
	what2 = xasprintf("COW file of the %s", what);
	struct stat st;
	if (lstat(cow, &st) == 0) {
		check_disk(ld, d, w, from, what2, cow, "", true);
	} else {
		char *dir = xstrdup(cow);
		*strrchr(dir, '/') = '\0';
		if (may(w, dir[0] ? dir : "/", W_OK | X_OK) < 0)
			inst_error(ld, d, from, "COW file %s does not exist and %s cannot "
				   "create it in %s", cow, w->label, dir[0] ? dir : "/");
		free(dir);
	}
	add_use(d, from, what2, cow, false, false, true);
	free(cow);
}

/* The disks ARGS adds (ubd2= and up; the value check refused ubd0 and
 * ubd1, and relative paths), with their flags: r read-only, c shared. */
static void args_uses(struct loader *ld, struct draft *d)
{
	const struct asg *from = get(ld, d, "ARGS");
	for (size_t i = 0; i < d->in->nargs; i++) {
		struct conf_ubd u;
		const char *why;
		if (conf_parse_ubd(d->in->args[i], &u, &why) <= 0 || !u.file_len)
			continue;
		char *file = xstrndup(u.file, u.file_len);
		bool cow = u.backing_len > 0;
		if (cow) {
			char *backing = xstrndup(u.backing, u.backing_len);
			add_use(d, from, xasprintf("backing file of ARGS ubd%u", u.dev),
				backing, true, u.shared, false);
			free(backing);
		}
		add_use(d, from, xasprintf(cow ? "COW file of ARGS ubd%u" : "ARGS ubd%u image",
					   u.dev), file, u.ro, u.shared, cow);
		free(file);
	}
}

/* Before blaming each derived file, say what is wrong with UMLDIR. */
static bool umldir_ok(struct loader *ld, struct draft *d, const struct asg *dir)
{
	if (!is_dir(dir->value)) {
		error_at(ld, dir->file, dir->line, "UMLDIR %s is not a directory",
			 dir->value);
		return false;
	}
	char *sub = xasprintf("%s/%s", dir->value, d->name);
	bool ok = is_dir(sub);
	if (!ok)
		inst_error(ld, d, dir, "UMLDIR %s has no %s/ directory (it should hold "
			   "linux, root.loop and swap.loop)", dir->value, d->name);
	free(sub);
	return ok;
}

static void check_files(struct loader *ld, struct draft *d, const struct who *w)
{
	struct conf_instance *in = d->in;
	const struct asg *dir = get(ld, d, "UMLDIR");
	bool derived = dir && (d->from_kernel == dir || d->from_root == dir);
	bool ok = !derived || umldir_ok(ld, d, dir);
	if (ok || d->from_kernel != dir)
		check_kernel(ld, d, w);
	if (ok || d->from_root != dir)
		check_image(ld, d, w, d->from_root, "root image", in->root, "root.loop");
	if (in->swap && (ok || d->from_swap != dir))
		check_image(ld, d, w, d->from_swap, "swap image", in->swap, "swap.loop");
	args_uses(ld, d);
}

static void resolve(struct loader *ld, struct draft *d)
{
	struct conf_instance *in = d->in = xcalloc(1, sizeof *d->in);
	in->name = xstrdup(d->name);
	in->file = xstrdup(ld->files[d->file]);
	in->line = 1;
	struct who w;
	resolve_user(ld, d, &w);
	resolve_values(ld, d);
	if (resolve_paths(ld, d))
		check_files(ld, d, &w);
	free(w.groups);
}

/* ---- the fleet as a whole ---- */

static void check_names(struct loader *ld)
{
	for (size_t j = 0; j < ld->nd; j++) {
		struct draft *b = &ld->d[j];
		for (size_t i = 0; i < j; i++) {
			struct draft *a = &ld->d[i];
			if (!strcmp(a->name, b->name)) {
				error_at(ld, b->file, 1, "instance '%s' is also defined by "
					 "%s: remove one of them", b->name,
					 ld->files[a->file]);
				break;
			}
			if (!strcmp(a->in->umid, b->in->umid)) {
				inst_error(ld, b, b->from_umid, "UMID '%s' is also used by "
					   "instance '%s' (%s)", b->in->umid, a->name,
					   ld->files[a->file]);
				break;
			}
		}
	}
}

/* A tap carries one UML: two instances naming it (or one naming it twice)
 * could never run together.  Blamed on the later one.  Transport specs
 * (daemon,,unix,PATH) may be shared: they are not taps. */
static bool net_has_tap(const struct conf_instance *in, size_t lim, const char *tap)
{
	for (size_t k = 0; k < lim; k++)
		if (!strpbrk(in->net[k], ",=") && !strcmp(in->net[k], tap))
			return true;
	return false;
}

static void check_taps(struct loader *ld)
{
	for (size_t j = 0; j < ld->nd; j++) {
		struct draft *b = &ld->d[j];
		for (size_t k = 0; k < b->in->nnet; k++) {
			const char *tap = b->in->net[k];
			if (strpbrk(tap, ",="))
				continue;
			const struct asg *from = get(ld, b, "NET");
			if (net_has_tap(b->in, k, tap)) {
				inst_error(ld, b, from, "NET: tap '%s' is named twice: one "
					   "tap carries one interface", tap);
				continue;
			}
			for (size_t i = 0; i < j; i++) {
				struct draft *a = &ld->d[i];
				if (strcmp(a->name, b->name) && net_has_tap(a->in, a->in->nnet, tap)) {
					const struct asg *af = get(ld, a, "NET");
					inst_error(ld, b, from, "NET: tap '%s' is also used by "
						   "instance '%s' (%s:%d): a tap carries one UML; "
						   "give each its own tap, on one BRIDGE", tap,
						   a->name, ld->files[af->file], af->line);
					break;
				}
			}
		}
	}
}

/* Whether two uses of one file cannot stand together.  UML takes an fcntl
 * lock on every disk file it opens, a write lock when it opens it
 * read-write, a read lock when read-only (a backing file, flag r), none
 * with flag c: so a second UML on a file another writes fails to open its
 * disk (its root: it panics).  Read-only uses share, as COW files over one
 * backing file do, and so do uses that all say c (a cluster file system).
 * Within one UML the locks never clash, but two disks writing one file
 * corrupt it all the same: the same rule. */
static bool clash(const struct use *a, const struct use *b)
{
	bool same = a->exists && b->exists ? a->dev == b->dev && a->ino == b->ino
					   : !a->exists && !b->exists && !strcmp(a->path, b->path);
	return same && !(a->ro && b->ro) && !(a->shared && b->shared);
}

static void report_clash(struct loader *ld, const struct draft *b, const struct use *ub,
			 const struct draft *a, const struct use *ua)
{
	char *other = strcmp(ua->path, ub->path)
		? xasprintf(", %s: the same file under another name", ua->path)
		: xstrdup("");
	inst_error(ld, b, ub->from, "%s %s is also the %s of instance '%s' (%s:%d)%s; "
		   "%s: give each its own image, or share one read-only, as the "
		   "backing file of a COW file per instance", ub->what, ub->path,
		   ua->what, a->name, ld->files[ua->from->file], ua->from->line, other,
		   a == b ? "one UML would write it through two disks and corrupt it"
			  : "UML locks its disks, so they cannot run together");
	free(other);
}

/* Two UMLs, or two disks of one, on one image; each use is blamed once,
 * on the later instance (or the later disk). */
static void check_shared_images(struct loader *ld)
{
	for (size_t j = 0; j < ld->nd; j++) {
		struct draft *b = &ld->d[j];
		for (size_t k = 0; k < b->nuse; k++) {
			bool found = false;
			for (size_t i = 0; i <= j && !found; i++) {
				struct draft *a = &ld->d[i];
				if (i != j && !strcmp(a->name, b->name))
					continue; /* said already: one instance twice */
				size_t lim = i == j ? k : a->nuse;
				for (size_t m = 0; m < lim && !found; m++) {
					found = clash(&a->use[m], &b->use[k]);
					if (found)
						report_clash(ld, b, &b->use[k], a, &a->use[m]);
				}
			}
		}
	}
}

/* ---- the result ---- */

static void build_global(struct loader *ld, struct conf_global *g, int file)
{
	const struct asg *a;
	g->file = file >= 0 ? xstrdup(ld->files[file]) : NULL;
	a = dict_get(&ld->global, "PREFIX");
	g->prefix = xstrdup(a && a->value[0] ? a->value : "C-a");
	g->poll_ms = 1000;
	if ((a = dict_get(&ld->global, "POLL_INTERVAL")) && a->value[0])
		conf_parse_ms(a->value, &g->poll_ms);
	g->boot_max = -1;
	unsigned boot_max;
	if ((a = dict_get(&ld->global, "BOOT_MAX")) && a->value[0] &&
	    conf_parse_boot_max(a->value, &boot_max) == 0)
		g->boot_max = (int)boot_max;
	g->scrollback = 10000;
	if ((a = dict_get(&ld->global, "SCROLLBACK")) && a->value[0])
		g->scrollback = (unsigned)strtoul(a->value, NULL, 10);
	g->log_max = 16u << 20;
	if ((a = dict_get(&ld->global, "LOG_MAX")) && a->value[0])
		conf_parse_size(a->value, &g->log_max);
	g->alert_bell = true;
	if ((a = dict_get(&ld->global, "ALERT_BELL")) && a->value[0])
		conf_parse_bool(a->value, &g->alert_bell);
	g->bind = xcalloc(1, sizeof *g->bind);
	for (size_t i = 0; i < ld->global.n; i++) {
		a = &ld->global.a[i];
		if (strncmp(a->key, "BIND_", 5) || !a->value[0])
			continue;
		char *action = xstrdup(a->key + 5);
		for (char *p = action; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
		g->bind = xreallocarray(g->bind, 2 * g->nbind + 3, sizeof *g->bind);
		g->bind[2 * g->nbind] = action;
		g->bind[2 * g->nbind + 1] = xstrdup(a->value);
		g->bind[2 * ++g->nbind] = NULL;
	}
}

static int inst_cmp(const void *a, const void *b)
{
	const struct conf_instance *x = *(struct conf_instance *const *)a;
	const struct conf_instance *y = *(struct conf_instance *const *)b;
	return strcmp(x->name, y->name);
}

static struct conf *build(struct loader *ld, int global_file)
{
	struct conf *c = xcalloc(1, sizeof *c);
	c->inst = xcalloc(ld->nd + 1, sizeof *c->inst);
	for (size_t i = 0; i < ld->nd; i++) {
		c->inst[i] = ld->d[i].in;
		ld->d[i].in = NULL;
	}
	c->ninst = ld->nd;
	if (c->ninst)
		qsort(c->inst, c->ninst, sizeof *c->inst, inst_cmp);
	build_global(ld, &c->global, global_file);
	c->warnings = notes_take(&ld->warns, &c->nwarnings);
	return c;
}

static void free_instance(struct conf_instance *in)
{
	if (!in)
		return;
	free(in->name);
	free(in->file);
	free(in->umldir);
	free(in->kernel);
	free(in->root);
	free(in->swap);
	free(in->umid);
	free(in->user);
	conf_argv_free(in->net);
	conf_argv_free(in->args);
	free(in->bridge);
	conf_argv_free(in->sw);
	conf_argv_free(in->tags);
	free(in->log);
	free(in->ready);
	free(in->alert);
	free(in);
}

static void loader_free(struct loader *ld)
{
	for (size_t i = 0; i < ld->nd; i++) {
		struct draft *d = &ld->d[i];
		free(d->name);
		dict_free(&d->kv);
		free_instance(d->in);
		for (size_t k = 0; k < d->nuse; k++) {
			free(d->use[k].what);
			free(d->use[k].path);
		}
		free(d->use);
	}
	free(ld->d);
	dict_free(&ld->global);
	for (size_t i = 0; i < ld->nfiles; i++)
		free(ld->files[i]);
	free(ld->files);
	for (size_t i = 0; i < ld->errs.n; i++)
		free(ld->errs.v[i].text);
	free(ld->errs.v);
	for (size_t i = 0; i < ld->warns.n; i++)
		free(ld->warns.v[i].text);
	free(ld->warns.v);
	free(ld->me);
}

/* Read at each load: the figure MEMORY is held to. */
static uint64_t host_ram(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
	return pages > 0 && size > 0 ? (uint64_t)pages * (uint64_t)size : 0;
}

static char *my_name(void)
{
	struct passwd *pw = getpwuid(geteuid());
	return pw ? xstrdup(pw->pw_name) : xasprintf("uid %u", (unsigned)geteuid());
}

/* The same file named twice (a directory and one of its files) is read
 * once. */
static void drop_repeats(struct loader *ld)
{
	char **real = xcalloc(ld->nd + 1, sizeof *real);
	size_t kept = 0;
	for (size_t i = 0; i < ld->nd; i++) {
		real[i] = realpath(ld->files[ld->d[i].file], NULL);
		bool seen = false;
		for (size_t j = 0; j < i && real[i] && !seen; j++)
			seen = real[j] && !strcmp(real[j], real[i]);
		if (seen) {
			free(ld->d[i].name);
			dict_free(&ld->d[i].kv);
		} else {
			ld->d[kept++] = ld->d[i];
		}
	}
	for (size_t i = 0; i < ld->nd; i++)
		free(real[i]);
	free(real);
	ld->nd = kept;
}

/* No paths: the default one (def holds it). */
static const char *const *paths_or_default(const char *const *paths, size_t *npaths,
					    const char *def[1])
{
	if (*npaths)
		return paths;
	def[0] = conf_default_path();
	*npaths = 1;
	return def;
}

int conf_load(const char *const *paths, size_t npaths, struct conf **out,
	      struct conf_errors *errs)
{
	const char *def[1];
	paths = paths_or_default(paths, &npaths, def);
	struct loader ld = { .root = geteuid() == 0, .me = my_name(), .ram = host_ram() };
	load_global(&ld, paths, npaths);
	int global_file = ld.nfiles ? 0 : -1;
	load_paths(&ld, paths, npaths);
	drop_repeats(&ld);
	for (size_t i = 0; i < ld.nd; i++)
		resolve(&ld, &ld.d[i]);
	check_names(&ld);
	check_taps(&ld);
	check_shared_images(&ld);
	*out = NULL;
	int n = (int)ld.errs.n;
	if (errs)
		*errs = (struct conf_errors){ 0 };
	if (n && errs)
		errs->msg = notes_take(&ld.errs, &errs->n);
	else if (!n)
		*out = build(&ld, global_file);
	loader_free(&ld);
	return n;
}

int conf_load_global(const char *const *paths, size_t npaths, struct conf_global *out,
		     struct conf_errors *errs)
{
	const char *def[1];
	paths = paths_or_default(paths, &npaths, def);
	struct loader ld = { 0 };
	load_global(&ld, paths, npaths);
	/* a bad value was not kept: its setting has its default */
	*out = (struct conf_global){ 0 };
	build_global(&ld, out, ld.nfiles ? 0 : -1);
	int n = (int)ld.errs.n;
	if (errs)
		*errs = (struct conf_errors){ 0 };
	if (n && errs)
		errs->msg = notes_take(&ld.errs, &errs->n);
	loader_free(&ld);
	return n;
}

void conf_global_free(struct conf_global *g)
{
	free(g->file);
	free(g->prefix);
	conf_argv_free(g->bind);
	*g = (struct conf_global){ 0 };
}

void conf_errors_free(struct conf_errors *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->n; i++)
		free(e->msg[i]);
	free(e->msg);
	e->msg = NULL;
	e->n = 0;
}

void conf_free(struct conf *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->ninst; i++)
		free_instance(c->inst[i]);
	free(c->inst);
	conf_global_free(&c->global);
	conf_argv_free(c->warnings);
	free(c);
}

const struct conf_instance *conf_find(const struct conf *c, const char *name)
{
	for (size_t i = 0; c && i < c->ninst; i++)
		if (!strcmp(c->inst[i]->name, name))
			return c->inst[i];
	return NULL;
}

const char *conf_default_path(void)
{
	static char path[PATH_MAX];
	const char *v = getenv("UMLTOP_CONFIG");
	if (v && *v) {
		snprintf(path, sizeof path, "%s", v);
		return path;
	}
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	if (xdg && *xdg)
		snprintf(path, sizeof path, "%s/umltop", xdg);
	else if (home && *home)
		snprintf(path, sizeof path, "%s/.config/umltop", home);
	else
		path[0] = '\0';
	return path[0] && is_dir(path) ? path : "/etc/umltop";
}
