#!/usr/bin/env python3
"""A scripted IMAP server holding one mailbox, INBOX, for sync tests.

It speaks IMAP4rev1 over implicit TLS (--cert/--key) on 127.0.0.1, takes
any login, and serves the messages of --box, a JSON file read afresh at
each SELECT: {"uidvalidity": N, "messages": [[uid, "file.eml"], ...]}.
A test rewrites the file between two syncs (a renumbered mailbox, a new
message). Every command line it reads is appended to --record. It
misbehaves as --mode says, during UID FETCH of message bodies only:

  honest    answers as a server should
  cut       after --after whole messages, sends half of the next one's
            literal and drops the connection
  short     after --after whole messages, announces the next literal
            and ends the connection before its last byte
  foreign   before each message asked for, sends a FETCH for the UID
            just below the range asked (a message never asked for, with
            another body), and sends each message twice
  othertag  completes the FETCH with a tag the client never sent, then
            with its own
  exists    sends a flood of untagged EXISTS and RECENT before the
            FETCH's answer, each naming more messages than there are
  reverse   answers with the messages in descending UID order, and
            drops the connection after --after of them
  twice     sends each message asked for, then the same UID again with
            another body
  size      says every message's RFC822.SIZE is 4,000,000,000
  hugelit   announces a literal of 4294967295 bytes for the message
            after --after whole ones, sends 64 KiB of it and drops the
            connection
  expunge   sends 200 "* 1 EXPUNGE" before each message
  backwards its SELECT says UIDNEXT 3, whatever the mailbox holds
  hugenext  its SELECT says UIDNEXT 4294967295
  novalidity its SELECT gives no UIDVALIDITY
  nobody    never gives the messages of UID 2, 6, 10... their body
  nilbody   gives them as BODY[] NIL
  noflags   answers a UID FETCH of flags alone with its tagged OK only,
            as if the mailbox were empty
  drop      drops the connection on reading the --after'th command
            of a session, before answering it
  vanish    offers CONDSTORE and QRESYNC, its HIGHESTMODSEQ the number
            of sessions so far, and answers a FETCH CHANGEDSINCE with
            VANISHED (EARLIER) of every even UID up to --after (or the
            last message's), one by one in lines just under 1 MiB

Each mode keeps the mailbox as other clients would: a UID COPY answers
with COPYUID (the copy is not kept), a UID EXPUNGE takes the message out
of --box, and a NOOP tells the session of each message gone from --box
since its SELECT (EXPUNGE); until then the session still sees it, as a
server's session does until it is told. With --hold PATH, the first
SELECT made while PATH exists takes it (renamed PATH.held) and is
answered, with the mailbox as it was when it was asked, only once the
test has removed PATH.held (60 s at most): the test does what it will
in between.

The port is --port, or with 0 a free one, written to --ready once
listening. Standard library only.
"""
import argparse
import json
import os
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peer import Conn, serve, server_context  # noqa: E402

CAPS = b"IMAP4rev1 AUTH=PLAIN UIDPLUS"
STRANGER = (b"From: mallory@example.test\r\nTo: alice@example.test\r\n"
            b"Subject: never asked for\r\n\r\nnot yours\r\n")


def load(a):
    with open(a.box) as f:
        d = json.load(f)
    msgs = []
    for uid, name in d["messages"]:
        with open(os.path.join(os.path.dirname(a.box), name), "rb") as f:
            msgs.append((uid, f.read()))
    return d["uidvalidity"], msgs


def uid_set(text, top):
    """The UIDs of an IMAP sequence set such as 4:* or 1,3:5."""
    out = []
    for item in text.split(b","):
        lo, _, hi = item.partition(b":")
        lo = top if lo == b"*" else int(lo)
        hi = lo if not hi else (top if hi == b"*" else int(hi))
        out.append((min(lo, hi), max(lo, hi)))
    return out


def fetch_item(seq, uid, body, with_body, modseq=0, size=0):
    head = b"* %d FETCH (UID %d FLAGS (\\Seen)" % (seq, uid)
    if modseq:
        head += b" MODSEQ (%d)" % modseq
    if not with_body:
        return head + b")\r\n", b""
    head += (b" RFC822.SIZE %d INTERNALDATE \"01-Jan-2026 00:00:00 +0000\""
             b" BODY[] {%d}\r\n" % (size or len(body), len(body)))
    return head, body + b")\r\n"


def uid_fetch(c, a, tag, args, msgs):
    top = msgs[-1][0] if msgs else 1
    ranges = uid_set(args.split(None, 1)[0], top)
    below = ranges[0][0] - 1
    with_body = b"BODY" in args.upper()
    misbehave = with_body and a.mode != "honest"
    if a.mode == "noflags" and not with_body:
        c.send(tag + b" OK UID FETCH done\r\n")
        return
    if misbehave and a.mode == "exists":
        c.send((b"* %d EXISTS\r\n* %d RECENT\r\n" % (len(msgs) + 1000,
                                                      len(msgs) + 1000))
               * 20000)
    sent = 0
    order = list(enumerate(msgs, 1))
    if misbehave and a.mode == "reverse":
        order.reverse()
    for seq, (uid, body) in order:
        if not any(lo <= uid <= hi for lo, hi in ranges):
            continue
        if misbehave and a.mode == "nobody" and uid % 4 == 2:
            c.send(b"* %d FETCH (UID %d FLAGS ())\r\n" % (seq, uid))
            continue
        if misbehave and a.mode == "nilbody" and uid % 4 == 2 and with_body:
            c.send(b"* %d FETCH (UID %d FLAGS () BODY[] NIL)\r\n" %
                   (seq, uid))
            continue
        head, rest = fetch_item(seq, uid, body, with_body,
                                a.sessions if a.mode == "vanish" else 0,
                                4000000000 if misbehave and a.mode == "size"
                                else 0)
        if misbehave and a.mode == "hugelit" and sent == a.after:
            c.send(head.split(b"{")[0] + b"{4294967295}\r\n")
            c.send(b"x" * 65536)
            raise EOFError
        if misbehave and a.mode == "expunge":
            c.send(b"* 1 EXPUNGE\r\n" * 200)
        if misbehave and a.mode == "reverse" and sent == a.after:
            raise EOFError
        if misbehave and a.mode in ("cut", "short") and sent == a.after:
            c.send(head)
            c.send(rest[:len(body) // 2] if a.mode == "cut"
                   else rest[:len(body) - 1])
            raise EOFError
        if misbehave and a.mode == "foreign" and below > 0:
            h, r = fetch_item(seq, below, STRANGER, True)
            c.send(h + r)
        c.send(head + rest)
        if misbehave and a.mode == "foreign":
            c.send(head + rest)
        if misbehave and a.mode == "twice":
            h, r = fetch_item(seq, uid, STRANGER, True)
            c.send(h + r)
        sent += 1
    if misbehave and a.mode == "othertag":
        c.send(b"X0001 OK FETCH done\r\n")
    c.send(tag + b" OK UID FETCH done\r\n")


def vanished(c, a, tag, msgs):
    """Every even UID gone, one at a time."""
    top = max(a.after, msgs[-1][0] if msgs else 2)
    step = 240000
    for lo in range(2, top + 1, step):
        gone = range(lo, min(lo + step, top + 1), 2)
        c.send(b"* VANISHED (EARLIER) " +
               b",".join(b"%d" % u for u in gone) + b"\r\n")
    c.send(tag + b" OK UID FETCH done\r\n")


def held(a):
    """Waits while the test holds this SELECT (--hold)."""
    if not a.hold:
        return
    try:
        os.rename(a.hold, a.hold + ".held")
    except OSError:
        return
    for _ in range(1200):
        if not os.path.exists(a.hold + ".held"):
            return
        time.sleep(0.05)


def told(c, msgs, gone):
    """Tells the session that the messages of UIDs gone left (EXPUNGE,
    highest first, so that each number holds when it is read), and takes
    them out of its view msgs."""
    for seq in range(len(msgs), 0, -1):
        if msgs[seq - 1][0] in gone:
            c.send(b"* %d EXPUNGE\r\n" % seq)
            del msgs[seq - 1]


def named(args, msgs):
    """Whether a UID is in the set args begin with ("*": the last of
    the session's msgs)."""
    ranges = uid_set(args.split(None, 1)[0], msgs[-1][0] if msgs else 1)
    return lambda uid: any(lo <= uid <= hi for lo, hi in ranges)


def uid_copy(c, tag, args, msgs):
    """COPYUID for the messages of the session that the set names."""
    inset = named(args, msgs)
    uids = [u for u, _ in msgs if inset(u)]
    if not uids:
        c.send(tag + b" OK nothing copied\r\n")
        return
    c.send(tag + b" OK [COPYUID 1 %s %s] copied\r\n" % (
        b",".join(b"%d" % u for u in uids),
        b",".join(b"%d" % (1000 + u) for u in uids)))


def uid_expunge(c, a, tag, args, msgs):
    """Takes the messages the set names out of --box, and tells."""
    inset = named(args, msgs)
    with open(a.box) as f:
        d = json.load(f)
    gone = {u for u, _ in d["messages"] if inset(u)}
    d["messages"] = [m for m in d["messages"] if m[0] not in gone]
    with open(a.box + ".new", "w") as f:
        json.dump(d, f)
    os.rename(a.box + ".new", a.box)
    told(c, msgs, gone)
    c.send(tag + b" OK expunged\r\n")


def noop(c, a, tag, msgs):
    """Tells of what left --box since the session's SELECT."""
    _, now = load(a)
    there = {u for u, _ in now}
    told(c, msgs, {u for u, _ in msgs if u not in there})
    c.send(tag + b" OK noop\r\n")


def select(c, a, tag):
    uidvalidity, msgs = load(a)
    held(a)
    nxt = msgs[-1][0] + 1 if msgs else 1
    if a.mode == "backwards":
        nxt = 3
    if a.mode == "hugenext":
        nxt = 4294967295
    if a.mode == "novalidity":
        c.send(b"* %d EXISTS\r\n* OK [UIDNEXT %d] ok\r\n%s OK [READ-WRITE] "
               b"selected\r\n" % (len(msgs), nxt, tag))
        return msgs
    if a.mode == "vanish":
        c.send(b"* OK [HIGHESTMODSEQ %d] ok\r\n" % a.sessions)
    c.send(b"* %d EXISTS\r\n* 0 RECENT\r\n"
           b"* OK [UIDVALIDITY %d] ok\r\n* OK [UIDNEXT %d] ok\r\n"
           b"* FLAGS (\\Seen \\Answered \\Flagged \\Deleted \\Draft)\r\n"
           b"* OK [PERMANENTFLAGS (\\Seen \\Answered \\Flagged \\Deleted "
           b"\\Draft)] ok\r\n%s OK [READ-WRITE] selected\r\n"
           % (len(msgs), uidvalidity, nxt, tag))
    return msgs


def session(c, a):
    msgs = []
    n = 0
    caps = CAPS + (b" ENABLE CONDSTORE QRESYNC" if a.mode == "vanish" else b"")
    a.sessions += 1
    c.send(b"* OK [CAPABILITY " + caps + b"] mailbox ready\r\n")
    while True:
        line = c.readline()
        with open(a.record, "ab") as f:
            f.write(line)
        n += 1
        if a.mode == "drop" and n == a.after:
            raise EOFError
        parts = line.rstrip(b"\r\n").split(None, 2)
        if len(parts) < 2:
            c.send(b"* BAD what\r\n")
            continue
        tag, cmd = parts[0], parts[1].upper()
        rest = parts[2] if len(parts) > 2 else b""
        if cmd == b"CAPABILITY":
            c.send(b"* CAPABILITY " + caps + b"\r\n" + tag + b" OK done\r\n")
        elif cmd == b"ENABLE":
            c.send(b"* ENABLED " + rest + b"\r\n" + tag + b" OK done\r\n")
        elif (cmd == b"UID" and a.mode == "vanish"
              and b"VANISHED" in rest.upper()):
            vanished(c, a, tag, msgs)
        elif cmd == b"AUTHENTICATE":
            if b" " not in rest:
                c.send(b"+ \r\n")
                c.readline()
            c.send(tag + b" OK logged in\r\n")
        elif cmd == b"LIST" or cmd == b"LSUB":
            c.send(b"* " + cmd + b" () \"/\" INBOX\r\n" + tag + b" OK done\r\n")
        elif cmd in (b"SELECT", b"EXAMINE"):
            msgs = select(c, a, tag)
        elif cmd == b"UID" and rest.upper().startswith(b"FETCH "):
            uid_fetch(c, a, tag, rest[6:], msgs)
        elif cmd == b"UID" and rest.upper().startswith(b"COPY "):
            uid_copy(c, tag, rest[5:], msgs)
        elif cmd == b"UID" and rest.upper().startswith(b"EXPUNGE "):
            uid_expunge(c, a, tag, rest[8:], msgs)
        elif cmd == b"NOOP":
            noop(c, a, tag, msgs)
        elif cmd == b"LOGOUT":
            c.send(b"* BYE bye\r\n" + tag + b" OK bye\r\n")
            return
        else:
            c.send(tag + b" OK fine\r\n")


def handle(conn, a, ctx):
    with Conn(conn) as c:
        c.sock.settimeout(30)
        c.sock = ctx.wrap_socket(c.sock, server_side=True)
        session(c, a)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--box", required=True)
    p.add_argument("--mode", default="honest")
    p.add_argument("--after", type=int, default=1)
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--record", required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--ready")
    p.add_argument("--hold")
    p.add_argument("--lifetime", type=float, default=120)
    a = p.parse_args()
    a.sessions = 0
    ctx = server_context(a.cert, a.key)
    serve(a.port, a.ready, a.lifetime, lambda conn: handle(conn, a, ctx))


if __name__ == "__main__":
    sys.exit(main())
