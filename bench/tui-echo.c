/* A console program for the keystroke benchmark: the "kernel" of an
 * instance (KERNEL may name any executable) or a tmux pane's program.  Its
 * terminal goes raw; each byte typed is written back as "\r" BYTE, so the
 * key shows in column 0 of one row.  Arguments (a UML's) are ignored. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

int main(void)
{
	struct termios tio;
	if (tcgetattr(STDIN_FILENO, &tio) == 0) {
		cfmakeraw(&tio);
		tcsetattr(STDIN_FILENO, TCSANOW, &tio);
	}
	static const char ready[] = "echo-ready\r\n";
	if (write(STDOUT_FILENO, ready, strlen(ready)) < 0)
		return 1;
	for (;;) {
		char in[256], out[512];
		ssize_t n = read(STDIN_FILENO, in, sizeof in);
		if (n <= 0)
			return 0;
		size_t k = 0;
		for (ssize_t i = 0; i < n; i++) {
			out[k++] = '\r';
			out[k++] = in[i];
		}
		if (write(STDOUT_FILENO, out, k) < 0)
			return 1;
	}
}
