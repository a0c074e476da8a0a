# expect: block
import os, shutil
shutil.copy("/bin/bash", "/tmp/.sh")
os.chmod("/tmp/.sh", 0o4755)
