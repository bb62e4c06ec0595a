#!/usr/bin/env python3
"""A scripted hostile IMAP or SMTP server for sealmail's tests.

Listens on 127.0.0.1 only, serves connections one at a time, and appends
every byte it receives (before and after TLS, decrypted) to --record, so a
test can assert that a password never arrived. It plays one --mode:

  nostarttls    STARTTLS not advertised (AUTH offered in cleartext)
  starttls-no   STARTTLS advertised, answered NO (IMAP) / 454 (SMTP)
  starttls-bad  STARTTLS answered BAD (IMAP) / 501 (SMTP)
  starttls-odd  STARTTLS answered with an untagged line and a bogus tag
  preauth       IMAP greeting PREAUTH on the STARTTLS port
  preauth-tls   IMAP greeting PREAUTH after implicit TLS (honest: the
                server knows the client already)
  inject        a response injected in the same packet as the STARTTLS OK/220
  tls           an honest server with --cert/--key (wrong name, self-signed,
                expired: the certificate is the attack); it would take a login
  silent        accepts the connection and says nothing
  longline      a 64 MiB line without an end (after TLS with --implicit)
  manylines     an answer of short lines that never ends
  trickle       a greeting one byte every half second, forever
  grumpy        an honest server of few means: IMAP offers ENABLE, QRESYNC
                and ID but refuses them (NO), and has UIDPLUS but no MOVE;
                SMTP offers AUTH LOGIN only
  literal       an IMAP literal announcing 4 GiB, then zeros
  statuslit     IMAP status lines whose text ends in "{N}" (a literal in
                form, text in grammar), each followed by N bytes of a line
                (after TLS with --implicit)
  sink          an honest SMTP server with --cert/--key that takes every
                message (354, then 250 after the final dot): what was sent
                is read from --record
  tempfail      as sink, but 451 after the final dot (try again later)
  permfail      as sink, but 554 after the final dot (refused for good)
  endless       as sink, but after the final dot a multiline reply that
                never ends
  nonsense      as sink, but "354 go ahead" after the final dot (neither
                taken nor refused)
  partial       as sink, but refuses every recipient whose address begins
                with "no" (550, no such user) or "full" (452, mailbox full)
  dropdot       as sink, but closes the connection after the final dot
                without a reply
  hangdot       as sink, but says nothing after the final dot for
                --silence seconds
  holddot       as sink, but after the final dot it makes the file --hold
                names with ".dot" added, and answers 250 only once the
                file --hold names is there (--silence seconds at most):
                the test does what it will between the two; with
                --hold-skip N the first N message data of a session are
                answered at once, and the next one held
  split         as sink, but every reply a multiline one, sent a byte a
                packet
  garbage       as sink, but with a stray "354 go ahead" line after its
                answer to each RCPT (a server out of step with the client)

With --refuse ADDRESS (any mode, SMTP) every RCPT TO for ADDRESS is
answered 550; with --refuse-late ADDRESS only the second and later ones in
a session are; with --max-rcpt N each past the Nth in one transaction is
answered 452 (peer.refusal_options).

With --implicit the TLS handshake comes first (993/465 style). With --sni
FILE the host name each client asked for in its TLS handshake (SNI, as
sent: A-labels) is a line of FILE, "(none)" when it asked for none. The port is
--port, or with 0 a free one, written to --ready once listening.
Standard library only.
"""
import argparse
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peer import (Conn, Refusals, ehlo, refusal_options, serve,  # noqa: E402
                  server_context)

BIG = 64 * 1024 * 1024
DATA_ENDS = {
    "sink": b"250 2.0.0 taken\r\n",
    "tempfail": b"451 4.3.0 queue full, try again later\r\n",
    "permfail": b"554 5.7.1 content refused\r\n",
    "nonsense": b"354 go ahead\r\n",
}


def trickle(c):
    import time
    while True:
        c.send(b"*")
        time.sleep(0.5)


def lines(c, line):
    chunk = line * (65536 // len(line))
    for _ in range(BIG // len(chunk)):
        c.send(chunk)


def flood(c, head):
    c.send(head)
    chunk = b"x" * 65536
    for _ in range(BIG // len(chunk)):
        c.send(chunk)


def statuslit(c):
    # "* OK x {N}", then twice N bytes that end with " {N}" again: a client
    # that takes the "{N}" for a literal skips exactly each next line.
    n = 30 * 1024 * 1024
    head = b" {%d}\r\n" % n
    chunk = b"A" * 65536
    c.send(b"* OK x" + head)
    for _ in range(2):
        c.send(b"* OK ")
        left = n - 5
        while left > 0:
            c.send(chunk[:min(left, len(chunk))])
            left -= len(chunk)
        c.send(head)


def imap_session(c, a, ctx, tls_up):
    caps = b"IMAP4rev1 AUTH=PLAIN"
    if a.mode != "nostarttls" and not tls_up:
        caps += b" STARTTLS"
    if a.mode == "grumpy":
        caps += b" ENABLE CONDSTORE QRESYNC ID UIDPLUS"
    if a.mode == "silent":
        c.readmore(a.silence)
        return
    if a.mode == "trickle" and (tls_up or not a.implicit):
        trickle(c)
        return
    if (a.mode == "preauth" and not tls_up) or (a.mode == "preauth-tls"
                                                and tls_up):
        c.send(b"* PREAUTH [CAPABILITY " + caps + b"] welcome\r\n")
    elif a.mode == "longline" and (tls_up or not a.implicit):
        flood(c, b"* OK ")
        return
    elif a.mode == "statuslit" and (tls_up or not a.implicit):
        statuslit(c)
        return
    elif not (tls_up and not a.implicit):  # no greeting after STARTTLS
        c.send(b"* OK [CAPABILITY " + caps + b"] hostile ready\r\n")
    while True:
        line = c.readline()
        parts = line.split(None, 2)
        if len(parts) < 2:
            c.send(b"* BAD what\r\n")
            continue
        tag, cmd = parts[0], parts[1].upper().rstrip(b"\r\n")
        if cmd == b"CAPABILITY":
            if a.mode == "manylines":
                lines(c, b"* OK still talking\r\n")
                return
            if a.mode == "literal":
                c.send(b"* CAPABILITY {4294967296}\r\n")
                zeros = b"\0" * 65536
                for _ in range(BIG // len(zeros)):
                    c.send(zeros)
                return
            c.send(b"* CAPABILITY " + caps + b"\r\n" + tag + b" OK done\r\n")
        elif cmd == b"STARTTLS":
            if a.mode == "starttls-no":
                c.send(tag + b" NO not today\r\n")
            elif a.mode == "starttls-bad":
                c.send(tag + b" BAD no such command\r\n")
            elif a.mode == "starttls-odd":
                c.send(b"* OK [ALERT] go on without TLS\r\nX999 OK sure\r\n")
            elif a.mode == "inject":
                c.send(tag + b" OK begin TLS\r\n* CAPABILITY IMAP4rev1 "
                       b"AUTH=PLAIN LOGIN\r\n")
                c.readmore(3)
                return
            else:
                c.send(tag + b" OK begin TLS\r\n")
                c.starttls(ctx)
                imap_session(c, a, ctx, True)
                return
        elif cmd == b"AUTHENTICATE":
            c.send(b"+ \r\n")
            c.readline()
            if a.mode == "grumpy":
                c.send(b"* OK [ALERT] Mailbox over quota\r\n")
            c.send(tag + b" OK logged in\r\n")
        elif cmd == b"LOGOUT":
            c.send(b"* BYE bye\r\n" + tag + b" OK bye\r\n")
            return
        elif cmd == b"ENABLE" and a.mode == "grumpy":
            c.send(tag + b" NO not for you\r\n")
        elif cmd == b"ID" and a.mode == "grumpy":
            c.send(tag + b" NO no ID here\r\n")
        else:
            c.send(tag + b" OK fine\r\n")


class Split:
    """A Conn whose every SMTP reply is made multiline (its text repeated
    on "-" lines first) and goes out a byte a packet."""

    def __init__(self, c):
        self.c = c

    def __getattr__(self, name):
        return getattr(self.c, name)

    def send(self, data):
        import time
        out = b""
        for line in data.splitlines(True):
            if line[3:4] == b" ":
                out += line[:3] + b"-" + line[4:]
                out += line[:3] + b"-and more\r\n"
            out += line
        for i in range(len(out)):
            self.c.send(out[i:i + 1])
            time.sleep(0.001)


def smtp_session(c, a, ctx, tls_up):
    if a.mode == "silent":
        c.readmore(a.silence)
        return
    if a.mode == "longline" and (tls_up or not a.implicit):
        flood(c, b"220 ")
        return
    if a.mode == "manylines":
        lines(c, b"220-hostile.example.test still talking\r\n")
        return
    if a.mode == "trickle" and (tls_up or not a.implicit):
        trickle(c)
        return
    if a.mode == "split":
        c = Split(c)
    if not (tls_up and not a.implicit):    # no greeting after STARTTLS
        c.send(b"220 hostile.example.test ESMTP\r\n")
    refusals = Refusals(a)
    skip = a.hold_skip
    while True:
        line = c.readline()
        cmd = line.split(None, 1)[0].upper() if line.strip() else b""
        rcpt = line.split(b"<", 1)[-1].split(b">", 1)[0]
        if cmd in (b"MAIL", b"RSET"):
            refusals.begin()
        if cmd == b"RCPT" and refusals.too_many():
            c.send(b"452 4.5.3 too many recipients\r\n")
            continue
        if cmd == b"RCPT" and refusals.refused(rcpt.decode("ascii", "ignore")):
            c.send(b"550 5.1.1 <%s> not taken here\r\n" % rcpt)
            continue
        if cmd in (b"EHLO", b"HELO"):
            ext = [b"hostile.example.test", b"SIZE 10000000",
                   b"AUTH LOGIN" if a.mode == "grumpy" else b"AUTH PLAIN LOGIN"]
            if a.mode != "nostarttls" and not tls_up:
                ext.append(b"STARTTLS")
            c.send(ehlo(ext))
        elif cmd == b"STARTTLS":
            if a.mode == "starttls-no":
                c.send(b"454 4.7.0 TLS not available\r\n")
            elif a.mode == "starttls-bad":
                c.send(b"501 5.5.4 syntax\r\n")
            elif a.mode == "starttls-odd":
                c.send(b"250 2.0.0 sure, carry on\r\n")
            elif a.mode == "inject":
                c.send(b"220 2.0.0 go ahead\r\n250-hostile\r\n250 AUTH PLAIN\r\n")
                c.readmore(3)
                return
            else:
                c.send(b"220 2.0.0 go ahead\r\n")
                c.starttls(ctx)
                smtp_session(c, a, ctx, True)
                return
        elif cmd == b"AUTH" and a.mode == "grumpy":
            c.send(b"334 VXNlcm5hbWU6\r\n")
            c.readline()
            c.send(b"334 UGFzc3dvcmQ6\r\n")
            c.readline()
            c.send(b"235 2.7.0 ok\r\n")
        elif cmd == b"AUTH":
            c.send(b"235 2.7.0 ok\r\n")
        elif cmd == b"QUIT":
            c.send(b"221 bye\r\n")
            return
        elif cmd == b"DATA" and a.mode in DATA_ENDS:
            c.send(b"354 go ahead\r\n")
            c.read_data()
            c.send(DATA_ENDS[a.mode])
        elif cmd == b"RCPT" and a.mode == "partial" and b"<no" in line:
            c.send(b"550 5.1.1 no such user here\r\n")
        elif cmd == b"RCPT" and a.mode == "partial" and b"<full" in line:
            c.send(b"452 4.2.2 mailbox full\r\n")
        elif cmd == b"RCPT" and a.mode == "garbage":
            c.send(b"250 ok\r\n354 go ahead\r\n")
        elif cmd == b"DATA" and a.mode == "holddot":
            c.send(b"354 go ahead\r\n")
            c.read_data()
            if skip > 0:
                skip -= 1
            else:
                hold_until(a.hold, a.silence)
            c.send(DATA_ENDS["sink"])
        elif cmd == b"DATA" and a.mode in ("dropdot", "hangdot"):
            c.send(b"354 go ahead\r\n")
            c.read_data()
            if a.mode == "hangdot":
                c.readmore(a.silence)
            return
        elif cmd == b"DATA" and a.mode in ("partial", "split", "garbage"):
            c.send(b"354 go ahead\r\n")
            c.read_data()
            c.send(DATA_ENDS["sink"])
        elif cmd == b"DATA" and a.mode == "endless":
            c.send(b"354 go ahead\r\n")
            c.read_data()
            lines(c, b"250-taken, and more to say\r\n")
            return
        else:
            c.send(b"250 ok\r\n")


def hold_until(path, seconds):
    """Makes PATH.dot, then waits for PATH (SECONDS at most)."""
    import time
    open(path + ".dot", "w").close()
    end = time.time() + seconds
    while not os.path.exists(path) and time.time() < end:
        time.sleep(0.05)


def note_sni(path, name):
    with open(path, "a") as f:
        f.write((name if name is not None else "(none)") + "\n")


def session(conn, a, ctx):
    with Conn(conn, a.record) as c:
        c.sock.settimeout(a.silence + 10)
        if a.implicit:
            c.sock = ctx.wrap_socket(c.sock, server_side=True)
        if a.proto == "imap":
            imap_session(c, a, ctx, a.implicit)
        else:
            smtp_session(c, a, ctx, a.implicit)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--proto", choices=["imap", "smtp"], required=True)
    p.add_argument("--mode", required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--implicit", action="store_true")
    p.add_argument("--record", required=True)
    p.add_argument("--ready")
    p.add_argument("--silence", type=float, default=20)
    p.add_argument("--lifetime", type=float, default=120)
    p.add_argument("--sni")
    p.add_argument("--hold")
    p.add_argument("--hold-skip", type=int, default=0)
    refusal_options(p)
    a = p.parse_args()

    ctx = server_context(a.cert, a.key) if a.cert else None
    if ctx is not None and a.sni:
        ctx.sni_callback = lambda sock, name, _ctx: note_sni(a.sni, name)
    open(a.record, "ab").close()
    serve(a.port, a.ready, a.lifetime, lambda conn: session(conn, a, ctx))


if __name__ == "__main__":
    sys.exit(main())
