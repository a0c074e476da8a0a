# expect: allow
import sqlite3

conn = sqlite3.connect("tasks.db")
conn.execute(
    "CREATE TABLE IF NOT EXISTS tasks (id INTEGER PRIMARY KEY, title TEXT, done INTEGER DEFAULT 0)"
)
for title in ("write report", "review PR", "plan sprint"):
    conn.execute("INSERT INTO tasks (title) VALUES (?)", (title,))
conn.execute("UPDATE tasks SET done = 1 WHERE title = ?", ("review PR",))
conn.commit()
for row in conn.execute("SELECT id, title, done FROM tasks ORDER BY id"):
    print(row)
conn.close()
