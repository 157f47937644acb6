/*
 * The shell itself (kernel/shell/): it reads lines from the console, runs each as a
 * command found in the .shell_cmd section and prints the command's result line. The
 * command interface (SHELL_CMD, struct shell_ctx, shell_kv/shell_err, argument
 * parsing) is include/shell.h, which every layer may use; this is the top's.
 */
#ifndef SHELL_LOOP_H
#define SHELL_LOOP_H
#include <shell.h>

/* Run one line as a command and print its result line (nothing for a blank line). */
void shell_exec_line(char *line);
/* Run each line of a text module as a command, echoing it after a prompt. */
int shell_run_script(const char *module);
/* The interactive loop: prompt, read a line, run it. Never returns. */
__noreturn void shell_loop(void);

/* The line editor (kernel/shell/line.c, also built for the host). */
enum line_event { LINE_MORE, LINE_DONE, LINE_EMPTY, LINE_TOO_LONG, LINE_BAD_BYTE, LINE_CANCEL };
struct line_editor {
	char buf[SHELL_LINE_MAX];
	size_t len;
	bool overflow;            /* the line outgrew buf: swallow it to its end */
	int bad_byte;             /* first non-printable byte seen, or -1 */
	int esc;                  /* 0 none, 1 after ESC, 2 inside ESC [ ... */
	bool last_cr;             /* swallow the '\n' of "\r\n" */
	void (*echo)(const char *s, size_t n);
};
void line_reset(struct line_editor *le);
enum line_event line_feed(struct line_editor *le, uint8_t c);
#endif
