# expect: block
hog = []
while True:
    hog.append(bytearray(1024 * 1024 * 512))
