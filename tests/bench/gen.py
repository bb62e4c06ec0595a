#!/usr/bin/env python3
"""Writes a reproducible mailbox for the benchmarks.

gen.py maildir DIR COUNT SEED SMIME_DIR [FIRST]
    COUNT messages of 2-50 KB into the Maildir DIR (cur/), numbered from
    FIRST (default 0, so that a mailbox can grow in steps), from alice to
    bob: 10 % signed by alice (multipart/signed), 5 % signed by alice and
    encrypted to bob. The S/MIME ones are made from a few templates with
    the openssl command line and given fresh outer header fields, which no
    signature covers, so every message is distinct. Message 3 alone has
    the word "zanzibar" in its text, one plain message in a hundred has
    "quetzal".

gen.py signers DIR COUNT CNF CA CAKEY
    COUNT RSA-2048 S/MIME identities signerNN@example.test (DIR/signerNN.key
    and .pem), issued by the CA with the lab's openssl.cnf profile "smime".

gen.py crypto DIR COUNT SMIME_DIR SIGNERS_DIR
    COUNT distinct signed-and-encrypted messages of about 20 KB (files
    DIR/NNNN.eml) to bob, message i signed by signer i % (number of
    signers) and from that signer's address, for the verify-and-decrypt
    benchmark: no two share a signature or an envelope.
"""
import concurrent.futures
import glob
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


def maildir(dst, count, seed, sm, first=0):
    rng = random.Random(seed * 1000003 + first)
    os.makedirs(dst + "/cur", exist_ok=True)
    os.makedirs(dst + "/new", exist_ok=True)
    os.makedirs(dst + "/tmp", exist_ok=True)
    tsig = [split_headers(signed(rng, rng.randint(2000, 50000), sm))
            for _ in range(8)]
    tenc = [split_headers(sign_encrypt(rng, rng.randint(2000, 50000), sm))
            for _ in range(8)]
    for i in range(first, first + count):
        r = rng.random()
        if r < 0.05:
            h, b = rng.choice(tenc)
            msg = outer(i, rng, "encrypted") + h + b"\r\n\r\n" + b
        elif r < 0.15:
            h, b = rng.choice(tsig)
            msg = outer(i, rng, "signed") + h + b"\r\n\r\n" + b
        else:
            body = entity(rng, rng.randint(2000, 50000))
            if i % 100 == 7:
                body += "the quetzal flies over\r\n"
            msg = outer(i, rng, "plain") + b"MIME-Version: 1.0\r\n" + \
                body.encode()
        if i == 3:
            msg = (outer(i, rng, "plain") + b"MIME-Version: 1.0\r\n" +
                   entity(rng, 3000).encode() + b"zanzibar\r\n")
        name = f"{1700000000 + i}.bench{i}.lab:2,"
        with open(f"{dst}/cur/{name}", "wb") as f:
            f.write(msg)


def signers(dst, count, cnf, ca, cakey):
    os.makedirs(dst, exist_ok=True)

    def one(i):
        base = f"{dst}/signer{i:02d}"
        subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
                        "rsa_keygen_bits:2048", "-out", base + ".key"],
                       check=True, capture_output=True)
        env = dict(os.environ, LAB_CERT_EMAIL=f"signer{i:02d}@example.test")
        subprocess.run(["openssl", "req", "-new", "-config", cnf, "-key",
                        base + ".key", "-subj",
                        f"/O=sealmail bench/CN=Signer {i:02d}", "-out",
                        base + ".csr"], check=True, capture_output=True,
                       env=env)
        subprocess.run(["openssl", "x509", "-req", "-in", base + ".csr",
                        "-CA", ca, "-CAkey", cakey, "-set_serial",
                        str(1000 + i), "-days", "3650", "-sha256",
                        "-extfile", cnf, "-extensions", "smime", "-out",
                        base + ".pem"], check=True, capture_output=True,
                       env=env)
        os.unlink(base + ".csr")

    with concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 1) as ex:
        list(ex.map(one, range(count)))


def crypto(dst, count, sm, sdir):
    os.makedirs(dst, exist_ok=True)
    who = sorted(p[:-4] for p in glob.glob(sdir + "/signer*.pem"))
    if not who:
        sys.exit("gen.py: no signers in " + sdir)

    def one(i):
        rng = random.Random(i)
        base = who[i % len(who)]
        addr = os.path.basename(base) + "@example.test"
        inner = crlf(openssl(["cms", "-sign", "-signer", base + ".pem",
                              "-inkey", base + ".key", "-md", "sha256",
                              "-binary"], entity(rng, 20000).encode()))
        env = crlf(openssl(["cms", "-encrypt", "-aes-256-gcm", "-binary",
                            sm + "/bob.pem"], inner))
        h, b = split_headers(env)
        head = outer(i, rng, "crypto").replace(
            b"Alice Example <alice@example.test>", addr.encode())
        with open(f"{dst}/{i:04d}.eml", "wb") as f:
            f.write(head + h + b"\r\n\r\n" + b)

    with concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 1) as ex:
        list(ex.map(one, range(count)))


def main():
    a = sys.argv
    if len(a) in (6, 7) and a[1] == "maildir":
        maildir(a[2], int(a[3]), int(a[4]), a[5],
                int(a[6]) if len(a) == 7 else 0)
    elif len(a) == 7 and a[1] == "signers":
        signers(a[2], int(a[3]), a[4], a[5], a[6])
    elif len(a) == 6 and a[1] == "crypto":
        crypto(a[2], int(a[3]), a[4], a[5])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
