# expect: allow
from datetime import date, timedelta

HOLIDAYS = {date(2026, 12, 25), date(2026, 12, 26), date(2027, 1, 1)}


def add_business_days(start: date, days: int) -> date:
    current = start
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5 and current not in HOLIDAYS:
            days -= 1
    return current


for d in (date(2026, 12, 22), date(2026, 12, 30)):
    print(d, "+10 business days ->", add_business_days(d, 10))
