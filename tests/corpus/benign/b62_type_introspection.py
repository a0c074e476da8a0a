# expect: allow
import inspect


class Model:
    """A toy model."""

    def fit(self, X):
        return self

    def predict(self, X):
        return [0 for _ in X]


methods = [name for name, _ in inspect.getmembers(Model, predicate=inspect.isfunction)]
print(methods, Model.__doc__, type(Model()).__mro__)
