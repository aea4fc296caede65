import os
import configparser

CREDENTIALS_FILE = os.path.expanduser(os.path.join("~", ".aws", "credentials"))
NETRC = os.path.expanduser("~/.netrc")

def load_profile(name):
    parser = configparser.ConfigParser()
    parser.read(CREDENTIALS_FILE)
    return dict(parser[name])
