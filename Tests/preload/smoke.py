# smoke.py FILE: ~100 MB of 50 KB bytes objects made from FILE (its 50 KB chunks, each reversed,
# and half of them upper-cased), hashed in creation order and again in reverse order once all
# exist, so that under a small DRAM tier most are offloaded and then read back. Prints the hashes:
# the output must not depend on the allocator.
import hashlib
import sys

chunks = []
with open(sys.argv[1], 'rb') as f:
    while True:
        chunk = f.read(50_000)
        if not chunk:
            break
        chunks.append(chunk)
objects = chunks + [c[::-1] for c in chunks] + [c.upper() for c in chunks[: len(chunks) // 2]]
forward = hashlib.sha256()
for o in objects:
    forward.update(o)
backward = hashlib.sha256()
for o in reversed(objects):
    backward.update(o)
print(len(objects), sum(map(len, objects)))
print(forward.hexdigest())
print(backward.hexdigest())
