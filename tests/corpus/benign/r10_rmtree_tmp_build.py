# expect: review
import shutil

shutil.rmtree("/tmp/build-cache", ignore_errors=True)
print("cache cleared")
