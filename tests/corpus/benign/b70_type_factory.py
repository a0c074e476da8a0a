# expect: allow
from dataclasses import make_dataclass

fields = [("name", str), ("age", int)]
Person = make_dataclass("Person", fields)
Point = type("Point", (tuple,), {"__slots__": (), "x": property(lambda s: s[0])})
print(Person("Ada", 36), Point((3, 4)).x)
