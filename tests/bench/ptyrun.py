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

ptyrun.py --steps N STEPKEYS LAST KEYS COMMAND...: the same, but once
KEYS have brought the program to a screen that has settled (no output
for a quarter of a second), types N keys one at a time, going round the
comma-separated STEPKEYS, and times each from the key written to the
last byte of what it redraws (the screen settled: no output for 50 ms
after it); then types LAST. Prints the milliseconds of each key, one key
and its time a line, after the usual line. A key that redraws nothing
within a second fails the run.
"""
import select
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


def settle(fd, quiet, first_within):
    """Reads until fd has been quiet for quiet seconds; the time of the
    last byte read, or None when nothing came within first_within."""
    last = None
    while True:
        wait = quiet if last is not None else first_within
        r, _, _ = select.select([fd], [], [], wait)
        if not r:
            return last
        try:
            if not os.read(fd, 65536):
                return last
        except OSError:
            return last
        last = time.monotonic()


def steps(fd, n, stepkeys):
    """Types n keys one at a time; each key's milliseconds to the screen
    settled after it."""
    out = []
    if settle(fd, 0.25, 10.0) is None:
        raise RuntimeError('no first screen')
    for i in range(n):
        k = stepkeys[i % len(stepkeys)]
        t0 = time.monotonic()
        os.write(fd, keys_of(k))
        t1 = settle(fd, 0.05, 1.0)
        if t1 is None:
            raise RuntimeError('key %r redrew nothing' % k)
        out.append((k, (t1 - t0) * 1000.0))
    return out


def main():
    nsteps, stepkeys, last, a = 0, [], b'', 1
    if len(sys.argv) > 4 and sys.argv[1] == '--steps':
        nsteps, stepkeys = int(sys.argv[2]), sys.argv[3].split(',')
        last, a = keys_of(sys.argv[4]), 5
    if len(sys.argv) < a + 2 or (nsteps and not stepkeys):
        sys.stderr.write('usage: ptyrun.py [--steps N STEPKEYS LAST] KEYS '
                         'COMMAND...\n')
        return 2
    keys = keys_of(sys.argv[a])
    argv = sys.argv[a + 1:]
    env = dict(os.environ, TERM='xterm', COLUMNS='80', LINES='24')
    t0 = time.monotonic()
    pid, fd = pty.fork()
    if pid == 0:
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack('HHHH', 24, 80, 0, 0))
        try:
            os.execvpe(argv[0], argv, env)
        finally:
            os._exit(127)
    timed = []
    if keys:
        os.write(fd, keys)
    if nsteps:
        try:
            timed = steps(fd, nsteps, stepkeys)
        except RuntimeError as ex:
            sys.stderr.write('ptyrun.py: %s\n' % ex)
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            return 1
        os.write(fd, last)
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
    for k, ms in timed:
        print('%s %.3f' % (k, ms))
    return 0 if os.waitstatus_to_exitcode(status) == 0 else 1


if __name__ == '__main__':
    sys.exit(main())
