# expect: review
import os

API_URL = os.getenv("API_URL", "https://api.example.com")
BATCH = int(os.getenv("BATCH_SIZE", "100"))
print(f"configured for {API_URL} with batches of {BATCH}")
