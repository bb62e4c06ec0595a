#!/usr/bin/env python3
"""ptyrun.py KEYS COMMAND...: runs COMMAND on a terminal of its own (a
pseudo-terminal of 80x24, TERM=xterm) with KEYS typed at once (backslash
escapes as printf's: \\r, \\n, \\t, \\e), reads what it draws until it
exits, and prints its seconds (from the fork to its exit) and its peak
RSS in MB.

The keys wait in the terminal until the program reads them: a terminal
program reads its keys after it has drawn its first screen, so that "Q"
measures the way to the first screen and out. Unlike script(1), which
sleeps in steps of 250 ms while typed input is unread, nothing here
waits on a timer.
"""
import fcntl
import os
import pty
import struct
import sys
import termios
import time


def keys_of(s):
    return (s.replace('\\r', '\r').replace('\\n', '\n')
            .replace('\\t', '\t').replace('\\e', '\x1b').encode())


def main():
    if len(sys.argv) < 3:
        sys.stderr.write('usage: ptyrun.py KEYS COMMAND...\n')
        return 2
    keys = keys_of(sys.argv[1])
    argv = sys.argv[2:]
    env = dict(os.environ, TERM='xterm', COLUMNS='80', LINES='24')
    t0 = time.monotonic()
    pid, fd = pty.fork()
    if pid == 0:
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack('HHHH', 24, 80, 0, 0))
        try:
            os.execvpe(argv[0], argv, env)
        finally:
            os._exit(127)
    if keys:
        os.write(fd, keys)
    while True:
        try:
            if not os.read(fd, 65536):
                break
        except OSError:
            break
    _, status, ru = os.wait4(pid, 0)
    t1 = time.monotonic()
    os.close(fd)
    print('%.3f %.1f' % (t1 - t0, ru.ru_maxrss / 1024.0))
    return 0 if os.waitstatus_to_exitcode(status) == 0 else 1


if __name__ == '__main__':
    sys.exit(main())
