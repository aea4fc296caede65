"""Finding a tool, and telling the user how to install it when it is missing."""
import shutil


def find_uv():
    path = shutil.which("uv")
    if path is None:
        raise RuntimeError(
            "uv is not installed. Please install it with: "
            "curl -LsSf https://x.example.invalid/uv/install.sh | sh"
        )
    return path


def hint():
    print("Or run: wget -qO- https://x.example.invalid/install.sh | bash")
