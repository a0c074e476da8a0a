# expect: allow
import secrets
import string
import uuid

alphabet = string.ascii_letters + string.digits


def invite_code(n: int = 10) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(n))


batch = [{"id": str(uuid.uuid4()), "code": invite_code()} for _ in range(3)]
for row in batch:
    print(row["id"], row["code"])
