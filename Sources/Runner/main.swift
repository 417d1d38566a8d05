print("launchwatch")
