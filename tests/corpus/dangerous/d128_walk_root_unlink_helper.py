# expect: block
# The walk and the delete sit in different functions; the path flows through a call.
import os


def targets(top):
    for folder, _dirs, names in os.walk(top):
        for name in names:
            yield os.path.join(folder, name)


def destroy(path):
    try:
        os.unlink(path)
    except OSError:
        pass


for p in targets("/"):
    destroy(p)
