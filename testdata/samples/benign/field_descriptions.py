"""Models whose field descriptions mention credentials and short links."""
import requests
from pydantic import BaseModel, Field


class Tool(BaseModel):
    search: str = Field(
        description="Searches public web data. Keys such as the Chrome Login Data of a user are never read; see https://goo.gl/xmQnxf",
    )


def fetch(url):
    return requests.get(url, timeout=5).json()
