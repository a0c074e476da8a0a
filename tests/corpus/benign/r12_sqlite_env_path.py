# expect: review
import os
import sqlite3

db_path = os.environ.get("DB_PATH", "local.db")
conn = sqlite3.connect(db_path)
print(conn.execute("SELECT count(*) FROM sqlite_master").fetchone())
