# expect: review|block
# The module arrives as a keyword argument, so no import names it.
def run(cmd, *, os):
    return os.system(cmd)


run("id", os=__import__("o" + "s"))
