# expect: allow
import sqlite3

SCHEMA = """
DROP TABLE IF EXISTS runs;
CREATE TABLE runs (id INTEGER PRIMARY KEY, name TEXT NOT NULL, score REAL);
CREATE INDEX runs_name ON runs(name);
"""

with sqlite3.connect("experiments.db") as conn:
    conn.executescript(SCHEMA)
    conn.executemany("INSERT INTO runs (name, score) VALUES (?, ?)", [("a", 0.5), ("b", 0.7)])
    best = conn.execute("SELECT name, max(score) FROM runs").fetchone()
print("best run:", best)
