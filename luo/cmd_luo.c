/*
 * The `luo ...` console commands (docs/console.md), mirroring /dev/liveupdate:
 * create-session, retrieve-session, preserve, retrieve, finish, close-session,
 * list. FILE names a memfd or a device (the namespaces objects register, struct
 * luo_name_kind); a retrieved file takes the name NAME.
 */
#include <errno.h>
#include <luo.h>
#include <memfd.h>
#include <printk.h>
#include <shell.h>
#include <string.h>

static int usage(struct shell_ctx *c)
{
	return shell_usage(c, "luo", "create-session NAME | retrieve-session NAME | "
			   "preserve SESSION FILE TOKEN | retrieve SESSION TOKEN NAME | "
			   "finish SESSION | close-session NAME | list");
}

static int name_err(struct shell_ctx *c, int err, const char *name)
{
	switch (err) {
	case -EINVAL: return shell_err(c, err, "session names are 1 to 63 bytes");
	case -EEXIST: return shell_err(c, err, "session '%.64s' exists", name);
	case -ENOENT: return shell_err(c, err, "no session '%.64s'", name);
	case -EIO: return shell_err(c, err, "the incoming sessions could not be read");
	case -EBUSY: return shell_err(c, err, "the outgoing sessions are frozen in a "
				       "finalized handover (kexec unload first)");
	default: return shell_err(c, err, "failed");
	}
}

static int create_session(struct shell_ctx *c, char **argv)
{
	int err = luo_create_session(argv[2]);
	if (err)
		return name_err(c, err, argv[2]);
	shell_kv(c, "session", "%s", argv[2]);
	return 0;
}

static int retrieve_session(struct shell_ctx *c, char **argv)
{
	uint64_t n;
	int err = luo_retrieve_session(argv[2], &n);
	if (err == -EINVAL)
		return shell_err(c, err, "session '%.64s' was already retrieved", argv[2]);
	if (err)
		return name_err(c, err, argv[2]);
	shell_kv(c, "session", "%s", argv[2]);
	shell_kv(c, "files", "%llu", (unsigned long long)n);
	return 0;
}

static int preserve(struct shell_ctx *c, char **argv)
{
	uint64_t token;
	if (parse_u64(argv[4], &token))
		return usage(c);
	struct luo_fileref ref = { "memfd", NULL };
	luo_name_find(argv[3], &ref);             /* none: LUO answers EBADF */
	struct luo_session_state st;
	int err = luo_preserve(argv[2], &ref, token);
	switch (err) {
	case 0:
		shell_kv(c, "token", "%s", argv[4]);
		return 0;
	case -ENOENT:
		if (!luo_session_exists(argv[2]))
			return shell_err(c, err, "no session '%.64s'", argv[2]);
		return shell_err(c, err, "no handler takes '%.64s'", argv[3]);
	case -EINVAL:
		luo_session_state(argv[2], &st);
		if (!st.outgoing)
			return shell_err(c, err, "session '%.64s' is incoming", argv[2]);
		return shell_err(c, err, "the handler refused '%.64s'", argv[3]);
	case -EEXIST: return shell_err(c, err, "token %s is taken in this session", argv[4]);
	case -EBADF: return shell_err(c, err, "no file named '%.64s'", argv[3]);
	case -EBUSY:
		if (luo_frozen())
			return name_err(c, err, argv[2]);
		return shell_err(c, err, "'%.64s' is already preserved", argv[3]);
	default: return shell_err(c, err, "the handler refused '%.64s'", argv[3]);
	}
}

static int retrieve(struct shell_ctx *c, char **argv)
{
	uint64_t token;
	struct luo_fileref ref;
	if (parse_u64(argv[3], &token))
		return usage(c);
	if (memfd_check_name(argv[4]))
		return shell_err(c, -EINVAL, "file names are 1 to 63 bytes");
	if (!luo_name_find(argv[4], &ref))
		return shell_err(c, -EEXIST, "a %s named '%.64s' exists", ref.kind, argv[4]);
	struct luo_session_state st;
	int err = luo_retrieve(argv[2], token, argv[4], &ref);
	const struct luo_name_kind *k = err ? NULL : luo_name_kind(ref.kind);
	if (k && k->retrieved)
		err = k->retrieved(ref.obj, argv[4]);   /* a memfd retrieved again after a close */
	luo_session_state(argv[2], &st);
	if (err == -ENOENT)
		return shell_err(c, err, "no session '%.64s' or no token %s in it", argv[2], argv[3]);
	if (err == -EINVAL && !st.retrieved)
		return shell_err(c, err, "session '%.64s' is not a retrieved incoming one", argv[2]);
	if (err == -EINVAL)
		return shell_err(c, err, "token %s: its handed-over record is invalid", argv[3]);
	if (err == -ENODEV)                         /* a name the file's kind cannot take */
		return shell_err(c, err, "token %s cannot be named '%.64s' (a disk takes blk0 "
				 "to blk3)", argv[3], argv[4]);
	if (err == -EIO && !st.retrieved)           /* every incoming access: EIO */
		return shell_err(c, err, "the incoming sessions could not be read");
	if (err == -EIO)
		return shell_err(c, err, "token %s: its memory could not be taken back", argv[3]);
	if (err)
		return shell_err(c, err, "retrieving token %s failed", argv[3]);
	shell_kv(c, "name", "%s", k ? k->name(ref.obj) : argv[4]);
	return 0;
}

static int finish(struct shell_ctx *c, char **argv)
{
	int err = luo_finish(argv[2]);
	if (err == -EBUSY)
		return shell_err(c, err, "a file of '%.64s' cannot finish yet", argv[2]);
	if (err == -EINVAL)
		return shell_err(c, err, "session '%.64s' is not a retrieved incoming one", argv[2]);
	return err ? name_err(c, err, argv[2]) : 0;
}

static int close_session(struct shell_ctx *c, char **argv)
{
	int err = luo_close_session(argv[2]);
	if (err == -EINVAL)
		return shell_err(c, err, "incoming session '%.64s' was never retrieved", argv[2]);
	return err ? name_err(c, err, argv[2]) : 0;
}

static int list(struct shell_ctx *c, char **argv)
{
	(void)argv;
	luo_list();
	shell_kv(c, "sessions", "%u", luo_session_count());
	return 0;
}

static const struct {
	const char *verb;
	int argc;
	int (*run)(struct shell_ctx *c, char **argv);
} verbs[] = {
	{ "create-session", 3, create_session }, { "retrieve-session", 3, retrieve_session },
	{ "preserve", 5, preserve },             { "retrieve", 5, retrieve },
	{ "finish", 3, finish },                 { "close-session", 3, close_session },
	{ "list", 2, list },
};

static int cmd_luo(struct shell_ctx *c, int argc, char **argv)
{
	for (unsigned i = 0; argc >= 2 && i < ARRAY_SIZE(verbs); i++)
		if (!strcmp(argv[1], verbs[i].verb) && argc == verbs[i].argc)
			return verbs[i].run(c, argv);
	return usage(c);
}
SHELL_CMD("luo", "create-session|preserve|retrieve|finish|...", "live update sessions", cmd_luo);
