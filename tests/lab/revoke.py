#!/usr/bin/env python3
"""The lab's revocation server, on loopback only.

    revoke.py --port P --dir D [--rsigner C --rkey K] [--faketime OFF]
              [--silent] [--replay] [--about C] [--log FILE]

POST /ocsp: the request is answered by `openssl ocsp` as a responder
(-index D/index.txt -CA D/ca.pem, signed with D/ocsp.pem and D/ocsp.key
unless --rsigner/--rkey name others, nextUpdate an hour on), run under
faketime OFF when given (a stale answer: --faketime -2d). openssl ocsp
-port would listen on every interface, so this server takes the
connection and openssl makes every answer. GET /NAME.crl: the file D/NAME.crl.
--silent: every connection is accepted and never answered (a responder
that is down). --replay: the first OCSP answer is sent again for every
later request (an old answer replayed, with another request's nonce).
--about C: every OCSP request is answered as if it asked about the
certificate C instead (an answer about another certificate).
Each request is one line in --log: METHOD PATH.
"""
import argparse
import http.server
import os
import subprocess
import sys
import tempfile
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--rsigner")
    ap.add_argument("--rkey")
    ap.add_argument("--faketime")
    ap.add_argument("--silent", action="store_true")
    ap.add_argument("--replay", action="store_true")
    ap.add_argument("--about")
    ap.add_argument("--log")
    a = ap.parse_args()
    first = []
    d = a.dir
    rsigner = a.rsigner or os.path.join(d, "ocsp.pem")
    rkey = a.rkey or os.path.join(d, "ocsp.key")

    def note(line):
        if a.log:
            with open(a.log, "a") as f:
                f.write(line + "\n")

    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def answer(self, code, body, ctype):
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            note("GET " + self.path)
            if a.silent:
                time.sleep(3600)
            name = os.path.basename(self.path)
            path = os.path.join(d, name)
            if not name.endswith(".crl") or not os.path.isfile(path):
                self.answer(404, b"not found\n", "text/plain")
                return
            with open(path, "rb") as f:
                self.answer(200, f.read(), "application/pkix-crl")

        def do_POST(self):
            note("POST " + self.path)
            n = int(self.headers.get("Content-Length", "0"))
            req = self.rfile.read(n)
            if a.silent:
                time.sleep(3600)
            if a.replay and first:
                self.answer(200, first[0], "application/ocsp-response")
                return
            with tempfile.TemporaryDirectory() as t:
                rq, rs = os.path.join(t, "req"), os.path.join(t, "resp")
                with open(rq, "wb") as f:
                    f.write(req)
                if a.about:
                    subprocess.run(["openssl", "ocsp", "-issuer",
                                    os.path.join(d, "ca.pem"), "-cert",
                                    a.about, "-no_nonce", "-reqout", rq],
                                   stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, check=True)
                cmd = ["openssl", "ocsp", "-index",
                       os.path.join(d, "index.txt"), "-CA",
                       os.path.join(d, "ca.pem"), "-rsigner", rsigner,
                       "-rkey", rkey, "-reqin", rq, "-respout", rs,
                       "-nmin", "60"]
                if a.faketime:
                    cmd = ["faketime", "-f", a.faketime] + cmd
                p = subprocess.run(cmd, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE)
                if p.returncode != 0 or not os.path.exists(rs):
                    sys.stderr.write(p.stderr.decode(errors="replace"))
                    self.answer(500, b"", "text/plain")
                    return
                with open(rs, "rb") as f:
                    body = f.read()
                if a.replay and not first:
                    first.append(body)
                self.answer(200, body, "application/ocsp-response")

    class S(http.server.ThreadingHTTPServer):
        daemon_threads = True
        allow_reuse_address = True

    S(("127.0.0.1", a.port), H).serve_forever()


if __name__ == "__main__":
    main()
