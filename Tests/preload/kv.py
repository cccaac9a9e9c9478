# kv.py: the deterministic key-value data of Tests/preload/run.sh's Redis and memcached cases, and
# small clients that load it and check it over 127.0.0.1 (no Redis or memcached library needed).
#
#   kv.py resp COUNT LO HI                 RESP "SET key:%012d VALUE" commands on stdout (redis-cli --pipe)
#   kv.py redis-check PORT COUNT SAMPLE LO HI   GET SAMPLE of the COUNT keys, compare each value
#   kv.py mc-load PORT COUNT LO HI         memcached text protocol: set mine:N, pipelined
#   kv.py mc-check PORT COUNT LO HI        get every mine:N back and compare; misses fail
#
# A value is LO to HI bytes of words drawn from a fixed 5,000-word vocabulary: it compresses
# partly, as real text does. The same (key number, LO, HI) always gives the same bytes. Redis
# keys are zero-padded to 12 digits: that is redis-benchmark's key:__rand_int__, so that its GETs
# hit the loaded values instead of missing.
import random
import socket
import sys

_WORDS = None


def words():
    global _WORDS
    if _WORDS is None:
        r = random.Random(7)
        _WORDS = [''.join(r.choice('abcdefghijklmnopqrstuvwxyz') for _ in range(r.randint(3, 10)))
                  for _ in range(5000)]
    return _WORDS


def value(i, lo, hi):
    r = random.Random(i * 7919 + 17)
    n = r.randint(lo, hi)
    w = words()
    parts, size = [], 0
    while size < n:
        s = w[r.randrange(len(w))]
        parts.append(s)
        size += len(s) + 1
    return ' '.join(parts).encode()[:n]


def redis_key(i):
    return b'key:%012d' % i


def resp(*args):
    out = [b'*%d\r\n' % len(args)]
    for a in args:
        out.append(b'$%d\r\n%s\r\n' % (len(a), a))
    return b''.join(out)


def gen_resp(count, lo, hi):
    out = sys.stdout.buffer
    for i in range(count):
        out.write(resp(b'SET', redis_key(i), value(i, lo, hi)))
    return 0


class Conn:
    def __init__(self, port):
        self.s = socket.create_connection(('127.0.0.1', port), timeout=30)
        self.buf = b''

    def send(self, data):
        self.s.sendall(data)

    def _more(self):
        chunk = self.s.recv(1 << 16)
        if not chunk:
            raise EOFError('the server closed the connection')
        self.buf += chunk

    def line(self):
        while b'\r\n' not in self.buf:
            self._more()
        text, self.buf = self.buf.split(b'\r\n', 1)
        return text

    def exact(self, n):
        while len(self.buf) < n:
            self._more()
        data, self.buf = self.buf[:n], self.buf[n:]
        return data


def redis_check(port, count, sample, lo, hi):
    c = Conn(port)
    keys = random.Random(99).sample(range(count), sample)
    c.send(b''.join(resp(b'GET', redis_key(i)) for i in keys))
    bad = 0
    for i in keys:
        head = c.line()
        if not head.startswith(b'$') or head == b'$-1':
            bad += 1
            if bad <= 5:
                print('%s: reply %r' % (redis_key(i).decode(), head[:80]))
            continue
        data = c.exact(int(head[1:]) + 2)[:-2]
        want = value(i, lo, hi)
        if data != want:
            bad += 1
            if bad <= 5:
                print('%s: value differs (%d bytes, want %d)' % (redis_key(i).decode(), len(data), len(want)))
    print('%d sampled keys read back, %d wrong or missing' % (sample, bad))
    return 1 if bad else 0


def mc_load(port, count, lo, hi, batch=200):
    c = Conn(port)
    for start in range(0, count, batch):
        keys = range(start, min(count, start + batch))
        c.send(b''.join(b'set mine:%d 0 0 %d\r\n%s\r\n' % (i, len(value(i, lo, hi)), value(i, lo, hi))
                        for i in keys))
        for i in keys:
            reply = c.line()
            if reply != b'STORED':
                print('set mine:%d: %r' % (i, reply[:80]))
                return 1
    print('stored %d keys' % count)
    return 0


def mc_check(port, count, lo, hi, batch=100):
    c = Conn(port)
    misses = wrong = 0
    for start in range(0, count, batch):
        keys = list(range(start, min(count, start + batch)))
        c.send(b'get ' + b' '.join(b'mine:%d' % i for i in keys) + b'\r\n')
        got = {}
        while True:
            reply = c.line()
            if reply == b'END':
                break
            parts = reply.split()
            if not parts or parts[0] != b'VALUE':
                print('unexpected reply %r' % reply[:80])
                return 1
            got[parts[1]] = c.exact(int(parts[3]) + 2)[:-2]
        for i in keys:
            key = b'mine:%d' % i
            if key not in got:
                misses += 1
            elif got[key] != value(i, lo, hi):
                wrong += 1
                if wrong <= 5:
                    print('%s: value differs' % key.decode())
    print('%d keys read back: %d misses, %d wrong' % (count, misses, wrong))
    return 1 if misses or wrong else 0


if __name__ == '__main__':
    command, numbers = sys.argv[1], [int(x) for x in sys.argv[2:]]
    commands = {'resp': gen_resp, 'redis-check': redis_check, 'mc-load': mc_load, 'mc-check': mc_check}
    if command not in commands:
        sys.exit('kv.py: unknown command %s' % command)
    sys.exit(commands[command](*numbers))
