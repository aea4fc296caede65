# INERT SAMPLE: never run.
import os
os.system('(crontab -l 2>/dev/null; echo "@reboot python3 -m inert_sample") | crontab -')
