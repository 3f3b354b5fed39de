/* The keys umltop knows and what their values may look like, judged on
 * the text alone: sizes, booleans, timeouts, names, NET words, regexes.
 * The file-system and user checks that need an instance are in conf.c. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf/conf.h"
#include "lib/util.h"

typedef char *(*check_fn)(const char *key, const char *value);

struct key {
	const char *name;
	bool global; /* only in CONF_GLOBAL_FILE */
	check_fn check;
};

static const char *skip_ws(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* Digits into *n, refusing overflow; returns the end or NULL. */
static const char *parse_uint(const char *s, uint64_t *n)
{
	if (*s < '0' || *s > '9')
		return NULL;
	uint64_t v = 0;
	for (; *s >= '0' && *s <= '9'; s++) {
		unsigned d = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return NULL;
		v = v * 10 + d;
	}
	*n = v;
	return s;
}

/* Units are binary, as the kernel's mem= reads them: 128MB = 128M = 128MiB. */
int conf_parse_size(const char *s, uint64_t *bytes)
{
	uint64_t n;
	const char *p = parse_uint(skip_ws(s), &n);
	if (!p)
		return -EINVAL;
	p = skip_ws(p);
	unsigned shift = 0;
	const char *units = "KMGT";
	const char *u = *p ? strchr(units, *p & ~0x20) : NULL;
	if (u) {
		shift = 10 * (unsigned)(u - units + 1);
		p++;
		if ((*p | 0x20) == 'i' && (p[1] | 0x20) == 'b')
			p += 2;
		else if ((*p | 0x20) == 'b')
			p++;
	} else if ((*p | 0x20) == 'b') {
		p++;
	}
	if (*skip_ws(p) || (shift && n > (UINT64_MAX >> shift)))
		return -EINVAL;
	*bytes = n << shift;
	return 0;
}

int conf_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	for (size_t i = 0; i < ARRAY_LEN(yes); i++) {
		if (!strcasecmp(s, yes[i]) || !strcasecmp(s, no[i])) {
			*out = !strcasecmp(s, yes[i]);
			return 0;
		}
	}
	return -EINVAL;
}

/* A number with an optional unit from units[] (lower case, longest first)
 * scaled by mult[]; the first unit is the default. */
static int parse_scaled(const char *s, const char *const *units,
			const unsigned *mult, size_t nunits, unsigned *out)
{
	uint64_t n;
	const char *p = parse_uint(skip_ws(s), &n);
	if (!p)
		return -EINVAL;
	p = skip_ws(p);
	uint64_t m = 0;
	for (size_t i = 0; i < nunits && !m; i++) {
		size_t l = strlen(units[i]);
		if (!strncasecmp(p, units[i], l) && !*skip_ws(p + l))
			m = mult[i];
	}
	if (!m || n > UINT_MAX / m)
		return -EINVAL;
	*out = (unsigned)(n * m);
	return 0;
}

int conf_parse_seconds(const char *s, unsigned *out)
{
	static const char *const units[] = { "", "sec", "s", "min", "m" };
	static const unsigned mult[] = { 1, 1, 1, 60, 60 };
	return parse_scaled(s, units, mult, ARRAY_LEN(units), out);
}

int conf_parse_ms(const char *s, unsigned *out)
{
	static const char *const units[] = { "", "ms", "s" };
	static const unsigned mult[] = { 1, 1, 1000 };
	return parse_scaled(s, units, mult, ARRAY_LEN(units), out);
}

/* A whole number from 0 to max, blanks around it allowed. */
static int parse_upto(const char *s, uint64_t max, unsigned *out)
{
	uint64_t n;
	const char *e = parse_uint(skip_ws(s), &n);
	if (!e || *skip_ws(e) || n > max)
		return -EINVAL;
	*out = (unsigned)n;
	return 0;
}

int conf_parse_nice(const char *s, unsigned *out)
{
	return parse_upto(s, 19, out);
}

int conf_parse_boot_max(const char *s, unsigned *out)
{
	return parse_upto(s, 4096, out);
}

/* ---- value checks: NULL when fine, else a malloc'd message ---- */

static char *check_path(const char *key, const char *v)
{
	if (v[0] != '/')
		return xasprintf("%s must be an absolute path, not '%s' (the "
				 "server does not run in this directory)", key, v);
	return NULL;
}

/* ROOT and SWAP may be copy-on-write pairs, "COW,BACKING", as UML's ubd. */
static char *check_image(const char *key, const char *v)
{
	const char *comma = strchr(v, ',');
	if (!comma)
		return check_path(key, v);
	if (v[0] != '/' || comma[1] != '/' || strchr(comma + 1, ','))
		return xasprintf("%s='%s': write an image path, or COW,BACKING with "
				 "two absolute paths", key, v);
	return NULL;
}

/* Instance names, UMIDs and switch names become file names in the runtime
 * directory and words on UML's command line. */
static char *check_name(const char *key, const char *v)
{
	size_t n = strlen(v);
	if (n == 0 || n > 63)
		return xasprintf("%s must be 1 to 63 characters long", key);
	if (v[0] == '.' || v[0] == '-' ||
	    strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		   "0123456789._-") != n)
		return xasprintf("%s='%s': use letters, digits, '.', '_' and '-' "
				 "(not first)", key, v);
	return NULL;
}

static char *check_user(const char *key, const char *v)
{
	if (!*v || strpbrk(v, " \t\n:/,"))
		return xasprintf("%s='%s' is not a user name", key, v);
	return NULL;
}

static char *check_size(const char *key, const char *v)
{
	uint64_t b;
	if (conf_parse_size(v, &b) < 0)
		return xasprintf("%s='%s' is not a size (e.g. 128M, 128MB, 1G, "
				 "65536K)", key, v);
	if (b == 0)
		return xasprintf("%s=%s: must be more than 0", key, v);
	if (!strcmp(key, "MEMORY") && b % 1024)
		return xasprintf("MEMORY=%s: not a whole number of kilobytes", v);
	return NULL;
}

/* RAM as a person reads it: whole GiB or one decimal, cut (not rounded)
 * so it never claims more than there is; under 1 GiB, whole MiB. */
static char *ram_text(uint64_t b)
{
	if (b < (1ull << 30))
		return xasprintf("%lluM", (unsigned long long)(b >> 20));
	if (b % (1ull << 30) == 0)
		return xasprintf("%lluG", (unsigned long long)(b >> 30));
	uint64_t tenths = (b >> 20) * 10 / 1024;
	return xasprintf("%llu.%lluG", (unsigned long long)(tenths / 10),
			 (unsigned long long)(tenths % 10));
}

char *conf_check_memory(const char *value, uint64_t host_ram)
{
	uint64_t b;
	if (!host_ram || conf_parse_size(value, &b) < 0 || b <= host_ram)
		return NULL;
	char *ram = ram_text(host_ram);
	char *msg = xasprintf("MEMORY=%s is more than this host's RAM (%s): UML "
			      "aborts at boot when it cannot map its memory; set "
			      "MEMORY to %lluM or less", value, ram,
			      (unsigned long long)(host_ram >> 20));
	free(ram);
	return msg;
}

static char *check_bool(const char *key, const char *v)
{
	bool b;
	if (conf_parse_bool(v, &b) < 0)
		return xasprintf("%s='%s' is not yes or no (yes/no, true/false, "
				 "on/off, 1/0)", key, v);
	return NULL;
}

static char *check_seconds(const char *key, const char *v)
{
	unsigned s;
	if (conf_parse_seconds(v, &s) < 0)
		return xasprintf("%s='%s' is not a number of seconds (e.g. 60, "
				 "90s or 2m)", key, v);
	return NULL;
}

static char *check_nice(const char *key, const char *v)
{
	unsigned n;
	if (conf_parse_nice(v, &n) < 0)
		return xasprintf("%s='%s' is not a number of nice steps from 0 to 19 "
				 "(0: booting guests run as the server does)", key, v);
	return NULL;
}

static char *check_boot_max(const char *key, const char *v)
{
	unsigned n;
	if (conf_parse_boot_max(v, &n) < 0)
		return xasprintf("%s='%s' is not a number of instances from 0 to 4096 "
				 "(0: no limit)", key, v);
	return NULL;
}

static char *check_poll(const char *key, const char *v)
{
	unsigned ms;
	if (conf_parse_ms(v, &ms) < 0 || ms < 100 || ms > 3600000)
		return xasprintf("%s='%s' is not an interval from 100 ms to 1 hour "
				 "(e.g. 1000 or 2s)", key, v);
	return NULL;
}

static char *check_lines(const char *key, const char *v)
{
	uint64_t n;
	const char *e = parse_uint(skip_ws(v), &n);
	if (!e || *skip_ws(e) || n > 1000000)
		return xasprintf("%s='%s' is not a number of lines from 0 to "
				 "1000000", key, v);
	return NULL;
}

/* Past a bracket expression starting at p ('['), classes like [:digit:]
 * included. */
static const char *skip_bracket(const char *p)
{
	p++;
	if (*p == '^')
		p++;
	if (*p == ']')
		p++;
	while (*p && *p != ']') {
		if (p[0] == '[' && (p[1] == ':' || p[1] == '.' || p[1] == '=')) {
			char close[3] = { p[1], ']', 0 };
			const char *e = strstr(p + 2, close);
			p = e ? e + 2 : p + strlen(p);
		} else {
			p++;
		}
	}
	return *p ? p + 1 : p;
}

/* glibc's regcomp copies the subtree under every '+' and bound, so stacked
 * repetitions (a+++...) or deep nesting make it allocate without limit: a
 * config file must not be able to do that to the server.  A prompt
 * pattern needs none of it. */
static const char *regex_problem(const char *v)
{
	int depth = 0;
	bool quant = false;
	if (strlen(v) > 256)
		return "is longer than 256 characters";
	for (const char *p = v; *p;) {
		bool q = false;
		switch (*p) {
		case '\\': p += p[1] ? 2 : 1; break;
		case '[': p = skip_bracket(p); break;
		case '{': return "uses a {n,m} bound: use *, + or ?";
		case '(':
			if (++depth > 8)
				return "nests groups more than 8 deep";
			p++;
			break;
		case ')': depth--; p++; break;
		case '*': case '+': case '?':
			if (quant)
				return "stacks repetitions (such as a++ or a*?)";
			q = true;
			p++;
			break;
		default: p++;
		}
		quant = q;
	}
	return NULL;
}

static char *check_regex(const char *key, const char *v)
{
	const char *problem = regex_problem(v);
	if (problem)
		return xasprintf("%s='%s' %s", key, v, problem);
	regex_t re;
	int rc = regcomp(&re, v, REG_EXTENDED | REG_NOSUB);
	if (rc == 0) {
		regfree(&re);
		return NULL;
	}
	char why[128];
	regerror(rc, &re, why, sizeof why);
	regfree(&re);
	return xasprintf("%s='%s' is not a POSIX extended regex: %s", key, v, why);
}

bool conf_monitor(const char *v, bool *activity, unsigned *silence)
{
	char *copy = xstrdup(v), *save = NULL;
	bool ok = true;
	*activity = false;
	*silence = 0;
	for (char *w = strtok_r(copy, " \t\n", &save); w && ok; w = strtok_r(NULL, " \t\n", &save)) {
		char *end;
		unsigned long n;
		if (!strcmp(w, "activity"))
			*activity = true;
		else if (!strncmp(w, "silence:", 8) && (n = strtoul(w + 8, &end, 10)) >= 1 &&
			 n <= 86400 && end != w + 8 && !*end && w[8] != '-' && w[8] != '+')
			*silence = (unsigned)n;
		else
			ok = false;
	}
	free(copy);
	return ok;
}

/* MONITOR: activity and/or silence:SECONDS. */
static char *check_monitor(const char *key, const char *v)
{
	bool a;
	unsigned s;
	if (conf_monitor(v, &a, &s))
		return NULL;
	return xasprintf("%s='%s': use activity, silence:SECONDS (1 to 86400), or both", key, v);
}

/* ALERT: a regex as READY's, or empty (no alerts from the console). */
static char *check_alert(const char *key, const char *v)
{
	return *v ? check_regex(key, v) : NULL;
}

/* Linux interface names: 1-15 bytes, no '/', ':' or blanks, not . or .. */
static bool ifname_ok(const char *v)
{
	size_t n = strlen(v);
	if (n == 0 || n > 15 || !strcmp(v, ".") || !strcmp(v, ".."))
		return false;
	for (const char *p = v; *p; p++)
		if (*p <= ' ' || *p >= 0x7f || *p == '/' || *p == ':' || *p == ',' ||
		    *p == '=')
			return false;
	return true;
}

static char *check_ifname(const char *key, const char *v)
{
	if (!ifname_ok(v))
		return xasprintf("%s='%s' is not an interface name (1-15 characters, "
				 "no '/', ':' or spaces)", key, v);
	return NULL;
}

/* A NET word is a host interface (tap1: eth<i>=tuntap,tap1) or a transport
 * spec handed to UML as is (daemon,,unix,/path). */
static const char *net_word_problem(const char *w)
{
	static const char *const transports[] = {
		"tuntap", "ethertap", "daemon", "mcast", "ucast", "umcast", "slip",
		"slirp", "pcap", "vde", "vector",
	};
	if (!strpbrk(w, ",="))
		return ifname_ok(w) ? NULL : "is not an interface name (1-15 "
			"characters, no '/' or ':') nor a transport spec such as "
			"daemon,,unix,/path";
	size_t n = strcspn(w, ",:=");
	for (size_t i = 0; i < ARRAY_LEN(transports); i++)
		if (strlen(transports[i]) == n && !strncmp(w, transports[i], n))
			return NULL;
	return "is not a transport UML knows (tuntap, ethertap, daemon, mcast, "
	       "ucast, umcast, slip, slirp, pcap, vde, vector)";
}

static char *for_each_word(const char *key, const char *v,
			   const char *(*problem)(const char *))
{
	char *copy = xstrdup(v), *save = NULL, *msg = NULL;
	for (char *w = strtok_r(copy, " \t\n", &save); w && !msg;
	     w = strtok_r(NULL, " \t\n", &save)) {
		const char *why = problem(w);
		if (why)
			msg = xasprintf("%s: '%s' %s", key, w, why);
	}
	free(copy);
	return msg;
}

static char *check_net(const char *key, const char *v)
{
	return for_each_word(key, v, net_word_problem);
}

/* SWITCH: names (check_name's rules), each once. */
static char *check_switch(const char *key, const char *v)
{
	char *copy = xstrdup(v), *save = NULL, *msg = NULL;
	const char *seen[64];
	size_t n = 0;
	for (char *w = strtok_r(copy, " \t\n", &save); w && !msg;
	     w = strtok_r(NULL, " \t\n", &save)) {
		msg = check_name(key, w);
		for (size_t i = 0; i < n && !msg; i++)
			if (!strcmp(seen[i], w))
				msg = xasprintf("%s: '%s' is named twice (one interface "
						"per switch)", key, w);
		if (n < 64)
			seen[n++] = w;
	}
	if (!msg && !n)
		msg = xasprintf("%s must name at least one switch", key);
	free(copy);
	return msg;
}

/* TAGS: words to pick instances by (ctl send --tag, the TUI's marks). */
bool conf_tag_ok(const char *t)
{
	size_t n = strlen(t);
	return n >= 1 && n <= CONF_TAG_MAX && strspn(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				       "abcdefghijklmnopqrstuvwxyz0123456789_.-") == n;
}

static char *check_tags(const char *key, const char *v)
{
	char *copy = xstrdup(v), *save = NULL, *msg = NULL;
	size_t total = 0;
	for (char *w = strtok_r(copy, " \t\n", &save); w && !msg;
	     w = strtok_r(NULL, " \t\n", &save)) {
		total += strlen(w) + 1;
		if (!conf_tag_ok(w))
			msg = xasprintf("%s: '%s' is not a tag (1 to %d of A-Z a-z 0-9 _ . -)",
					key, w, CONF_TAG_MAX);
	}
	if (!msg && total > CONF_TAGS_MAX)
		msg = xasprintf("%s: more than %d characters of tags", key, CONF_TAGS_MAX);
	free(copy);
	return msg;
}

/* ---- ubd words, as UML's ubd driver reads its option ---- */

#define UBD_MAX_DEV 16 /* UML's MAX_DEV: ubd0 to ubd15 */

/* The device number as the kernel's simple_strtoul(s, &end, 0) reads it
 * (0x hex, a leading 0 octal, else decimal), or a letter, a = 0.  Returns
 * the end, or NULL when there is none. */
static const char *ubd_unit(const char *s, unsigned *dev)
{
	if (*s >= 'a' && *s <= 'z') {
		*dev = (unsigned)(*s - 'a');
		return s + 1;
	}
	if (*s < '0' || *s > '9')
		return NULL;
	unsigned base = 10, v = 0;
	if (s[0] == '0' && (s[1] | 0x20) == 'x' && isxdigit((unsigned char)s[2])) {
		base = 16;
		s += 2;
	} else if (s[0] == '0') {
		base = 8;
	}
	for (;; s++) {
		unsigned d = *s >= '0' && *s <= '9' ? (unsigned)(*s - '0')
			   : isxdigit((unsigned char)*s) ? (unsigned)((*s | 0x20) - 'a' + 10)
			   : base;
		if (d >= base)
			break;
		if (v < UBD_MAX_DEV) /* past that, only "too large" matters */
			v = v * base + d;
	}
	*dev = v;
	return s;
}

int conf_parse_ubd(const char *w, struct conf_ubd *out, const char **why)
{
	if (strncmp(w, "ubd", 3) || w[3] == '=')
		return 0;
	*out = (struct conf_ubd){ 0 };
	const char *p = ubd_unit(w + 3, &out->dev);
	*why = NULL;
	if (!p)
		*why = "has no device number: write ubd<n>=FILE, n from 2 to 15";
	else if (out->dev >= UBD_MAX_DEV)
		*why = "is past ubd15, UML's last disk";
	for (size_t nflags = 0; !*why && *p != '='; p++) {
		switch (*p) {
		case 'r': out->ro = true; break;
		case 'c': out->shared = true; break;
		case 'd': out->no_cow = true; break;
		case 's': case 't': break;
		case '\0': *why = "has no '=': write ubd<n>[FLAGS]=FILE"; break;
		default:
			*why = "has a letter UML takes for no flag: after ubd<n> come "
			       "the flags r, s, d, c, t, then '='";
		}
		if (++nflags > 6 && !*why) /* as UML counts them */
			*why = "has more than six flags";
	}
	if (*why)
		return -EINVAL;
	out->file = ++p;
	out->file_len = strcspn(p, ",:");
	p += out->file_len;
	if (*p) {
		out->backing = ++p;
		out->backing_len = strcspn(p, ",:");
	}
	if (!out->file_len && out->backing_len)
		*why = "has a backing file but no COW file before it";
	else if (out->no_cow && out->backing_len)
		*why = "has the d flag (no COW) and a backing file: drop one of them";
	return *why ? -EINVAL : 1;
}

/* A ubd word in ARGS: ROOT and SWAP are ubd0 and ubd1; the files need
 * absolute paths, as ROOT does, and for the shared-image check. */
static const char *ubd_word_problem(const struct conf_ubd *u)
{
	if (u->dev == 0)
		return "overrides ROOT: use ROOT";
	if (u->dev == 1)
		return "overrides SWAP: use SWAP";
	if ((u->file_len && u->file[0] != '/') || (u->backing_len && u->backing[0] != '/'))
		return "names a file by a relative path: write it absolute (the "
		       "server does not run in this directory)";
	return NULL;
}

/* ARGS come last on UML's command line, so they would override what the
 * server depends on or what a key of its own says better. */
static const char *args_word_problem(const char *w)
{
	struct conf_ubd u;
	const char *why;
	int rc = conf_parse_ubd(w, &u, &why);
	if (rc)
		return rc < 0 ? why : ubd_word_problem(&u);
	static const struct {
		const char *prefix, *why;
	} taken[] = {
		{ "umid=", "is set by the server: use UMID" },
		{ "uml_dir=", "is set by the server" },
		{ "mconsole=", "is set by the server" },
		{ "con0=", "is set by the server (the console is its pty)" },
		{ "con=", "is set by the server (the console is its pty)" },
		{ "hostfs=", "is set by the server (it confines hostfs mounts)" },
		{ "mem=", "overrides MEMORY: use MEMORY" },
		{ "eth", "clashes with NET: use NET" },
	};
	for (size_t i = 0; i < ARRAY_LEN(taken); i++) {
		size_t n = strlen(taken[i].prefix);
		if (!strncmp(w, taken[i].prefix, n) &&
		    (taken[i].prefix[n - 1] == '=' || strchr(w, '=')))
			return taken[i].why;
	}
	return NULL;
}

static char *check_args(const char *key, const char *v)
{
	return for_each_word(key, v, args_word_problem);
}

/* Key names for the TUI: [C-|M-|S-]... then one printable character or a
 * named key; or ^X. */
static char *check_keyspec(const char *key, const char *v)
{
	static const char *const named[] = {
		"Enter", "Tab", "Space", "Escape", "Esc", "BSpace", "Up", "Down",
		"Left", "Right", "Home", "End", "PgUp", "PgDn", "IC", "DC",
		"F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8", "F9", "F10", "F11",
		"F12",
	};
	const char *p = v;
	if (p[0] == '^' && p[1] > ' ' && p[1] < 0x7f && !p[2])
		return NULL;
	while ((p[0] == 'C' || p[0] == 'M' || p[0] == 'S') && p[1] == '-' && p[2])
		p += 2;
	if (p[0] > ' ' && p[0] < 0x7f && !p[1])
		return NULL;
	for (size_t i = 0; i < ARRAY_LEN(named); i++)
		if (!strcasecmp(p, named[i]))
			return NULL;
	return xasprintf("%s='%s' is not a key (e.g. C-a, M-x, ^B, q, F1, Enter)",
			 key, v);
}

static const struct key keys[] = {
	{ "UMLDIR", false, check_path },
	{ "USER", false, check_user },
	{ "MEMORY", false, check_size },
	{ "NET", false, check_net },
	{ "KERNEL", false, check_path },
	{ "ROOT", false, check_image },
	{ "SWAP", false, check_image },
	{ "UMID", false, check_name },
	{ "ARGS", false, check_args },
	{ "BRIDGE", false, check_ifname },
	{ "SWITCH", false, check_switch },
	{ "TAGS", false, check_tags },
	{ "HALT_TIMEOUT", false, check_seconds },
	{ "AUTOSTART", false, check_bool },
	{ "LOG", false, check_path },
	{ "READY", false, check_regex },
	{ "ALERT", false, check_alert },
	{ "MONITOR", false, check_monitor },
	{ "BOOT_NICE", false, check_nice },
	{ "PREFIX", true, check_keyspec },
	{ "POLL_INTERVAL", true, check_poll },
	{ "BOOT_MAX", true, check_boot_max },
	{ "SCROLLBACK", true, check_lines },
	{ "LOG_MAX", true, check_size },
	{ "ALERT_BELL", true, check_bool },
	{ "BIND_", true, check_keyspec }, /* BIND_<ACTION>, matched by prefix */
};

/* Words people reach for that mean one of ours. */
static const char *const aliases[][2] = {
	{ "MEM", "MEMORY" }, { "RAM", "MEMORY" }, { "CMDLINE", "ARGS" },
	{ "APPEND", "ARGS" }, { "OPTIONS", "ARGS" }, { "TAP", "NET" },
	{ "IFACE", "NET" }, { "ETH", "NET" }, { "DISK", "ROOT" },
	{ "IMAGE", "ROOT" }, { "TIMEOUT", "HALT_TIMEOUT" }, { "NAME", "UMID" },
	{ "BOOT", "AUTOSTART" }, { "ENABLED", "AUTOSTART" },
};

/* Optimal string alignment distance (Levenshtein plus swaps), case-blind,
 * capped at 3: only 0-2 make a suggestion. */
static int distance(const char *a, const char *b)
{
	int la = (int)strlen(a), lb = (int)strlen(b);
	if (la > 64 || lb > 64 || abs(la - lb) > 2)
		return 3;
	int rows[3][65]; /* i-2, i-1, i */
	for (int j = 0; j <= lb; j++)
		rows[0][j] = j;
	for (int i = 1; i <= la; i++) {
		int *pp = rows[(i + 1) % 3], *p = rows[(i + 2) % 3], *c = rows[i % 3];
		int best = c[0] = i;
		for (int j = 1; j <= lb; j++) {
			int cost = (a[i - 1] | 0x20) != (b[j - 1] | 0x20);
			int v = MIN(p[j] + 1, c[j - 1] + 1);
			v = MIN(v, p[j - 1] + cost);
			if (i > 1 && j > 1 && (a[i - 1] | 0x20) == (b[j - 2] | 0x20) &&
			    (a[i - 2] | 0x20) == (b[j - 1] | 0x20))
				v = MIN(v, pp[j - 2] + 1);
			c[j] = v;
			best = MIN(best, v);
		}
		if (best >= 3)
			return 3;
	}
	return MIN(rows[la % 3][lb], 3);
}

/* The known key an unknown one was probably meant to be, or NULL. */
static const char *suggest(const char *k)
{
	for (size_t i = 0; i < ARRAY_LEN(aliases); i++)
		if (!strcasecmp(k, aliases[i][0]))
			return aliases[i][1];
	const char *best = NULL;
	int bd = 4, lk = (int)strlen(k);
	for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
		const char *n = keys[i].name;
		int ln = (int)strlen(n), dd = distance(k, n);
		bool close = dd <= MAX(1, MIN(2, ln / 3));
		bool part = lk >= 3 && lk < ln && (!strncasecmp(k, n, (size_t)lk) ||
			(n[ln - lk - 1] == '_' && !strcasecmp(k, n + ln - lk)));
		if ((close || part) && dd < bd && strcmp(n, "BIND_")) {
			best = n;
			bd = dd;
		}
	}
	return best;
}

static char *unknown_key(const char *key)
{
	const char *s = suggest(key);
	if (s)
		return xasprintf("unknown key %s (did you mean %s?)", key, s);
	return xasprintf("unknown key %s; instance keys are UMLDIR, USER, MEMORY, "
			 "NET, KERNEL, ROOT, SWAP, UMID, ARGS, BRIDGE, SWITCH, TAGS, "
			 "HALT_TIMEOUT, AUTOSTART, LOG, READY, ALERT, MONITOR, BOOT_NICE", key);
}

static const struct key *find_key(const char *key)
{
	for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
		const char *n = keys[i].name;
		if (!strcmp(n, "BIND_") ? !strncmp(key, n, 5) && key[5] : !strcmp(key, n))
			return &keys[i];
	}
	return NULL;
}

char *conf_check_value(const char *key, const char *value, bool in_global)
{
	const struct key *k = find_key(key);
	if (!k)
		return unknown_key(key);
	if (k->global && !in_global)
		return xasprintf("%s is a global setting: it belongs in "
				 CONF_GLOBAL_FILE, key);
	if (!*value)
		return NULL; /* empty = not set: the default applies */
	return k->check(key, value);
}
