# expect: allow
import ast
import configparser

cp = configparser.ConfigParser()
cp.read("settings.ini")
settings = {}
for key, raw in cp["model"].items():
    try:
        settings[key] = ast.literal_eval(raw)
    except (ValueError, SyntaxError):
        settings[key] = raw
print(settings)
