# INERT SAMPLE
def gеt_data():
    return 1
