/*
 * The shell: prompt, line editor, dispatch, and the one-result-line rule (see
 * include/shell.h). Bad lines (too long, non-printable bytes, too many words) get an
 * EINVAL result line like any failed command; nothing read here can crash the
 * kernel. Commands come from the .shell_cmd section, sorted by name.
 */
#include <boot_info.h>
#include <errname.h>
#include <layout.h>
#include <errno.h>
#include <printk.h>
#include <serial.h>
#include <shell_loop.h>
#include <string.h>

#define PROMPT "baton> "

extern const struct shell_cmd __shell_cmd_start[], __shell_cmd_end[];

static const struct shell_cmd *find_cmd(const char *name)
{
	for (const struct shell_cmd *cmd = __shell_cmd_start; cmd < __shell_cmd_end; cmd++)
		if (strcmp(cmd->name, name) == 0)
			return cmd;
	return NULL;
}

static void result(struct shell_ctx *c, int ret)
{
	if (ret == 0)
		printk("ok%s\n", c->kv);
	else
		printk("error: %s: %s\n", errname(ret), c->err[0] ? c->err : "failed");
}

void shell_exec_line(char *line)
{
	static struct shell_ctx ctx;
	char *argv[SHELL_ARGS_MAX];
	struct shell_ctx *c = &ctx;
	memset(c, 0, sizeof(*c));
	int argc = shell_split(line, argv, SHELL_ARGS_MAX);
	if (argc == 0)
		return;
	int ret;
	if (argc < 0) {
		ret = shell_err(c, -EINVAL, "too many words (at most %d)", SHELL_ARGS_MAX);
	} else {
		const struct shell_cmd *cmd = find_cmd(argv[0]);
		const struct shell_subcmd *sub = cmd ? shell_find_subcmd(argc, argv) : NULL;
		if (!cmd)
			ret = shell_err(c, -ENOENT, "unknown command '%.64s'", argv[0]);
		else if (sub)
			ret = sub->run(c, argc, argv);
		else
			ret = cmd->run(c, argc, argv);
		if (ret > 0)
			ret = 0;
	}
	result(c, ret);
}

int shell_run_script(const char *name)
{
	const struct boot_module *m = boot_module_find(name);
	if (!m) {
		printk("script: no module named '%s'\n", name);
		return -ENOENT;
	}
	const char *p = phys_to_virt(m->base), *end = p + m->size;
	static char line[SHELL_LINE_MAX];
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);
		const char *next = nl ? nl + 1 : end;
		if (n && p[n - 1] == '\r')
			n--;
		if (n >= sizeof(line)) {
			printk("%s%.40s...\nerror: EINVAL: line longer than %d bytes\n", PROMPT, p,
			       SHELL_LINE_MAX - 1);
			p = next;
			continue;
		}
		memcpy(line, p, n);
		line[n] = 0;
		p = next;
		size_t i = 0;
		while (line[i] == ' ' || line[i] == '\t')
			i++;
		if (!line[i] || line[i] == '#')
			continue;
		printk("%s%s\n", PROMPT, line);
		shell_exec_line(line);
	}
	return 0;
}

static void echo(const char *s, size_t n)
{
	serial_write(s, n);
}

__noreturn void shell_loop(void)
{
	static struct line_editor le;
	struct shell_ctx c;
	le.echo = echo;
	for (;;) {
		line_reset(&le);
		printk(PROMPT);
		enum line_event ev;
		while ((ev = line_feed(&le, (uint8_t)serial_getc())) == LINE_MORE)
			;
		memset(&c, 0, sizeof(c));
		switch (ev) {
		case LINE_DONE:
			shell_exec_line(le.buf);
			break;
		case LINE_TOO_LONG:
			result(&c, shell_err(&c, -EINVAL, "line longer than %d bytes",
					     SHELL_LINE_MAX - 1));
			break;
		case LINE_BAD_BYTE:
			result(&c, shell_err(&c, -EINVAL, "non-printable byte 0x%02x in line",
					     le.bad_byte));
			break;
		default:
			break;                           /* empty or cancelled: new prompt */
		}
	}
}
