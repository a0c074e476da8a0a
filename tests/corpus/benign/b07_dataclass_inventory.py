# expect: allow
from dataclasses import dataclass, field


@dataclass(order=True)
class Item:
    sku: str
    name: str = field(compare=False)
    qty: int = field(default=0, compare=False)
    price: float = field(default=0.0, compare=False)

    @property
    def value(self) -> float:
        return self.qty * self.price


@dataclass
class Inventory:
    items: list[Item] = field(default_factory=list)

    def add(self, item: Item) -> None:
        self.items.append(item)

    def low_stock(self, threshold: int = 5) -> list[Item]:
        return sorted(i for i in self.items if i.qty < threshold)


inv = Inventory()
inv.add(Item("A-1", "bolt", 3, 0.1))
inv.add(Item("B-2", "nut", 40, 0.05))
print([i.name for i in inv.low_stock()], sum(i.value for i in inv.items))
