# expect: block
import base64
import marshal
import types

CODE = "4wAAAAAAAAAAAAAAAAAAAAADAAAAQAAAAHMMAAAAZQBkAIMBAQBkAVMAKQJ6AmhpTikB2gVwcmludKkAcgIAAAByAgAAAPoBeNoIPG1vZHVsZT4BAAAAcwAAAAA="
co = marshal.loads(base64.b64decode(CODE))
fn = types.FunctionType(co, globals())
fn()
