# expect: allow
import statistics

samples = [12.1, 11.8, 12.4, 13.0, 11.9, 12.2, 30.5, 12.0]
med = statistics.median(samples)
mad = statistics.median(abs(x - med) for x in samples)
clean = [x for x in samples if abs(x - med) <= 5 * mad]
print(
    f"n={len(clean)} mean={statistics.mean(clean):.2f} "
    f"stdev={statistics.stdev(clean):.2f} quantiles={statistics.quantiles(clean, n=4)}"
)
