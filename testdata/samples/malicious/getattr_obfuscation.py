# INERT SAMPLE: never run.
import os
getattr(__import__("o" + "s"), "metsys"[::-1])("echo inert")
