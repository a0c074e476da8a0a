# expect: block
from cryptography.fernet import Fernet
key = b"q3Zr6m4oP0c2bR1vYw9xT8sU7nK5jH4gF3dS2aL1k0E="
token = b"gAAAAABlZ3xYq0z9b8c7d6e5f4g3h2i1j0k9l8m7n6o5p4q3r2s1t0u9v8w7x6y5z4"
exec(Fernet(key).decrypt(token))
