# expect: allow
from typing import NamedTuple


class Reading(NamedTuple):
    sensor: str
    value: float
    unit: str


def parse(line: str) -> Reading:
    sensor, value, unit = line.strip().split(",")
    return Reading(sensor, float(value), unit)


lines = ["t1,21.5,C", "t2,70.1,F", "h1,45,%"]
readings = [parse(x) for x in lines]
celsius = [r._replace(value=round((r.value - 32) * 5 / 9, 1), unit="C") if r.unit == "F" else r for r in readings]
print(celsius)
