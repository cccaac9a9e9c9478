# syscalls.py FILE: system calls that read or write heap buffers whose pages are likely out of
# DRAM (kernel-mode faults, resolved by the heap's handler thread): readinto() of FILE (8 MiB)
# into a bytearray allocated before 60 MB of others, a 1 MiB socketpair round trip with
# recv_into() into preallocated bytearrays, os.write() from a heap buffer to a pipe. Every byte is
# checked against the source's SHA-256. Prints "ok" and exits 0, or says what differed and exits 1.
import ctypes
import hashlib
import mmap
import os
import socket
import sys
import threading

MIB = 1 << 20
libc = ctypes.CDLL(None, use_errno=True)


def resident(buf):
    """(resident pages, pages) of buf by mincore, or None: a hint of how much was offloaded."""
    view = (ctypes.c_char * len(buf)).from_buffer(buf)
    try:
        address = ctypes.addressof(view)
        start = address & ~(mmap.PAGESIZE - 1)
        length = address + len(buf) - start
        pages = (length + mmap.PAGESIZE - 1) // mmap.PAGESIZE
        vec = (ctypes.c_ubyte * pages)()
        if libc.mincore(ctypes.c_void_p(start), ctypes.c_size_t(length), vec) != 0:
            return None
        return sum(v & 1 for v in vec), pages
    finally:
        del view


def fail(what):
    print(what)
    sys.exit(1)


def receive_into(sock, buf):
    view, n = memoryview(buf), 0
    while n < len(buf):
        got = sock.recv_into(view[n:])
        if not got:
            break
        n += got
    view.release()
    return n


path = sys.argv[1]
file_size = os.path.getsize(path)
# Allocated first: by the time they are used, 60 MB of later allocations have pushed them out.
target = bytearray(file_size)
sock_in = bytearray(MIB)
outgoing = bytearray(os.urandom(MIB))
outgoing_hash = hashlib.sha256(outgoing).hexdigest()
filler = []
for i in range(60):
    block = bytearray(MIB)
    block[::4096] = bytes([i & 255]) * len(block[::4096])
    filler.append(block)
before = resident(target)
if before:
    print('target before readinto: %d of %d pages resident' % before)

# 1. readinto() from a file into the early buffer.
with open(path, 'rb', buffering=0) as f:
    view, n = memoryview(target), 0
    while n < len(target):
        got = f.readinto(view[n:])
        if not got:
            break
        n += got
    view.release()
if n != file_size:
    fail('readinto: read %d bytes of %d' % (n, file_size))
with open(path, 'rb') as f:
    want = hashlib.sha256(f.read()).hexdigest()
if hashlib.sha256(target).hexdigest() != want:
    fail('readinto: the bytes read differ from the file')

# 2. A socketpair round trip: 1 MiB into the early sock_in, then from it back into a new buffer.
payload = bytearray(os.urandom(MIB))
payload_hash = hashlib.sha256(payload).hexdigest()
a, b = socket.socketpair()
sender = threading.Thread(target=a.sendall, args=(payload,))
sender.start()
n = receive_into(b, sock_in)
sender.join()
if n != MIB or hashlib.sha256(sock_in).hexdigest() != payload_hash:
    fail('socketpair: recv_into got %d bytes, %s' % (n, 'equal' if sock_in == payload else 'different'))
back = bytearray(MIB)
sender = threading.Thread(target=b.sendall, args=(sock_in,))
sender.start()
n = receive_into(a, back)
sender.join()
if n != MIB or hashlib.sha256(back).hexdigest() != payload_hash:
    fail('socketpair: the return trip got %d bytes, different' % n)

# 3. os.write() from the early heap buffer to a pipe.
r, w = os.pipe()
received = bytearray()


def drain():
    while True:
        chunk = os.read(r, 65536)
        if not chunk:
            return
        received.extend(chunk)


reader = threading.Thread(target=drain)
reader.start()
view, n = memoryview(outgoing), 0
while n < len(outgoing):
    n += os.write(w, view[n:])
view.release()
os.close(w)
reader.join()
if hashlib.sha256(received).hexdigest() != outgoing_hash:
    fail('pipe: %d bytes read, different from the %d written' % (len(received), len(outgoing)))

for i, block in enumerate(filler):
    if block[4096] != i & 255 or block[1] != 0:
        fail('filler block %d changed' % i)
print('ok')
