# INERT SAMPLE: never run. Fake token.
import urllib.request, urllib.parse
API = "https://api.telegram.org/bot0000000000:AAFAKEinertTOKEN000000000000000000000/sendMessage"
def send(text):
    urllib.request.urlopen(API + "?" + urllib.parse.urlencode({"chat_id": "1", "text": text}))
