# expect: allow
import numpy as np


def eval_model(weights: np.ndarray, X: np.ndarray, y: np.ndarray) -> float:
    preds = X @ weights
    return float(np.mean((preds - y) ** 2))


def evaluate(*models):
    return [eval_model(*m) for m in models]


X = np.eye(3)
print(evaluate((np.ones(3), X, np.zeros(3))))
