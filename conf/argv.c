/* What an instance becomes at launch: the runtime paths under the server's
 * directory and the exact argv of its kernel (DESIGN, "Launching a UML").
 * An argv, never a shell line: paths with spaces or quotes stay intact. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "lib/util.h"

void conf_paths(const struct conf_instance *in, const char *rundir,
		struct conf_paths *out)
{
	out->uml_dir = xasprintf("%s/uml", rundir);
	out->notify = xasprintf("%s/notify/%s", rundir, in->name);
	out->hostfs = xasprintf("%s/hostfs/%s", rundir, in->name);
	out->mconsole = xasprintf("%s/%s/mconsole", out->uml_dir, in->umid);
	out->pidfile = xasprintf("%s/%s/pid", out->uml_dir, in->umid);
	out->sw_ctl = NULL;
	if (in->nsw) {
		out->sw_ctl = xcalloc(in->nsw + 1, sizeof *out->sw_ctl);
		for (size_t i = 0; i < in->nsw; i++)
			out->sw_ctl[i] = conf_switch_ctl(rundir, in->sw[i]);
	}
}

char *conf_switch_ctl(const char *rundir, const char *name)
{
	return xasprintf("%s/switch/%s/ctl", rundir, name);
}

void conf_paths_free(struct conf_paths *p)
{
	free(p->uml_dir);
	free(p->notify);
	free(p->hostfs);
	free(p->mconsole);
	free(p->pidfile);
	conf_argv_free(p->sw_ctl);
	memset(p, 0, sizeof *p);
}

struct argv {
	char **v;
	size_t n;
};

static void add(struct argv *a, char *s)
{
	a->v = xreallocarray(a->v, a->n + 2, sizeof *a->v);
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
}

/* mem= in the largest unit that is exact: the kernel reads K, M and G. */
static char *mem_arg(uint64_t bytes)
{
	if (bytes % (1u << 20) == 0)
		return xasprintf("mem=%lluM", (unsigned long long)(bytes >> 20));
	if (bytes % 1024 == 0)
		return xasprintf("mem=%lluK", (unsigned long long)(bytes >> 10));
	return xasprintf("mem=%llu", (unsigned long long)bytes);
}

/* A plain interface name is a tap; anything with ',' or '=' is already a
 * transport spec. */
static void add_net(struct argv *a, const struct conf_instance *in,
		    const struct conf_paths *p)
{
	size_t i;
	for (i = 0; i < in->nnet; i++) {
		const char *w = in->net[i];
		if (strpbrk(w, ",="))
			add(a, xasprintf("eth%zu=%s", i, w));
		else
			add(a, xasprintf("eth%zu=tuntap,%s", i, w));
	}
	for (size_t k = 0; k < in->nsw; k++)
		add(a, xasprintf("eth%zu=daemon,,unix,%s", i + k, p->sw_ctl[k]));
}

char **conf_argv(const struct conf_instance *in, const char *rundir)
{
	struct conf_paths p;
	conf_paths(in, rundir, &p);
	struct argv a = { 0 };
	add(&a, xstrdup(in->kernel));
	add(&a, xasprintf("umid=%s", in->umid));
	add(&a, xasprintf("uml_dir=%s", p.uml_dir));
	if (in->memory)
		add(&a, mem_arg(in->memory));
	add(&a, xasprintf("ubd0=%s", in->root));
	if (in->swap)
		add(&a, xasprintf("ubd1=%s", in->swap));
	add(&a, xstrdup("root=/dev/ubda"));
	add(&a, xstrdup("con0=fd:0,fd:1"));
	add(&a, xstrdup("con=null"));
	add(&a, xstrdup("ssl=null"));
	add(&a, xasprintf("hostfs=%s", p.hostfs));
	add_net(&a, in, &p);
	add(&a, xasprintf("mconsole=notify:%s", p.notify));
	for (size_t i = 0; i < in->nargs; i++)
		add(&a, xstrdup(in->args[i]));
	conf_paths_free(&p);
	return a.v;
}

void conf_argv_free(char **argv)
{
	if (!argv)
		return;
	for (char **p = argv; *p; p++)
		free(*p);
	free(argv);
}
