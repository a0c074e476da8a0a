# expect: allow
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction


def split_bill(total: str, people: int) -> list[Decimal]:
    amount = Decimal(total)
    share = (amount / people).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    shares = [share] * people
    shares[-1] += amount - sum(shares)
    return shares


print(split_bill("100.00", 3))
print(Fraction(1, 3) + Fraction(1, 6))
