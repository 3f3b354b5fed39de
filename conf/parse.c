/* The shell-variable parser: the part of sh that Gentoo conf.d files use
 * (assignments, quotes, backslashes, $KEY expansion, comments) over a
 * buffer.  Whatever sh would run or expand beyond that is an error with its
 * line, never silently read differently from what sh would do. */
#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "lib/util.h"

/* No value is this long: the cap stops "A=$A$A" lines from doubling a
 * value into gigabytes, which the fuzzer found (a config file must not be
 * able to exhaust the server's memory). */
#define CONF_MAX_VALUE (16 * 1024)

struct var {
	char *key, *value;
};

struct parser {
	const char *p, *end;
	int line;
	conf_lookup_fn lookup;
	conf_kv_fn kv;
	conf_err_fn err;
	void *arg;
	int nerr;
	bool bad;       /* the assignment being read has had its error */
	struct buf val; /* the value being read */
	struct var *vars; /* what this buffer has set so far, for $KEY */
	size_t nvars;
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static bool is_name_start(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool is_name_char(char c)
{
	return is_name_start(c) || (c >= '0' && c <= '9');
}

/* One error per assignment: the first one says what to fix, the rest of a
 * broken value would only echo it. */
static void PRINTF_LIKE(3, 4) perr(struct parser *ps, int line, const char *fmt, ...)
{
	if (ps->bad)
		return;
	ps->bad = true;
	ps->nerr++;
	if (!ps->err)
		return;
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	ps->err(line, msg, ps->arg);
	free(msg);
}

static void skip_blanks(struct parser *ps)
{
	while (ps->p < ps->end && is_blank(*ps->p))
		ps->p++;
}

static void skip_line(struct parser *ps)
{
	while (ps->p < ps->end && *ps->p != '\n')
		ps->p++;
}

static size_t scan_name(struct parser *ps)
{
	const char *s = ps->p;
	while (ps->p < ps->end && is_name_char(*ps->p))
		ps->p++;
	return (size_t)(ps->p - s);
}

static void append(struct parser *ps, const char *p, size_t n)
{
	if (ps->val.len + n > CONF_MAX_VALUE) {
		perr(ps, ps->line, "value longer than %d KiB", CONF_MAX_VALUE / 1024);
		return;
	}
	buf_append(&ps->val, p, n);
}

static void put(struct parser *ps, char c)
{
	append(ps, &c, 1);
}

static const char *var_get(struct parser *ps, const char *key)
{
	for (size_t i = ps->nvars; i-- > 0;)
		if (!strcmp(ps->vars[i].key, key))
			return ps->vars[i].value;
	return ps->lookup ? ps->lookup(key, ps->arg) : NULL;
}

static void var_set(struct parser *ps, const char *key, const char *value)
{
	for (size_t i = 0; i < ps->nvars; i++) {
		if (!strcmp(ps->vars[i].key, key)) {
			free(ps->vars[i].value);
			ps->vars[i].value = xstrdup(value);
			return;
		}
	}
	ps->vars = xreallocarray(ps->vars, ps->nvars + 1, sizeof *ps->vars);
	ps->vars[ps->nvars].key = xstrdup(key);
	ps->vars[ps->nvars++].value = xstrdup(value);
}

static void expand_name(struct parser *ps, const char *name, size_t n)
{
	char *key = xstrndup(name, n);
	const char *v = var_get(ps, key);
	if (v)
		append(ps, v, strlen(v));
	else
		perr(ps, ps->line,
		     "$%s is not set (a value can use keys set above it in this "
		     "file or in " CONF_GLOBAL_FILE ")", key);
	free(key);
}

/* ${KEY}; sh's ${KEY:-default} and friends are refused, not half done. */
static void expand_braces(struct parser *ps)
{
	const char *s = ++ps->p; /* past '{' */
	size_t n = scan_name(ps);
	if (n && !(*s >= '0' && *s <= '9') && ps->p < ps->end && *ps->p == '}') {
		ps->p++;
		expand_name(ps, s, n);
		return;
	}
	while (ps->p < ps->end && *ps->p != '}' && *ps->p != '\n' && *ps->p != '"')
		ps->p++;
	if (ps->p < ps->end && *ps->p == '}')
		ps->p++;
	perr(ps, ps->line, "only $KEY and ${KEY} are expanded here, not ${%.*s}",
	     (int)MIN((size_t)(ps->p - s), 40), s);
}

/* At a '$': a key, ${key}, or a literal '$' as sh leaves it (before a
 * space, a quote, ']'...: the default READY pattern relies on that). */
static void expand(struct parser *ps)
{
	ps->p++;
	if (ps->p == ps->end) {
		put(ps, '$');
		return;
	}
	char c = *ps->p;
	if (c == '{') {
		expand_braces(ps);
	} else if (is_name_start(c)) {
		const char *s = ps->p;
		expand_name(ps, s, scan_name(ps));
	} else if ((c >= '0' && c <= '9') || strchr("@*#?$!-", c)) {
		ps->p++;
		perr(ps, ps->line,
		     "$%c is a special parameter of sh, not expanded here "
		     "(write \\$ for a literal $)", c);
	} else if (c == '(') {
		ps->p++;
		perr(ps, ps->line, "command substitution $(...) is not supported");
	} else {
		put(ps, '$');
	}
}

static void backquote(struct parser *ps)
{
	ps->p++;
	perr(ps, ps->line, "command substitution `...` is not supported");
}

static void double_quoted(struct parser *ps)
{
	int start = ps->line;
	ps->p++;
	for (;;) {
		if (ps->p == ps->end) {
			ps->bad = false; /* this one always matters */
			perr(ps, start, "unterminated double quote");
			return;
		}
		char c = *ps->p;
		if (c == '"') {
			ps->p++;
			return;
		}
		if (c == '\\' && ps->p + 1 < ps->end) {
			char n = ps->p[1];
			if (n == '\n') {
				ps->line++;
				ps->p += 2;
				continue;
			}
			if (strchr("\"\\$`", n)) {
				put(ps, n);
				ps->p += 2;
				continue;
			}
		}
		if (c == '$') {
			expand(ps);
			continue;
		}
		if (c == '`') {
			backquote(ps);
			continue;
		}
		if (c == '\n')
			ps->line++;
		put(ps, c);
		ps->p++;
	}
}

static void single_quoted(struct parser *ps)
{
	int start = ps->line;
	const char *s = ++ps->p;
	while (ps->p < ps->end && *ps->p != '\'') {
		if (*ps->p == '\n')
			ps->line++;
		ps->p++;
	}
	if (ps->p == ps->end) {
		ps->bad = false;
		perr(ps, start, "unterminated single quote");
		return;
	}
	append(ps, s, (size_t)(ps->p - s));
	ps->p++;
}

static void bare_backslash(struct parser *ps)
{
	ps->p++;
	if (ps->p == ps->end)
		return;
	if (*ps->p == '\n')
		ps->line++;
	else
		put(ps, *ps->p);
	ps->p++;
}

/* A value: quoted and bare pieces glued together, up to an unquoted blank,
 * newline or ';', as sh reads the word after '='. */
static void parse_value(struct parser *ps)
{
	if (ps->p < ps->end && *ps->p == '~')
		perr(ps, ps->line, "~ is expanded by sh but not here: write the full path");
	while (ps->p < ps->end) {
		char c = *ps->p;
		if (is_blank(c) || c == '\n' || c == ';')
			return;
		switch (c) {
		case '"': double_quoted(ps); break;
		case '\'': single_quoted(ps); break;
		case '\\': bare_backslash(ps); break;
		case '$': expand(ps); break;
		case '`': backquote(ps); break;
		case '(': case ')': case '<': case '>': case '|': case '&':
			perr(ps, ps->line, "'%c' is special to sh: quote the value", c);
			ps->p++;
			break;
		default:
			put(ps, c);
			ps->p++;
		}
	}
}

/* Does an assignment start here?  (For "A=1 B=2" on one line.) */
static bool at_assignment(const struct parser *ps)
{
	const char *q = ps->p;
	if (q == ps->end || !is_name_start(*q))
		return false;
	while (q < ps->end && is_name_char(*q))
		q++;
	return q < ps->end && *q == '=';
}

/* After a value only a comment, the end of the line, ';' or another
 * assignment may follow: "KEY=a b" would make sh run b. */
static void after_value(struct parser *ps, const char *key)
{
	skip_blanks(ps);
	if (ps->p == ps->end || *ps->p == '\n' || *ps->p == '#' || *ps->p == ';' ||
	    at_assignment(ps))
		return;
	const char *s = ps->p;
	skip_line(ps);
	perr(ps, ps->line,
	     "unexpected '%.*s' after the value of %s: quote a value that "
	     "holds spaces (%s=\"a b\")",
	     (int)MIN((size_t)(ps->p - s), 30), s, key, key);
}

static void not_assignment(struct parser *ps, const char *s)
{
	const char *q = ps->p;
	while (q < ps->end && is_blank(*q))
		q++;
	bool spaced = q > ps->p && q < ps->end && *q == '=' && ps->p > s;
	skip_line(ps);
	const char *e = spaced ? q : ps->p;
	while (e > s && is_blank(e[-1]))
		e--;
	ps->bad = false;
	if (spaced)
		perr(ps, ps->line, "no spaces around '=' in %.*s=value",
		     (int)MIN((size_t)(e - s), 40), s);
	else if (e == s)
		perr(ps, ps->line, "expected KEY=value");
	else
		perr(ps, ps->line, "expected KEY=value, not '%.*s'",
		     (int)MIN((size_t)(e - s), 40), s);
}

static bool check_key(struct parser *ps, const char *key)
{
	if (key[0] >= '0' && key[0] <= '9') {
		perr(ps, ps->line, "'%s' is not a key: keys start with a letter", key);
		return false;
	}
	for (const char *k = key; *k; k++) {
		if (*k >= 'a' && *k <= 'z') {
			char *up = xstrdup(key);
			for (char *u = up; *u; u++)
				if (*u >= 'a' && *u <= 'z')
					*u = (char)(*u - 'a' + 'A');
			perr(ps, ps->line, "key '%s' must be upper case (%s)", key, up);
			free(up);
			return false;
		}
	}
	return true;
}

/* One KEY=value, optionally after "export ". */
static void statement(struct parser *ps)
{
	const char *s = ps->p;
	size_t n = scan_name(ps);
	if (n == 6 && !memcmp(s, "export", 6) && ps->p < ps->end && is_blank(*ps->p)) {
		skip_blanks(ps);
		s = ps->p;
		n = scan_name(ps);
	}
	if (n == 0 || ps->p == ps->end || *ps->p != '=') {
		not_assignment(ps, s);
		return;
	}
	int line = ps->line;
	char *key = xstrndup(s, n);
	ps->p++;
	ps->bad = false;
	check_key(ps, key);
	ps->val.len = 0;
	parse_value(ps);
	after_value(ps, key);
	if (!ps->bad) { /* a value with a mistake is not handed on half right */
		buf_append(&ps->val, "", 1); /* the NUL is not part of the cap */
		var_set(ps, key, ps->val.data);
		if (ps->kv)
			ps->kv(key, ps->val.data, line, ps->arg);
	}
	free(key);
}

static bool nul_inside(struct parser *ps)
{
	const char *z = memchr(ps->p, '\0', (size_t)(ps->end - ps->p));
	if (!z)
		return false;
	for (const char *q = ps->p; q < z; q++)
		if (*q == '\n')
			ps->line++;
	perr(ps, ps->line, "NUL byte: this is not a text file");
	return true;
}

int conf_parse_buf_env(const char *text, size_t len, conf_lookup_fn lookup,
		       conf_kv_fn kv, conf_err_fn err, void *arg)
{
	struct parser ps = { .p = text, .end = text + len, .line = 1, .lookup = lookup,
			     .kv = kv, .err = err, .arg = arg };
	if (len && nul_inside(&ps))
		return ps.nerr;
	while (ps.p < ps.end) {
		skip_blanks(&ps);
		if (ps.p == ps.end)
			break;
		char c = *ps.p;
		if (c == '\n') {
			ps.line++;
			ps.p++;
		} else if (c == '#') {
			skip_line(&ps);
		} else if (c == ';') {
			ps.p++;
		} else if (c == '\\' && ps.p + 1 < ps.end && ps.p[1] == '\n') {
			ps.line++;
			ps.p += 2;
		} else {
			statement(&ps);
		}
	}
	for (size_t i = 0; i < ps.nvars; i++) {
		free(ps.vars[i].key);
		free(ps.vars[i].value);
	}
	free(ps.vars);
	buf_free(&ps.val);
	return ps.nerr;
}

int conf_parse_buf(const char *text, size_t len, conf_kv_fn kv, conf_err_fn err,
		   void *arg)
{
	return conf_parse_buf_env(text, len, NULL, kv, err, arg);
}
