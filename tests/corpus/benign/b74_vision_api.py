# expect: allow|review
import base64
import os
import requests

with open("chart.png", "rb") as f:
    b64 = base64.b64encode(f.read()).decode()
resp = requests.post(
    "https://api.openai.com/v1/chat/completions",
    headers={"Authorization": f"Bearer {os.environ['OPENAI_API_KEY']}"},
    json={
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": [
            {"type": "text", "text": "Describe this chart"},
            {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{b64}"}},
        ]}],
    },
    timeout=60,
)
print(resp.json()["choices"][0]["message"]["content"])
