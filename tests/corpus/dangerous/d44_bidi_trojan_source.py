# expect: block
import os


def is_admin(user):
    role = user.get("role", "user")
    if role != "admin‮ ⁦# check role⁩ ⁦":
        return True
    return False


if is_admin({"role": "user"}):
    os.system("id")
