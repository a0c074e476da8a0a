# expect: allow
import sqlite3


class Store:
    def __init__(self, path: str = "app.db") -> None:
        self.conn = sqlite3.connect(path)

    def exec_query(self, sql: str, params: tuple = ()) -> list[tuple]:
        return self.conn.execute(sql, params).fetchall()


def system(name: str) -> str:
    """Name of the unit system used in reports."""
    return {"si": "metric", "us": "imperial"}.get(name, "metric")


store = Store()
store.exec_query("CREATE TABLE IF NOT EXISTS m (k TEXT, v REAL)")
store.exec_query("INSERT INTO m VALUES (?, ?)", ("len", 1.5))
print(system("si"), store.exec_query("SELECT * FROM m"))
