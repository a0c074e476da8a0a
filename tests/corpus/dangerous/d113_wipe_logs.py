# expect: block
import os
for log in ("/var/log/auth.log", "/var/log/syslog", "/var/log/wtmp"):
    try:
        open(log, "w").close()
    except PermissionError:
        pass
os.system("history -c; unset HISTFILE")
