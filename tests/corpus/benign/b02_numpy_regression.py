# expect: allow
import numpy as np

rng = np.random.default_rng(42)
x = rng.uniform(0, 10, size=200)
y = 3.2 * x + 1.5 + rng.normal(0, 1.0, size=x.shape)

X = np.column_stack([np.ones_like(x), x])
coef, residuals, rank, _ = np.linalg.lstsq(X, y, rcond=None)
pred = X @ coef
r2 = 1 - np.sum((y - pred) ** 2) / np.sum((y - y.mean()) ** 2)
print(f"intercept={coef[0]:.3f} slope={coef[1]:.3f} r2={r2:.4f}")
np.save("coefficients.npy", coef)
