import importlib

def load(name):
    module = importlib.import_module(name)
    return getattr(module, "plugin")

def load_all(names):
    return [__import__(n) for n in names]
