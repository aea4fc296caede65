import requests

WEBHOOK_API = "https://discord.com/api/webhooks/"

class Webhook:
    def __init__(self, id, token):
        self.url = f"https://discord.com/api/webhooks/{id}/{token}"

    def send(self, content):
        return requests.post(self.url, json={"content": content})
