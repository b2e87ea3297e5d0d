"""Types lines into `driftdb sql` on a pseudo-terminal, each after the prompt appears (typing
ahead would be discarded when the line editor switches the terminal mode), and prints what
the terminal showed. Used by tests/it/repl.rs."""
import os, pty, re, sys, select, time
binary, data = sys.argv[1], sys.argv[2]
lines = sys.argv[3:]
pid, fd = pty.fork()
if pid == 0:
    os.execv(binary, [binary, "sql", "--data", data])
out = b""
def read_until(marks, timeout=30):
    global out
    end = time.time() + timeout
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                return False
            if not chunk:
                return False
            out += chunk
            plain = re.sub(rb"\x1b\[[0-9;?]*[a-zA-Z]", b"", out).replace(b"\r", b"")
            if any(plain.endswith(m) for m in marks):
                return True
    return False
def echoed(text, timeout):
    """Waits until `text` shows on the terminal (the line editor echoes what it reads)."""
    global out
    end = time.time() + timeout
    while time.time() < end:
        plain = re.sub(rb"\x1b\[[0-9;?]*[a-zA-Z]", b"", out).replace(b"\r", b"")
        if plain.endswith(text) or plain.endswith(text + b"\n"):
            return True
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                out += os.read(fd, 4096)
            except OSError:
                return False
    return False
for line in lines:
    if not read_until([b"=> ", b"-> ", b"=*> ", b"=!> "]):
        break
    # Input typed while the editor switches the terminal mode can be discarded: type the
    # line, and type it again if it was not echoed.
    for _ in range(5):
        os.write(fd, line.encode())
        if echoed(line.encode(), 2):
            break
        os.write(fd, b"\x15")  # Ctrl-U: clear whatever part of the line arrived
    os.write(fd, b"\r")
read_until([b"__never__"], timeout=3)
for _ in range(20):
    p, status = os.waitpid(pid, os.WNOHANG)
    if p: break
    time.sleep(0.1)
else:
    os.kill(pid, 9); os.waitpid(pid, 0); out += b"\n[killed: did not exit]"
sys.stdout.write(out.decode(errors="replace"))
