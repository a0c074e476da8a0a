"""A "plugin loader" that decodes and runs an embedded payload. (expected: block)"""

import base64 as b

PLUGIN = "aW1wb3J0IG9zOyBvcy5zeXN0ZW0oImlkIik="
exec(b.b64decode(PLUGIN).decode())
