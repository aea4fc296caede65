#!/bin/sh
# Installs the development requirements.
python -m pip install -r requirements-dev.txt
make build
