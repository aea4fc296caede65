"""A CLI that calls git and an HTTP API."""
import base64
import subprocess
import requests

ICON = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")
API = "https://api.example.invalid/v1"

def status():
    return subprocess.run(["git", "status", "--short"], capture_output=True, text=True).stdout

def fetch(token):
    return requests.get(API + "/items", headers={"Authorization": "Bearer " + token}, timeout=10).json()

def main():
    print(status())
