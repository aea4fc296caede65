import pyautogui

def take(path):
    pyautogui.screenshot(path)
