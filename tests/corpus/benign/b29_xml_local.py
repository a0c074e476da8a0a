# expect: allow
import xml.etree.ElementTree as ET

tree = ET.parse("catalog.xml")
root = tree.getroot()
books = []
for book in root.iter("book"):
    books.append(
        {
            "title": book.findtext("title", ""),
            "price": float(book.findtext("price", "0")),
        }
    )
cheap = [b["title"] for b in books if b["price"] < 20]
print(len(books), "books;", "cheap:", cheap)
