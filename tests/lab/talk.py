#!/usr/bin/env python3
"""talk.py [--from ADDR] [--host HOST] PORT imap|smtp|raw LINE...

Speaks plain text to a lab server, as a client that does not use TLS would,
and prints every line the server sends (the greeting first). Each LINE is
sent with CRLF after the previous answer is complete: for imap, when the
line tagged with LINE's first word has arrived; for smtp, at the last line
of a reply ("250 ..." rather than "250-..."). raw mode sends nothing and
prints what arrives within two seconds. --from binds the client's address
(Dovecot treats 127.0.0.1 talking to 127.0.0.1 as secured; 127.0.0.2 not).
Exit status 0 when the server answered everything, 1 on a timeout or a
closed connection (what arrived is still printed).
"""
import socket
import sys


def main():
    args = sys.argv[1:]
    src, host = None, "127.0.0.1"
    while args and args[0].startswith("--"):
        if args[0] == "--from":
            src = args[1]
        elif args[0] == "--host":
            host = args[1]
        else:
            sys.exit("talk.py: unknown option " + args[0])
        args = args[2:]
    if len(args) < 2:
        sys.exit(__doc__)
    port, mode, lines = int(args[0]), args[1], args[2:]
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(5 if mode != "raw" else 2)
    if src:
        s.bind((src, 0))
    s.connect((host, port))
    f = s.makefile("rb")

    def readline():
        b = f.readline(1 << 16)
        if not b:
            raise EOFError
        line = b.decode("utf-8", "replace").rstrip("\r\n")
        print(line, flush=True)
        return line

    def answer(tag):
        while True:
            line = readline()
            if mode == "imap":
                if tag is None or line.split(" ", 1)[0] == tag:
                    return
            elif len(line) >= 4 and line[:3].isdigit() and line[3] == " ":
                return
            elif len(line) == 3 and line.isdigit():
                return

    try:
        if mode == "raw":
            for line in lines:
                s.sendall(line.encode() + b"\r\n")
            try:
                while True:
                    readline()
            except (socket.timeout, EOFError):
                return 0
        answer(None)
        for line in lines:
            s.sendall(line.encode() + b"\r\n")
            answer(line.split(" ", 1)[0])
    except (socket.timeout, EOFError, ConnectionError) as e:
        print("talk.py: %s" % (type(e).__name__,), file=sys.stderr)
        return 1
    finally:
        s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
