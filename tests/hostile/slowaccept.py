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
heard so). --hold-first holds back only the first message. The port is
written to --ready once listening. Standard library only.
"""
import argparse
import os
import smtplib
import socket
import ssl
import sys
import threading
import time

relayed = 0
lock = threading.Lock()


class Conn:
    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def send(self, data):
        self.sock.sendall(data)

    def readline(self):
        while b"\n" not in self.buf:
            d = self.sock.recv(65536)
            if not d:
                raise EOFError
            self.buf += d
            if len(self.buf) > 1 << 26:
                raise EOFError
        line, self.buf = self.buf.split(b"\n", 1)
        return line + b"\n"


def relay(a, sender, rcpts, data):
    ctx = ssl.create_default_context(cafile=a.ca)
    ctx.check_hostname = False
    with smtplib.SMTP("127.0.0.1", a.relay_port, timeout=30) as s:
        s.starttls(context=ctx)
        s.login(a.user, a.password)
        s.sendmail(sender, rcpts, data)


def read_data(c):
    lines = []
    while True:
        line = c.readline()
        if line in (b".\r\n", b".\n"):
            return b"".join(lines)
        if line.startswith(b"."):
            line = line[1:]
        lines.append(line)


def session(c, a, ctx, tls_up):
    global relayed
    if not tls_up:
        c.send(b"220 slow.example.test ESMTP\r\n")
    sender, rcpts = None, []
    while True:
        line = c.readline()
        cmd = line.split(None, 1)[0].upper() if line.strip() else b""
        if cmd in (b"EHLO", b"HELO"):
            ext = [b"slow.example.test", b"SIZE 10000000"]
            ext.append(b"AUTH PLAIN LOGIN" if tls_up else b"STARTTLS")
            out = b""
            for i, x in enumerate(ext):
                sep = b" " if i == len(ext) - 1 else b"-"
                out += b"250" + sep + x + b"\r\n"
            c.send(out)
        elif cmd == b"STARTTLS" and not tls_up:
            c.send(b"220 2.0.0 go ahead\r\n")
            c.sock = ctx.wrap_socket(c.sock, server_side=True)
            return session(c, a, ctx, True)
        elif cmd == b"AUTH":
            c.send(b"235 2.7.0 ok\r\n")
        elif cmd == b"MAIL":
            sender = line.split(b"<", 1)[1].split(b">", 1)[0].decode()
            rcpts = []
            c.send(b"250 2.1.0 ok\r\n")
        elif cmd == b"RCPT":
            rcpts.append(line.split(b"<", 1)[1].split(b">", 1)[0].decode())
            c.send(b"250 2.1.5 ok\r\n")
        elif cmd == b"DATA":
            c.send(b"354 go ahead\r\n")
            data = read_data(c)
            relay(a, sender, rcpts, data)
            with lock:
                relayed += 1
                n = relayed
            tmp = a.accepted + ".tmp"
            with open(tmp, "w") as f:
                f.write("%d\n" % n)
            os.rename(tmp, a.accepted)
            if n == 1 or not a.hold_first:
                time.sleep(a.hold)
            c.send(b"250 2.0.0 queued as SLOW%d\r\n" % n)
        elif cmd == b"QUIT":
            c.send(b"221 bye\r\n")
            return
        else:
            c.send(b"250 ok\r\n")


def serve(conn, a, ctx):
    c = Conn(conn)
    try:
        session(c, a, ctx, False)
    except (EOFError, OSError, ssl.SSLError, ValueError,
            smtplib.SMTPException):
        pass
    finally:
        try:
            c.sock.close()
        except OSError:
            pass


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--ca", required=True)
    p.add_argument("--relay-port", type=int, required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--accepted", required=True)
    p.add_argument("--ready", required=True)
    p.add_argument("--hold", type=float, default=20)
    p.add_argument("--hold-first", action="store_true")
    p.add_argument("--lifetime", type=float, default=120)
    a = p.parse_args()

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(a.cert, a.key)
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(8)
    tmp = a.ready + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % ls.getsockname()[1])
    os.rename(tmp, a.ready)
    # The server ends by itself so a failed test leaves nothing behind.
    threading.Timer(a.lifetime, lambda: os._exit(0)).start()
    while True:
        conn, _ = ls.accept()
        threading.Thread(target=serve, args=(conn, a, ctx),
                         daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
