# expect: allow
import sqlite3
import pandas as pd
from concurrent.futures import ThreadPoolExecutor

df = pd.DataFrame({"a": [1, 2, 3], "b": [4, 5, 6]})
df["c"] = df.eval("a + b")
small = df.query("c > 5")
conn = sqlite3.connect("local.db")
conn.executescript("create table if not exists t(x); insert into t values (1);")
with ThreadPoolExecutor(2) as executor:
    futs = [executor.submit(pow, 2, i) for i in range(5)]
print(small, [f.result() for f in futs])
metrics = {"eval_loss": 0.12, "exec_time": 3.4}
