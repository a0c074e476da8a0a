# expect: allow
import numpy as np


def train(X: np.ndarray, y: np.ndarray, epochs: int = 200, lr: float = 0.1) -> np.ndarray:
    w = np.zeros(X.shape[1])
    for _ in range(epochs):
        p = 1 / (1 + np.exp(-X @ w))
        w -= lr * X.T @ (p - y) / len(y)
    return w


def eval_model(w: np.ndarray, X: np.ndarray, y: np.ndarray) -> float:
    pred = (1 / (1 + np.exp(-X @ w))) > 0.5
    return float((pred == y).mean())


rng = np.random.default_rng(0)
X = rng.normal(size=(500, 3))
y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(float)
w = train(X, y)
print("accuracy:", eval_model(w, X, y))
