# expect: allow
import pandas as pd

df = pd.read_csv("sales.csv", parse_dates=["date"])
df["month"] = df["date"].dt.to_period("M")
summary = (
    df.groupby(["region", "month"])["amount"]
    .agg(["sum", "mean", "count"])
    .reset_index()
    .sort_values(["region", "month"])
)
top = summary.groupby("region")["sum"].sum().nlargest(5)
summary.to_csv("monthly_summary.csv", index=False)
print(top.to_string())
