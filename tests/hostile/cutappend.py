#!/usr/bin/env python3
"""An IMAP relay in front of the lab's Dovecot that cuts off an APPEND
after the message was stored.

It speaks implicit TLS (--cert/--key) on 127.0.0.1 and passes every byte
of each session on to the real server (127.0.0.1:--relay-port, implicit
TLS checked against --ca) and back. For the first --cut APPEND commands
it sees (1 unless told), it lets the server take the whole message, and
when the server's tagged answer to it comes, it closes the client's
connection instead of passing the answer on: the copy is on the server,
and the client never heard so. With --hold REGEX (and --cut 0) it
holds back instead the first command line that matches REGEX, until the
file --go exists, and writes the file --held when it holds it: whatever
another client does meanwhile is done before the server reads that
command. Every byte the client sends is appended to --record. The port
is written to --ready once listening. Standard library only.
"""
import argparse
import os
import re
import socket
import ssl
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peer import Conn, relay_options, serve, server_context  # noqa: E402

lock = threading.Lock()
cuts_left = 0
holds_left = 1


def take_cut():
    """Whether this APPEND is one to cut off (counted once)."""
    global cuts_left
    with lock:
        if cuts_left <= 0:
            return False
        cuts_left -= 1
        return True


def hold(a, line):
    """Holds line back until --go exists, when it is the one to hold."""
    global holds_left
    if a.hold is None or not re.search(a.hold.encode(), line):
        return
    with lock:
        if holds_left <= 0:
            return
        holds_left -= 1
    open(a.held, "w").close()
    while not os.path.exists(a.go):
        time.sleep(0.05)


def upstream(a):
    ctx = ssl.create_default_context(cafile=a.ca)
    ctx.check_hostname = False
    raw = socket.create_connection(("127.0.0.1", a.relay_port), timeout=30)
    return ctx.wrap_socket(raw)


def answers(srv, client, state):
    """Server to client, a line at a time, until the cut tag answers."""
    up = Conn(srv)
    try:
        while True:
            line = up.readline()
            tag = state.get("cut")
            if tag is not None and line.startswith(tag + b" "):
                break
            client.sendall(line)
    except (EOFError, OSError, ValueError):
        pass
    state["done"] = True
    for s in (client, srv):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def relay(conn, a, ctx):
    with Conn(ctx.wrap_socket(conn, server_side=True), a.record,
              limit=1 << 26) as c:
        srv = upstream(a)
        state = {}
        threading.Thread(target=answers, args=(srv, c.sock, state),
                         daemon=True).start()
        while not state.get("done"):
            line = c.readline()
            words = line.split(None, 2)
            if (len(words) > 1 and words[1].upper() == b"APPEND" and
                    take_cut()):
                state["cut"] = words[0]
            hold(a, line)
            srv.sendall(line)


def main():
    global cuts_left
    p = argparse.ArgumentParser()
    relay_options(p)
    p.add_argument("--record", required=True)
    p.add_argument("--cut", type=int, default=1)
    p.add_argument("--hold")
    p.add_argument("--go")
    p.add_argument("--held")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--ready")
    p.add_argument("--lifetime", type=float, default=120)
    a = p.parse_args()
    cuts_left = a.cut

    ctx = server_context(a.cert, a.key)
    open(a.record, "ab").close()
    serve(a.port, a.ready, a.lifetime, lambda conn: relay(conn, a, ctx))


if __name__ == "__main__":
    sys.exit(main())
