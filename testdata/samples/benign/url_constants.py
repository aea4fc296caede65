DOCS = "https://docs.example.invalid/en/latest/"
LOCAL = "http://127.0.0.1:8000/"
PRIVATE = "http://10.0.0.5:9000/"
ISSUE_TEMPLATE = "See https://github.com/example/project/issues"
