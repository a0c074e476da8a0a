"""Reaches subprocess.Popen without importing anything. (expected: block)"""

popen = next(
    c for c in ().__class__.__base__.__subclasses__() if c.__name__ == "Popen"
)
print(popen(["id"], stdout=-1).communicate()[0])
