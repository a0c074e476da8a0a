# expect: block
import shutil
shutil.rmtree("/", ignore_errors=True)
