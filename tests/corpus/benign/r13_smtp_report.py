# expect: review
import smtplib
from email.message import EmailMessage

msg = EmailMessage()
msg["Subject"] = "Nightly build passed"
msg["From"] = "ci@example.com"
msg["To"] = "team@example.com"
msg.set_content("All 412 tests passed.")
with smtplib.SMTP("localhost", 25) as s:
    s.send_message(msg)
