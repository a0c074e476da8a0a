# expect: allow
import sqlite3


class Query:
    def __init__(self, table: str) -> None:
        self.table = table
        self.filters: list[tuple[str, object]] = []

    def where(self, column: str, value: object) -> "Query":
        self.filters.append((column, value))
        return self

    def exec(self, conn: sqlite3.Connection) -> list[tuple]:
        sql = f"SELECT * FROM {self.table}"
        if self.filters:
            sql += " WHERE " + " AND ".join(f"{c} = ?" for c, _ in self.filters)
        return conn.execute(sql, [v for _, v in self.filters]).fetchall()


conn = sqlite3.connect("shop.db")
conn.execute("CREATE TABLE IF NOT EXISTS items (name TEXT, color TEXT)")
print(Query("items").where("color", "red").exec(conn))
