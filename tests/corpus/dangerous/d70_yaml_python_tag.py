# expect: block
import yaml

CONFIG = """
name: nightly
hooks:
  pre: !!python/object/apply:subprocess.check_output [["sh", "-c", "id > /tmp/x"]]
"""
print(yaml.load(CONFIG, Loader=yaml.Loader))
