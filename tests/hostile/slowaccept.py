#!/usr/bin/env python3
"""A submission server that relays to the lab's Postfix, then holds back
its answer to the end of DATA.

It speaks SMTP with STARTTLS (--cert/--key) on 127.0.0.1, takes any login,
and when a message's data has ended it submits the message, as received,
to the real submission server (--relay-port, STARTTLS checked against
--ca, logging in as --user/--password), so that it is really delivered.
Only then does it write the number of messages relayed so far to
--accepted, and it waits --hold seconds before answering 250 (the client
may be killed meanwhile: the message was delivered, the client never
heard so). --hold-first holds back only the first message. --refuse ADDR
(given once or more) answers RCPT TO that address with a 550, as a server
that knows no such user; --refuse-late ADDR only from its second RCPT TO
in a session on (peer.refusal_options). The port is written to --ready
once listening.
Standard library only.
"""
import argparse
import os
import smtplib
import ssl
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peer import (Conn, Refusals, ehlo, refusal_options,  # noqa: E402
                  relay_options, serve, server_context, write_file)

relayed = 0
lock = threading.Lock()


def relay(a, sender, rcpts, data):
    ctx = ssl.create_default_context(cafile=a.ca)
    ctx.check_hostname = False
    with smtplib.SMTP("127.0.0.1", a.relay_port, timeout=30) as s:
        s.starttls(context=ctx)
        s.login(a.user, a.password)
        s.sendmail(sender, rcpts, data)


def session(c, a, ctx, tls_up):
    global relayed
    if not tls_up:
        c.send(b"220 slow.example.test ESMTP\r\n")
    sender, rcpts = None, []
    refusals = Refusals(a)
    while True:
        line = c.readline()
        cmd = line.split(None, 1)[0].upper() if line.strip() else b""
        if cmd in (b"EHLO", b"HELO"):
            ext = [b"slow.example.test", b"SIZE 10000000"]
            ext.append(b"AUTH PLAIN LOGIN" if tls_up else b"STARTTLS")
            c.send(ehlo(ext))
        elif cmd == b"STARTTLS" and not tls_up:
            c.send(b"220 2.0.0 go ahead\r\n")
            c.starttls(ctx)
            return session(c, a, ctx, True)
        elif cmd == b"AUTH":
            c.send(b"235 2.7.0 ok\r\n")
        elif cmd == b"MAIL":
            sender = line.split(b"<", 1)[1].split(b">", 1)[0].decode()
            rcpts = []
            c.send(b"250 2.1.0 ok\r\n")
        elif cmd == b"RCPT":
            rcpt = line.split(b"<", 1)[1].split(b">", 1)[0].decode()
            if refusals.refused(rcpt):
                c.send(b"550 5.1.1 <%s>: no such user here\r\n" %
                       rcpt.encode())
                continue
            rcpts.append(rcpt)
            c.send(b"250 2.1.5 ok\r\n")
        elif cmd == b"DATA":
            c.send(b"354 go ahead\r\n")
            data = c.read_data()
            relay(a, sender, rcpts, data)
            with lock:
                relayed += 1
                n = relayed
            write_file(a.accepted, "%d\n" % n)
            if n == 1 or not a.hold_first:
                time.sleep(a.hold)
            c.send(b"250 2.0.0 queued as SLOW%d\r\n" % n)
        elif cmd == b"QUIT":
            c.send(b"221 bye\r\n")
            return
        else:
            c.send(b"250 ok\r\n")


def serve_one(conn, a, ctx):
    with Conn(conn, limit=1 << 26) as c:
        session(c, a, ctx, False)


def main():
    p = argparse.ArgumentParser()
    relay_options(p)
    p.add_argument("--user", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--accepted", required=True)
    p.add_argument("--ready", required=True)
    p.add_argument("--hold", type=float, default=20)
    p.add_argument("--hold-first", action="store_true")
    p.add_argument("--lifetime", type=float, default=120)
    refusal_options(p)
    a = p.parse_args()

    ctx = server_context(a.cert, a.key)
    serve(0, a.ready, a.lifetime, lambda conn: serve_one(conn, a, ctx))


if __name__ == "__main__":
    sys.exit(main())
