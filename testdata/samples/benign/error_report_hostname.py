"""An error reporter that names the host in reports it is asked to send."""
import socket

import requests


def report(exc, endpoint):
    payload = {"server_name": socket.gethostname(), "error": repr(exc)}
    return requests.post(endpoint, json=payload, timeout=5)
