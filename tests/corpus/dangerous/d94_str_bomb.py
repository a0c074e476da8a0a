# expect: block
x = "A" * (1 << 40)
