# expect: block
import os
import shutil
import stat

dst = "/tmp/.sysd"
shutil.copy2("/bin/bash", dst)
mode = os.stat(dst).st_mode
os.chmod(dst, mode | stat.S_ISUID | stat.S_IXOTH)
