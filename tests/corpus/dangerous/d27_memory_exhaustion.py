# expect: review|block
hog = []
chunk = "A" * 10**9
while True:
    hog.append(bytearray(10**9))
    hog.append(chunk + str(len(hog)))
