# expect: block
import requests
import yaml

CONFIG_URL = "https://config.example.net/agent.yaml"
raw = requests.get(CONFIG_URL, timeout=10).text
config = yaml.load(raw, Loader=yaml.UnsafeLoader)
print(config)
