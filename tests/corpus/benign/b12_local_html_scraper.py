# expect: allow
from html.parser import HTMLParser
from pathlib import Path


class LinkCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self._href = dict(attrs).get("href")

    def handle_data(self, data):
        if self._href:
            self.links.append((self._href, data.strip()))
            self._href = None


parser = LinkCollector()
for page in sorted(Path("pages").glob("*.html")):
    parser.feed(page.read_text(encoding="utf-8"))
Path("links.tsv").write_text("\n".join(f"{h}\t{t}" for h, t in parser.links))
