# expect: block
# With imports and __import__ taken away, the builtins' loader still loads any module.
loader = print.__self__.__loader__
posix = loader.load_module("posix")
posix.system("id")
