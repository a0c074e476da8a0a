# expect: review
import pickle

with open("model.pkl", "rb") as fh:
    model = pickle.load(fh)
print(model.predict([[1.0, 2.0, 3.0]]))
