# expect: block
import threading, time
[threading.Thread(target=time.sleep, args=(3600,)).start() for _ in range(200000)]
