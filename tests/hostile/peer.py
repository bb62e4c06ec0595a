"""What the scripted servers under tests/hostile share: a line reader over
a socket that may record what it reads, the EHLO answer, a TLS server
context, and a listener on 127.0.0.1 that writes its port to a file and
ends by itself. Standard library only.
"""
import os
import socket
import ssl
import threading


class Conn:
    """A client's socket, read a line at a time. With a record file every
    byte read is appended to it; a line longer than limit ends the
    session (EOFError). As a context it is one session: leaving it closes
    the socket, and a client gone or misbehaving (end of file, a socket
    or TLS error, a value that does not parse) ends it quietly."""

    def __init__(self, sock, record=None, limit=1 << 20):
        self.sock = sock
        self.record = record
        self.limit = limit
        self.buf = b""

    def send(self, data):
        self.sock.sendall(data)

    def _keep(self, d):
        if self.record:
            with open(self.record, "ab") as f:
                f.write(d)

    def readline(self):
        while b"\n" not in self.buf:
            d = self.sock.recv(65536)
            if not d:
                raise EOFError
            self._keep(d)
            self.buf += d
            if len(self.buf) > self.limit:
                raise EOFError
        line, self.buf = self.buf.split(b"\n", 1)
        return line + b"\n"

    def readmore(self, seconds=3):
        """Records whatever else the client sends until it goes quiet."""
        self.sock.settimeout(seconds)
        try:
            while True:
                d = self.sock.recv(65536)
                if not d:
                    break
                self._keep(d)
        except (OSError, ssl.SSLError):
            pass

    def starttls(self, ctx):
        """TLS from here on; bytes the client sent ahead of it (an
        injection) end the session."""
        if self.buf:
            raise EOFError
        self.sock = ctx.wrap_socket(self.sock, server_side=True)

    def read_data(self):
        """The lines of an SMTP DATA up to its final dot, unstuffed."""
        lines = []
        while True:
            line = self.readline()
            if line in (b".\r\n", b".\n"):
                return b"".join(lines)
            if line.startswith(b"."):
                line = line[1:]
            lines.append(line)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, kind, value, tb):
        self.close()
        return kind is not None and issubclass(kind, (EOFError, OSError,
                                                      ValueError))


def ehlo(ext):
    """The multi-line 250 answer to EHLO listing ext."""
    out = b""
    for i, x in enumerate(ext):
        out += b"250" + (b" " if i == len(ext) - 1 else b"-") + x + b"\r\n"
    return out


def server_context(cert, key):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert, key)
    return ctx


def relay_options(p):
    """The options of a relay in front of a lab server: its own TLS
    certificate and key, the CA the lab's server is checked against,
    and that server's port on 127.0.0.1."""
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--ca", required=True)
    p.add_argument("--relay-port", type=int, required=True)


def refusal_options(p):
    """--refuse ADDRESS: every RCPT TO for it is refused; --refuse-late
    ADDRESS: each one after the first in a session is (a server that took
    the recipient when asked, then changed its mind). Both repeatable.
    --max-rcpt N: past N recipients in one transaction, each is answered
    452 (RFC 5321 lets a server stop at 100)."""
    p.add_argument("--refuse", action="append", default=[])
    p.add_argument("--refuse-late", action="append", default=[])
    p.add_argument("--max-rcpt", type=int, default=0)


class Refusals:
    """The refusals of one session, as refusal_options asked for."""

    def __init__(self, a):
        self.now = {r.lower() for r in a.refuse}
        self.late = {r.lower() for r in a.refuse_late}
        self.asked = {}
        self.max = a.max_rcpt
        self.in_txn = 0

    def begin(self):
        """A transaction begins (MAIL) or is undone (RSET)."""
        self.in_txn = 0

    def too_many(self):
        """Whether this RCPT TO is one past --max-rcpt in its transaction."""
        self.in_txn += 1
        return self.max > 0 and self.in_txn > self.max

    def refused(self, rcpt):
        """Whether to refuse RCPT TO rcpt (an address, str)."""
        who = rcpt.strip().lower()
        self.asked[who] = self.asked.get(who, 0) + 1
        return who in self.now or (who in self.late and self.asked[who] > 1)


def write_file(path, text):
    """Writes text to path at once: a reader sees all of it or no file."""
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, path)


def serve(port, ready, lifetime, handle):
    """Listens on 127.0.0.1:port (0: a free one), writes the port to ready
    (when given) once listening, and runs handle(sock) in a thread per
    connection. The process ends by itself after lifetime seconds, so a
    failed test leaves nothing behind."""
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", port))
    ls.listen(8)
    if ready:
        write_file(ready, "%d\n" % ls.getsockname()[1])
    threading.Timer(lifetime, lambda: os._exit(0)).start()
    while True:
        conn, _ = ls.accept()
        threading.Thread(target=handle, args=(conn,), daemon=True).start()
