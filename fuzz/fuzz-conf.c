/* libFuzzer harness for the config parser: any bytes through
 * conf_parse_buf_env, then every assignment it accepts through the checks
 * that need no file system (conf_check_value and the value parsers). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "lib/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
	int last_line;
	unsigned n;
};

static void on_kv(const char *key, const char *value, int line, void *arg)
{
	struct seen *s = arg;
	/* Lines only go forward, and a key is what the parser promised. */
	if (line < s->last_line || line < 1 || !*key || strspn(key,
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != strlen(key))
		abort();
	s->last_line = line;
	s->n++;
	free(conf_check_value(key, value, line & 1)); /* as either kind of file */
	uint64_t b;
	unsigned u;
	bool yes;
	conf_parse_size(value, &b);
	conf_parse_seconds(value, &u);
	conf_parse_ms(value, &u);
	conf_parse_bool(value, &yes);
}

static void on_err(int line, const char *msg, void *arg)
{
	(void)arg;
	if (line < 1 || !msg || !*msg)
		abort();
}

/* As the loader answers for an instance file: a global default and NAME. */
static const char *lookup(const char *name, void *arg)
{
	(void)arg;
	if (!strcmp(name, "UMLDIR"))
		return "/uml";
	if (!strcmp(name, "NAME"))
		return "web";
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seen s = { 1, 0 };
	int nerr = conf_parse_buf_env((const char *)data, size, lookup, on_kv, on_err, &s);
	if (nerr < 0)
		abort();
	struct seen s2 = { 1, 0 };
	conf_parse_buf((const char *)data, size, on_kv, NULL, &s2);
	/* The whole input as one value, for the parsers' corner cases. */
	char *v = xstrndup((const char *)data, size);
	uint64_t b;
	unsigned u;
	bool yes;
	conf_parse_size(v, &b);
	conf_parse_seconds(v, &u);
	conf_parse_bool(v, &yes);
	free(conf_check_value("MEMORY", v, false));
	free(conf_check_value("NET", v, false));
	free(conf_check_value("READY", v, false));
	free(v);
	return 0;
}
