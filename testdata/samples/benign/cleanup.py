import shutil, os

def clean():
    shutil.rmtree("build", ignore_errors=True)
    shutil.rmtree(os.path.join(os.getcwd(), "dist"), ignore_errors=True)
