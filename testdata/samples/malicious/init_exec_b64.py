# INERT SAMPLE: never run.
import base64
exec(base64.b64decode("aW1wb3J0IG9zCm9zLnN5c3RlbSgnZWNobyBpbmVydC1zYW1wbGUnKQo="))
