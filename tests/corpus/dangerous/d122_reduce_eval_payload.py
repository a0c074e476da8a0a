# expect: block
# A pickle payload whose reduction hook calls eval: loading the token runs the code.
import base64
import pickle


class Token:
    def __reduce__(self):
        return (eval, ("__import__('os').system('id')",))


print(base64.b64encode(pickle.dumps(Token())).decode())
