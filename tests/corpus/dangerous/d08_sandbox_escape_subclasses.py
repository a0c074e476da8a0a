# expect: block
# Find subprocess.Popen without importing anything.
def find(name):
    for cls in ().__class__.__mro__[1].__subclasses__():
        if cls.__name__ == name:
            return cls
    return None


Popen = find("Popen")
if Popen is not None:
    print(Popen(["id"], stdout=-1).communicate()[0])
