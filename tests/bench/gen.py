#!/usr/bin/env python3
"""Writes a reproducible mailbox for the benchmarks.

gen.py maildir DIR COUNT SEED SMIME_DIR
    COUNT messages of 2-50 KB into the Maildir DIR (cur/), from alice to
    bob: 10 % signed by alice (multipart/signed), 5 % signed by alice and
    encrypted to bob. The S/MIME ones are made from a few templates with
    the openssl command line and given fresh outer header fields, which no
    signature covers, so every message is distinct.

gen.py crypto DIR COUNT SMIME_DIR
    COUNT signed-and-encrypted messages of about 20 KB (files DIR/NNNN.eml)
    from alice to bob, for the verify-and-decrypt benchmark.
"""
import email.utils
import os
import random
import subprocess
import sys
import time

NOW = int(time.time())
WORDS = ("mail security signature certificate message store folder sync "
         "server client terminal key trust anchor chain verify decrypt "
         "encrypt envelope header body text line word quick brown fox "
         "jumps over lazy dog lorem ipsum dolor sit amet consectetur").split()


def text(rng, size):
    out, n = [], 0
    while n < size:
        line = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 12)))
        out.append(line)
        n += len(line) + 2
    return "\r\n".join(out) + "\r\n"


def entity(rng, size):
    return ("Content-Type: text/plain; charset=utf-8\r\n"
            "Content-Transfer-Encoding: 7bit\r\n\r\n" + text(rng, size))


def openssl(args, data):
    return subprocess.run(["openssl"] + args, input=data, check=True,
                          capture_output=True).stdout


def crlf(b):
    return b.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def signed(rng, size, sm):
    ent = entity(rng, size).encode()
    out = openssl(["cms", "-sign", "-signer", sm + "/alice.pem", "-inkey",
                   sm + "/alice.key", "-md", "sha256", "-binary"], ent)
    # openssl writes the multipart/signed with its own header block.
    return crlf(out)


def sign_encrypt(rng, size, sm):
    inner = signed(rng, size, sm)
    return crlf(openssl(["cms", "-encrypt", "-aes-256-gcm", "-binary",
                         sm + "/bob.pem"], inner))


def split_headers(msg):
    head, _, body = msg.partition(b"\r\n\r\n")
    keep = [l for l in head.split(b"\r\n")
            if l.lower().startswith((b"content-", b"mime-version", b" ",
                                     b"\t"))]
    return b"\r\n".join(keep), body


def outer(i, rng, kind):
    return ("From: Alice Example <alice@example.test>\r\n"
            "To: bob@example.test\r\n"
            f"Subject: benchmark {kind} message {i}\r\n"
            # Close to the signing time, as a mail client writes it.
            f"Date: {email.utils.formatdate(NOW + i % 600)}\r\n"
            f"Message-ID: <bench-{i}-{rng.randrange(1 << 30)}@example.test>\r\n"
            ).encode()


def maildir(dst, count, seed, sm):
    rng = random.Random(seed)
    os.makedirs(dst + "/cur", exist_ok=True)
    os.makedirs(dst + "/new", exist_ok=True)
    os.makedirs(dst + "/tmp", exist_ok=True)
    tsig = [split_headers(signed(rng, rng.randint(2000, 50000), sm))
            for _ in range(8)]
    tenc = [split_headers(sign_encrypt(rng, rng.randint(2000, 50000), sm))
            for _ in range(8)]
    for i in range(count):
        r = rng.random()
        if r < 0.05:
            h, b = rng.choice(tenc)
            msg = outer(i, rng, "encrypted") + h + b"\r\n\r\n" + b
        elif r < 0.15:
            h, b = rng.choice(tsig)
            msg = outer(i, rng, "signed") + h + b"\r\n\r\n" + b
        else:
            msg = (outer(i, rng, "plain") + b"MIME-Version: 1.0\r\n" +
                   entity(rng, rng.randint(2000, 50000)).encode())
        name = f"{1700000000 + i}.bench{i}.lab:2,"
        with open(f"{dst}/cur/{name}", "wb") as f:
            f.write(msg)


def crypto(dst, count, sm):
    rng = random.Random(1)
    os.makedirs(dst, exist_ok=True)
    tpl = [split_headers(sign_encrypt(rng, 20000, sm)) for _ in range(10)]
    for i in range(count):
        h, b = tpl[i % len(tpl)]
        with open(f"{dst}/{i:04d}.eml", "wb") as f:
            f.write(outer(i, rng, "crypto") + h + b"\r\n\r\n" + b)


def main():
    if len(sys.argv) == 6 and sys.argv[1] == "maildir":
        maildir(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
    elif len(sys.argv) == 5 and sys.argv[1] == "crypto":
        crypto(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
